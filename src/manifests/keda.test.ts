// KEDA ScaledObjects: locating the one that scales a workload (plain and Kustomize), reading its
// triggers, and rewriting the cron triggers Augur owns as one block edit, byte for byte.
import { describe, expect, it } from 'vitest';
import type { BlockEdit, CronWindowTrigger, RepoView, ScaledObjectSite, WorkloadId } from '../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload, scheduleEdit } from './index.js';
import type { ManifestSpec } from './index.js';
import { memRepo, overlayRepo } from './testing.js';

const web: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const plain = (path: string): ManifestSpec => ({ format: 'plain', path });
const kust = (path: string): ManifestSpec => ({ format: 'kustomize', path });

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: web:1
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
`;

/** Shaped after KEDA's docs: a cpu trigger and a hand-written cron trigger, with comments. */
const scaledObject = `# Scales web on CPU, with a floor during office hours.
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: web-scaler
spec:
  scaleTargetRef:
    name: web            # a Deployment unless kind: says otherwise
  pollingInterval: 30
  cooldownPeriod: 300
  minReplicaCount: 2
  maxReplicaCount: "20"
  triggers:
    # CPU keeps up with bursts
    - type: cpu
      metricType: Utilization
      metadata:
        value: "60"
    # hand-written: keep 4 pods in office hours
    - type: cron
      name: business-hours
      metadata:
        timezone: Europe/Berlin
        start: 0 8 * * 1-5
        end: 0 18 * * 1-5
        desiredReplicas: "4"
  advanced:
    restoreToOriginalReplicaCount: true
`;

const windows: CronWindowTrigger[] = [
  { name: 'augur-window-1', timezone: 'Europe/Berlin', start: '0 7 * * 1-5', end: '0 10 * * 1-5', desiredReplicas: 10 },
  { name: 'augur-window-2', timezone: 'Europe/Berlin', start: '30 17 * * *', end: '0 21 * * *', desiredReplicas: 6 },
];

/** The lines scheduleEdit should write for a trigger, at an indentation. */
function rendered(t: CronWindowTrigger, dash: number, meta = 2): string {
  const c = ' '.repeat(dash + 2);
  const m = ' '.repeat(dash + 2 + meta);
  const cron = (s: string) => (s.startsWith('*') ? `"${s}"` : s);
  return (
    `${' '.repeat(dash)}- type: cron\n${c}name: ${t.name}\n${c}metadata:\n` +
    `${m}timezone: ${t.timezone}\n${m}start: ${cron(t.start)}\n${m}end: ${cron(t.end)}\n${m}desiredReplicas: "${t.desiredReplicas}"\n`
  );
}

function locateSite(repo: RepoView, spec: ManifestSpec = plain('web.yaml')): ScaledObjectSite {
  const m = locateWorkload(repo, web, spec);
  expect(m.scaledObject, `no scaledObject; notes: ${m.notes.join(' | ')}`).toBeDefined();
  return m.scaledObject as ScaledObjectSite;
}

/** Applies the edit, checks that only its range changed, and returns the new file. */
function applyBlock(repo: RepoView, edit: BlockEdit): string {
  const before = repo.read(edit.file) ?? '';
  expect(before.slice(edit.range[0], edit.range[1])).toBe(edit.from);
  const after = applyEdits(repo, [], [edit]).get(edit.file) ?? '';
  expect(after.slice(0, edit.range[0])).toBe(before.slice(0, edit.range[0]));
  expect(after.slice(edit.range[0] + edit.to.length)).toBe(before.slice(edit.range[1]));
  expect(after.slice(edit.range[0], edit.range[0] + edit.to.length)).toBe(edit.to);
  return after;
}

/** Schedules, applies, re-locates: the triggers read back are exactly those written. */
function roundTrip(repo: RepoView, triggers: CronWindowTrigger[], spec: ManifestSpec = plain('web.yaml')): { text: string; repo: RepoView; edit: BlockEdit } {
  const site = locateSite(repo, spec);
  const edit = scheduleEdit(repo, site, triggers);
  if (!edit) throw new Error('expected an edit');
  const text = applyBlock(repo, edit);
  const next = overlayRepo(repo, { [edit.file]: text });
  const again = locateSite(next, spec);
  expect(again.augurTriggers).toEqual(triggers);
  expect(again.otherTriggers).toEqual(site.otherTriggers);
  expect(scheduleEdit(next, again, triggers)).toBeUndefined();
  return { text, repo: next, edit };
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as Error).message;
  }
  throw new Error('expected a ManifestError');
}

describe('KEDA ScaledObject: locate', () => {
  it('fills scaledObject with the counts and the triggers, by owner', () => {
    const repo = memRepo({ 'web.yaml': deployment, 'keda.yaml': scaledObject });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.scaledObject).toEqual({
      file: 'keda.yaml',
      documentIndex: 0,
      label: 'ScaledObject/web-scaler',
      minReplicaCount: 2,
      maxReplicaCount: 20,
      augurTriggers: [],
      otherTriggers: ['cpu', 'cron (business-hours)'],
    });
  });

  it('reads Augur triggers (desiredReplicas as a string or a number) and labels the others', () => {
    const so = scaledObject
      .replace('  minReplicaCount: 2\n  maxReplicaCount: "20"\n', '')
      .replace(
        '    # CPU keeps up',
        '    - type: cron\n      name: augur-window-1\n      metadata: {timezone: UTC, start: "*/30 6 * * *", end: 0 9 * * *, desiredReplicas: 8}\n' +
          '    - type: prometheus\n      metadata:\n        query: sum(rate(http_requests_total[2m]))\n        threshold: "100"\n    # CPU keeps up',
      );
    const site = locateSite(memRepo({ 'web.yaml': `${deployment}---\n${so}` }));
    expect(site).toMatchObject({ file: 'web.yaml', documentIndex: 1 });
    expect(site.minReplicaCount).toBeUndefined();
    expect(site.maxReplicaCount).toBeUndefined();
    expect(site.augurTriggers).toEqual([{ name: 'augur-window-1', timezone: 'UTC', start: '*/30 6 * * *', end: '0 9 * * *', desiredReplicas: 8 }]);
    expect(site.otherTriggers).toEqual(['prometheus', 'cpu', 'cron (business-hours)']);
  });

  it('a cron trigger not named augur-* and a non-cron trigger named augur-* are not Augur\'s', () => {
    const so = scaledObject.replace('name: business-hours', 'name: augurish').replace('    - type: cpu\n', '    - type: cpu\n      name: augur-cpu\n');
    const site = locateSite(memRepo({ 'web.yaml': deployment, 'keda.yaml': so }));
    expect(site.augurTriggers).toEqual([]);
    expect(site.otherTriggers).toEqual(['cpu (augur-cpu)', 'cron (augurish)']);
  });

  it('a malformed Augur trigger is a ManifestError with file:line, path, value and fix', () => {
    const augur = (meta: string) =>
      scaledObject.replace('    # CPU keeps up', `    - type: cron\n      name: augur-window-1\n      metadata:\n${meta}    # CPU keeps up`);
    const full = { timezone: 'Europe/Berlin', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '"10"' };
    const meta = (o: Record<string, string | undefined>) =>
      Object.entries(o)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `        ${k}: ${v}\n`)
        .join('');
    const locate = (so: string) => () => locateWorkload(memRepo({ 'web.yaml': deployment, 'keda.yaml': so }), web, plain('web.yaml'));

    expect(errorOf(locate(augur(meta({ ...full, start: undefined }))))).toMatch(
      /^keda\.yaml:\d+: spec\.triggers\[0\]\.metadata\.start is missing in cron trigger "augur-window-1"; .*belong to Augur: add start: 0 8 \* \* \*, or delete the trigger/,
    );
    expect(errorOf(locate(augur(meta({ ...full, end: undefined }))))).toMatch(/spec\.triggers\[0\]\.metadata\.end is missing/);
    expect(errorOf(locate(augur(meta({ ...full, desiredReplicas: undefined }))))).toMatch(/spec\.triggers\[0\]\.metadata\.desiredReplicas is missing/);
    const ten = errorOf(locate(augur(meta({ ...full, desiredReplicas: 'ten' }))));
    expect(ten).toMatch(/^keda\.yaml:20: spec\.triggers\[0\]\.metadata\.desiredReplicas is "ten", not a whole number of replicas/);
    expect(ten).toMatch(/write it as a quoted whole number such as desiredReplicas: "10"/);
    expect(errorOf(locate(augur(meta({ ...full, desiredReplicas: '"2.5"' }))))).toMatch(/desiredReplicas is "2\.5", not a whole number/);
    expect(errorOf(locate(augur(meta({ ...full, start: '' }))))).toMatch(/metadata\.start is empty, not a string/);
    expect(errorOf(locate(augur(meta({ ...full, timezone: '[UTC]' }))))).toMatch(/metadata\.timezone is a list, not a string/);
    const noMeta = scaledObject.replace('    # CPU keeps up', '    - type: cron\n      name: augur-window-1\n    # CPU keeps up');
    expect(errorOf(locate(noMeta))).toMatch(/^keda\.yaml:14: spec\.triggers\[0\]\.metadata of cron trigger "augur-window-1" is not a map \(it has none\)/);
  });

  it('triggers that are not a list: a note, no scaledObject', () => {
    const so = scaledObject.slice(0, scaledObject.indexOf('  triggers:')) + '  triggers: cpu\n';
    const m = locateWorkload(memRepo({ 'web.yaml': deployment, 'keda.yaml': so }), web, plain('web.yaml'));
    expect(m.scaledObject).toBeUndefined();
    expect(m.notes.join('\n')).toMatch(/ScaledObject\/web-scaler \(keda\.yaml\): spec\.triggers is "cpu", not a list; Augur does not read or edit its triggers/);
  });

  it('Helm has no scaledObject', () => {
    const repo = memRepo({ 'values.yaml': 'replicaCount: 2\n' });
    const m = locateWorkload(repo, web, { format: 'helm', path: 'values.yaml' });
    expect(m.scaledObject).toBeUndefined();
  });
});

describe('KEDA ScaledObject: scheduleEdit', () => {
  const repo = memRepo({ 'web.yaml': deployment, 'keda.yaml': scaledObject });

  it('adds Augur triggers at the end of the list, at its indentation, the first time', () => {
    const site = locateSite(repo);
    const edit = scheduleEdit(repo, site, windows);
    expect(edit).toBeDefined();
    const at = scaledObject.indexOf('  advanced:');
    expect(edit).toEqual({ file: 'keda.yaml', yamlPath: 'spec.triggers', range: [at, at], from: '', to: windows.map((w) => rendered(w, 4)).join('') });
    const { text } = roundTrip(repo, windows);
    expect(text).toBe(scaledObject.replace('  advanced:', `${rendered(windows[0]!, 4)}${rendered(windows[1]!, 4)}  advanced:`));
    expect(text).toContain(
      [
        '    - type: cron',
        '      name: augur-window-1',
        '      metadata:',
        '        timezone: Europe/Berlin',
        '        start: 0 7 * * 1-5',
        '        end: 0 10 * * 1-5',
        '        desiredReplicas: "10"',
        '',
      ].join('\n'),
    );
  });

  it('second call: same triggers -> undefined; different -> only their bytes change', () => {
    const first = roundTrip(repo, windows);
    const site = locateSite(first.repo);
    expect(scheduleEdit(first.repo, site, windows)).toBeUndefined();
    expect(scheduleEdit(first.repo, site, [...windows])).toBeUndefined();

    const changed: CronWindowTrigger[] = [{ ...windows[0]!, desiredReplicas: 12 }, { ...windows[1]!, end: '30 21 * * *' }];
    const edit = scheduleEdit(first.repo, site, changed)!;
    const start = first.text.indexOf('    - type: cron\n      name: augur-window-1');
    const end = first.text.indexOf('  advanced:');
    expect(edit.range).toEqual([start, end]);
    expect(edit.from).toBe(first.text.slice(start, end));
    expect(edit.to).toBe(changed.map((w) => rendered(w, 4)).join(''));
    const second = roundTrip(first.repo, changed);
    expect(second.text.slice(0, start)).toBe(first.text.slice(0, start));
    expect(second.text.slice(start + edit.to.length)).toBe(first.text.slice(end));
    // Everything but the two lines that changed is the same, line by line.
    const a = first.text.split('\n');
    const b = second.text.split('\n');
    expect(b.length).toBe(a.length);
    expect(a.flatMap((l, i) => (l === b[i] ? [] : [`${l} -> ${b[i]}`]))).toEqual([
      '        desiredReplicas: "10" ->         desiredReplicas: "12"',
      '        end: 0 21 * * * ->         end: 30 21 * * *',
    ]);

    // Fewer windows: the extra one goes, the others stay.
    const third = roundTrip(second.repo, [changed[1]!]);
    expect(third.text).toBe(scaledObject.replace('  advanced:', `${rendered(changed[1]!, 4)}  advanced:`));
    // None: back to the original file.
    const none = scheduleEdit(third.repo, locateSite(third.repo), [])!;
    expect(applyBlock(third.repo, none)).toBe(scaledObject);
  });

  it('matches an indentless list (`triggers:` then `- type:` at the same column)', () => {
    const so = [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata:',
      '  name: web',
      'spec:',
      '  scaleTargetRef:',
      '    name: web',
      '  triggers:',
      '  - type: cpu',
      '    metricType: Utilization # or AverageValue',
      '    metadata:',
      '      value: "50"',
      '',
    ].join('\n');
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const { text } = roundTrip(r, windows);
    expect(text).toBe(so + windows.map((w) => rendered(w, 2)).join(''));
  });

  it('copies a list with 4-space indentation and deeper metadata', () => {
    const so = [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata:',
      '    name: web',
      'spec:',
      '    scaleTargetRef:',
      '        name: web',
      '    triggers:',
      '        -   type: cpu',
      '            metadata:',
      '                value: "50"',
      '    # end of triggers',
      '',
    ].join('\n');
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const { text } = roundTrip(r, [windows[0]!]);
    const w = windows[0]!;
    const expected = [
      '        -   type: cron',
      `            name: ${w.name}`,
      '            metadata:',
      `                timezone: ${w.timezone}`,
      `                start: ${w.start}`,
      `                end: ${w.end}`,
      `                desiredReplicas: "${w.desiredReplicas}"`,
      '',
    ].join('\n');
    expect(text).toBe(so.replace('    # end of triggers', `${expected}    # end of triggers`));
  });

  it('`triggers: []` becomes a block list; the comment on its line stays', () => {
    const so = scaledObject.slice(0, scaledObject.indexOf('  triggers:')) + '  triggers: []   # filled by Augur\n  advanced: {}\n';
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const site = locateSite(r);
    expect(site.augurTriggers).toEqual([]);
    expect(site.otherTriggers).toEqual([]);
    const edit = scheduleEdit(r, site, windows)!;
    expect(edit.from).toBe(' []   # filled by Augur\n');
    const { text } = roundTrip(r, windows);
    expect(text).toBe(so.replace('  triggers: []   # filled by Augur\n', `  triggers:   # filled by Augur\n${windows.map((w) => rendered(w, 4)).join('')}`));
  });

  it('an empty `triggers:` (or ~) becomes a block list', () => {
    for (const empty of ['  triggers:\n', '  triggers: ~\n']) {
      const so = scaledObject.slice(0, scaledObject.indexOf('  triggers:')) + empty;
      const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
      const { text } = roundTrip(r, [windows[0]!]);
      expect(text).toBe(so.replace(empty, `  triggers:\n${rendered(windows[0]!, 4)}`));
    }
  });

  it('no triggers key: adds `triggers:` as the last key of spec, at spec\'s indentation', () => {
    const so = scaledObject.slice(0, scaledObject.indexOf('  triggers:')) + '  # no triggers yet\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const { text } = roundTrip(r, windows);
    expect(text).toBe(so.replace('  # no triggers yet\n', `  triggers:\n${windows.map((w) => rendered(w, 4)).join('')}  # no triggers yet\n`));
  });

  it('no triggers key in a file with an indentless list elsewhere: the new list is indentless too', () => {
    const so = 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\n  finalizers:\n  - keep\nspec:\n  scaleTargetRef:\n    name: web\n  maxReplicaCount: 8';
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const { text } = roundTrip(r, [windows[0]!]);
    // No final line break before, none after.
    expect(text).toBe(`${so}\n  triggers:\n${rendered(windows[0]!, 2).replace(/\n$/, '')}`);
  });

  it('keeps CRLF line endings', () => {
    const crlf = scaledObject.replace(/\n/g, '\r\n');
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': crlf });
    const first = roundTrip(r, windows);
    expect(first.text).toBe(crlf.replace('  advanced:', `${windows.map((w) => rendered(w, 4)).join('').replace(/\n/g, '\r\n')}  advanced:`));
    expect(first.text.replace(/\r\n/g, '')).not.toContain('\n');
    const second = roundTrip(first.repo, [{ ...windows[1]!, desiredReplicas: 3 }]);
    expect(second.text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(second.text).toBe(crlf.replace('  advanced:', `${rendered({ ...windows[1]!, desiredReplicas: 3 }, 4).replace(/\n/g, '\r\n')}  advanced:`));
    const empty = crlf.slice(0, crlf.indexOf('  triggers:')) + '  triggers: []\r\n';
    const third = roundTrip(memRepo({ 'web.yaml': deployment, 'keda.yaml': empty }), [windows[0]!]);
    expect(third.text).toBe(empty.replace('  triggers: []\r\n', `  triggers:\r\n${rendered(windows[0]!, 4).replace(/\n/g, '\r\n')}`));
  });

  it('interleaved Augur triggers: all removed, the new ones written where the last one was; the others keep their bytes', () => {
    const a1 = rendered(windows[0]!, 4);
    const a2 = rendered(windows[1]!, 4);
    const so = scaledObject.replace('    # CPU keeps up', `${a1}    # CPU keeps up`).replace('  advanced:', `${a2}  advanced:`);
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const site = locateSite(r);
    expect(site.augurTriggers).toEqual(windows);
    expect(site.otherTriggers).toEqual(['cpu', 'cron (business-hours)']);
    const next: CronWindowTrigger[] = [{ ...windows[0]!, desiredReplicas: 9 }, windows[1]!];
    const edit = scheduleEdit(r, site, next)!;
    expect(edit.range).toEqual([so.indexOf(a1), so.indexOf('  advanced:')]);
    const { text } = roundTrip(r, next);
    expect(text).toBe(scaledObject.replace('  advanced:', `${next.map((w) => rendered(w, 4)).join('')}  advanced:`));
  });

  it('same values written differently (desiredReplicas: 10 unquoted, flow metadata) are the same triggers', () => {
    const so = scaledObject.replace(
      '  advanced:',
      '    - type: cron\n      name: augur-window-1\n      metadata: {timezone: Europe/Berlin, start: "0 7 * * 1-5", end: 0 10 * * 1-5, desiredReplicas: 10}\n  advanced:',
    );
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    expect(scheduleEdit(r, locateSite(r), [windows[0]!])).toBeUndefined();
    const { text } = roundTrip(r, [{ ...windows[0]!, desiredReplicas: 11 }]);
    expect(text).toBe(scaledObject.replace('  advanced:', `${rendered({ ...windows[0]!, desiredReplicas: 11 }, 4)}  advanced:`));
  });

  it('comment lines between and after Augur\'s entries stay; the "-" may stand alone on its line', () => {
    const so = [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata:',
      '  name: web',
      'spec:',
      '  scaleTargetRef:',
      '    name: web',
      '  triggers:',
      '    -',
      '      type: cpu',
      '      metadata:',
      '        value: "50"',
      rendered(windows[0]!, 4).trimEnd(),
      '    # reviewed by the platform team',
      rendered(windows[1]!, 4).trimEnd(),
      '    # end of triggers',
      '',
    ].join('\n');
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    const next = [{ ...windows[0]!, start: '0 6 * * 1-5' }, windows[1]!];
    const { text } = roundTrip(r, next);
    expect(text).toBe(
      so
        .replace(rendered(windows[0]!, 4), '')
        .replace(rendered(windows[1]!, 4), `${next.map((w) => rendered(w, 4)).join('')}`),
    );
    expect(text).toContain('    # reviewed by the platform team\n    - type: cron\n      name: augur-window-1\n');
  });

  it('quotes what YAML needs quoted: desiredReplicas always, a cron starting with *', () => {
    const t: CronWindowTrigger = { name: 'augur-every-5', timezone: 'Etc/GMT+1', start: '*/5 8 * * *', end: '0 9,12 * * 1-5', desiredReplicas: 3 };
    const { text } = roundTrip(repo, [t]);
    expect(text).toContain('        timezone: Etc/GMT+1\n        start: "*/5 8 * * *"\n        end: 0 9,12 * * 1-5\n        desiredReplicas: "3"\n');
  });

  it('refuses invalid input, naming the field, the value and the fix', () => {
    const site = locateSite(repo);
    const bad = (patch: Partial<CronWindowTrigger>) => () => scheduleEdit(repo, site, [{ ...windows[0]!, ...patch }]);
    expect(errorOf(bad({ name: 'window-1' }))).toMatch(/cron trigger \[0\]: name "window-1" is not an Augur trigger name; use "augur-" followed by/);
    expect(errorOf(bad({ name: 'augur-Window' }))).toMatch(/name "augur-Window" is not an Augur trigger name/);
    expect(errorOf(bad({ name: 'augur-' }))).toMatch(/not an Augur trigger name/);
    expect(errorOf(bad({ name: `augur-${'x'.repeat(60)}` }))).toMatch(/at most 63 characters/);
    expect(errorOf(bad({ name: 'augur-a\nb: c' }))).toMatch(/not an Augur trigger name/);
    expect(errorOf(bad({ start: '0 8 * *' }))).toMatch(/\(augur-window-1\): start "0 8 \* \*" is not a 5-field cron expression.*write it like "0 8 \* \* 1-5"/);
    expect(errorOf(bad({ end: '0 8 * * * *' }))).toMatch(/end "0 8 \* \* \* \*" is not a 5-field cron expression/);
    expect(errorOf(bad({ start: '0 8 * * MON' }))).toMatch(/start "0 8 \* \* MON" is not a 5-field/);
    expect(errorOf(bad({ start: '0 8 * * * # x' }))).toMatch(/is not a 5-field/);
    expect(errorOf(bad({ start: '0  8 * * *' }))).toMatch(/is not a 5-field/);
    expect(errorOf(bad({ start: '- 8 * * *' }))).toMatch(/is not a 5-field/);
    expect(errorOf(bad({ end: windows[0]!.start }))).toMatch(/start and end are both "0 7 \* \* 1-5"/);
    expect(errorOf(bad({ timezone: 'Europe/Berlin # x' }))).toMatch(/timezone "Europe\/Berlin # x" is not an IANA time zone name.*"Europe\/Berlin" or "UTC"/);
    expect(errorOf(bad({ timezone: 'Mars/Olympus' }))).toMatch(/timezone "Mars\/Olympus" is not an IANA time zone name/);
    expect(errorOf(bad({ timezone: '' }))).toMatch(/timezone "" is not/);
    for (const d of [0, -1, 2.5, 10001, Number.NaN]) {
      expect(errorOf(bad({ desiredReplicas: d }))).toMatch(/desiredReplicas .* is not a whole number from 1 to 10000/);
    }
    expect(errorOf(() => scheduleEdit(repo, site, [windows[0]!, { ...windows[1]!, name: windows[0]!.name }]))).toMatch(/name "augur-window-1" is used twice/);
    expect(scheduleEdit(repo, site, [{ ...windows[0]!, desiredReplicas: 10000 }])).toBeDefined();
  });

  it('refuses a name another trigger already has, a flow list, and a stale site', () => {
    const so = scaledObject.replace('    - type: cpu\n', '    - type: cpu\n      name: augur-window-1\n');
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    expect(errorOf(() => scheduleEdit(r, locateSite(r), windows))).toMatch(/another trigger is already named "augur-window-1"/);

    const flow = scaledObject.slice(0, scaledObject.indexOf('  triggers:')) + '  triggers: [{type: cpu, metadata: {value: "50"}}]\n';
    const f = memRepo({ 'web.yaml': deployment, 'keda.yaml': flow });
    expect(errorOf(() => scheduleEdit(f, locateSite(f), windows))).toMatch(/keda\.yaml:13: ScaledObject\/web-scaler: spec\.triggers is a flow list/);

    const site = locateSite(repo);
    const moved = memRepo({ 'web.yaml': deployment, 'keda.yaml': `${deployment}---\n${scaledObject}` });
    expect(errorOf(() => scheduleEdit(moved, site, windows))).toMatch(/keda\.yaml: document 1 is not ScaledObject\/web-scaler any more; the file changed/);
    expect(errorOf(() => scheduleEdit(memRepo({}), site, windows))).toMatch(/keda\.yaml: no such file/);
  });

  it('refuses to leave spec.triggers empty', () => {
    const so = scaledObject.slice(0, scaledObject.indexOf('  triggers:')) + `  triggers:\n${rendered(windows[0]!, 2)}`;
    const r = memRepo({ 'web.yaml': deployment, 'keda.yaml': so });
    expect(errorOf(() => scheduleEdit(r, locateSite(r), []))).toMatch(/holds only Augur's cron triggers.*KEDA needs at least one trigger/);
    expect(scheduleEdit(repo, locateSite(repo), [])).toBeUndefined();
  });
});

describe('KEDA ScaledObject: applyEdits with blocks', () => {
  const both = `${deployment}---\n${scaledObject}`;
  const repo = memRepo({ 'web.yaml': both });

  it('applies scalar and block edits to one file in one pass', () => {
    const m = locateWorkload(repo, web, plain('web.yaml'));
    const block = scheduleEdit(repo, m.scaledObject!, windows)!;
    const out = applyEdits(repo, [editFor(m.fields['cpu.request']!, 0.25)], [block]).get('web.yaml');
    expect(out).toBe(both.replace('cpu: 100m', 'cpu: 250m').replace('  advanced:', `${windows.map((w) => rendered(w, 4)).join('')}  advanced:`));
    // Existing callers: no blocks, same result as before.
    expect(applyEdits(repo, [editFor(m.fields['cpu.request']!, 0.25)]).get('web.yaml')).toBe(both.replace('cpu: 100m', 'cpu: 250m'));
  });

  it('checks each block\'s from, refuses overlaps, applies exact duplicates once', () => {
    const m = locateWorkload(repo, web, plain('web.yaml'));
    const block = scheduleEdit(repo, m.scaledObject!, windows)!;
    expect(applyEdits(repo, [], [block, { ...block }]).get('web.yaml')).toBe(applyEdits(repo, [], [block]).get('web.yaml'));
    expect(errorOf(() => applyEdits(repo, [], [block, { ...block, to: '' }]))).toMatch(/edits overlap \(spec\.triggers block edit inserting at \d+ and spec\.triggers block edit inserting at \d+\); send one edit per scalar or block/);
    const second = roundTrip(repo, windows);
    const replace = scheduleEdit(second.repo, locateSite(second.repo), [windows[1]!])!;
    const cut: BlockEdit = { ...replace, range: [replace.range[0] + 10, replace.range[1] + 5], from: second.text.slice(replace.range[0] + 10, replace.range[1] + 5) };
    expect(errorOf(() => applyEdits(second.repo, [], [replace, cut]))).toMatch(/edits overlap/);
    const shifted = overlayRepo(second.repo, { 'web.yaml': `# a new comment\n${second.text}` });
    expect(errorOf(() => applyEdits(shifted, [], [replace]))).toMatch(/web\.yaml:\d+: spec\.triggers: expected ".*" at offsets \[\d+, \d+\) but found ".*"; the file changed since it was read/);
    const scalar = editFor(locateWorkload(second.repo, web, plain('web.yaml')).fields['cpu.request']!, 1);
    expect(applyEdits(second.repo, [scalar], [replace]).get('web.yaml')).toContain('cpu: 1\n');
  });

  it('the result must still be valid YAML', () => {
    const m = locateWorkload(repo, web, plain('web.yaml'));
    const block = scheduleEdit(repo, m.scaledObject!, windows)!;
    expect(errorOf(() => applyEdits(repo, [], [{ ...block, to: '  - [unclosed\n' }]))).toMatch(/web\.yaml: the edited file is not valid YAML/);
  });
});

describe('KEDA ScaledObject: Kustomize', () => {
  const base = {
    'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - scaledobject.yaml\n',
    'base/deployment.yaml': deployment,
    'base/scaledobject.yaml': scaledObject,
  };
  const overlay = (extra: string) => ({
    ...base,
    'overlays/prod/kustomization.yaml': `namespace: shop\nresources:\n  - ../../base\n${extra}`,
  });

  it('a base: the ScaledObject where it is written', () => {
    const r = memRepo(base);
    const site = locateSite(r, kust('base'));
    expect(site).toMatchObject({ file: 'base/scaledobject.yaml', label: 'ScaledObject/web-scaler', minReplicaCount: 2, maxReplicaCount: 20 });
    const { text } = roundTrip(r, windows, kust('base'));
    expect(text).toBe(scaledObject.replace('  advanced:', `${windows.map((w) => rendered(w, 4)).join('')}  advanced:`));
  });

  it('an overlay: edits the base with a note; patches of other fields are read, the counts after patches', () => {
    const r = memRepo({
      ...overlay('patches:\n  - path: scaling.yaml\n  - target: {kind: ScaledObject, name: web-scaler}\n    patch: |\n      - op: replace\n        path: /spec/minReplicaCount\n        value: 3\n'),
      'overlays/prod/scaling.yaml': 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web-scaler\nspec:\n  maxReplicaCount: 40\n',
    });
    const m = locateWorkload(r, web, kust('overlays/prod'));
    expect(m.scaledObject).toMatchObject({ file: 'base/scaledobject.yaml', minReplicaCount: 3, maxReplicaCount: 40, otherTriggers: ['cpu', 'cron (business-hours)'] });
    // Only overlays/prod builds from base/: editing its ScaledObject changes no other overlay, so nothing is said.
    expect(m.notes.join('\n')).not.toMatch(/KEDA cron triggers/);
    expect(m.sharedFiles).toBeUndefined();
    const { text } = roundTrip(r, windows, kust('overlays/prod'));
    expect(text).toBe(scaledObject.replace('  advanced:', `${windows.map((w) => rendered(w, 4)).join('')}  advanced:`));
  });

  it('a patch that changes the triggers: a note, no scaledObject', () => {
    const smp = memRepo({
      ...overlay('patches:\n  - path: triggers.yaml\n'),
      'overlays/prod/triggers.yaml': 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web-scaler\nspec:\n  triggers:\n    - type: cpu\n      metadata:\n        value: "80"\n',
    });
    const m = locateWorkload(smp, web, kust('overlays/prod'));
    expect(m.scaledObject).toBeUndefined();
    expect(m.notes.join('\n')).toMatch(
      /ScaledObject\/web-scaler \(base\/scaledobject\.yaml\): spec\.triggers is changed by patch overlays\/prod\/triggers\.yaml \(overlays\/prod\/kustomization\.yaml patches\[0\]\)\. Augur can't edit triggers through patches/,
    );
    const json = memRepo(overlay('patches:\n  - target: {kind: ScaledObject}\n    patch: |\n      - op: add\n        path: /spec/triggers/-\n        value: {type: memory, metadata: {value: "70"}}\n'));
    const j = locateWorkload(json, web, kust('overlays/prod'));
    expect(j.scaledObject).toBeUndefined();
    expect(j.notes.join('\n')).toMatch(/spec\.triggers is changed by inline patch at overlays\/prod\/kustomization\.yaml:\d+ \(patches\[0\]\)\. Augur can't edit triggers through patches/);
    // A patch of another ScaledObject does not count.
    const other = memRepo({
      ...overlay('patches:\n  - path: triggers.yaml\n'),
      'overlays/prod/triggers.yaml': 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: api-scaler\nspec:\n  triggers: []\n',
    });
    expect(locateWorkload(other, web, kust('overlays/prod')).scaledObject).toBeDefined();
  });

  it('a malformed Augur trigger in a base is a ManifestError', () => {
    const so = scaledObject.replace('    # CPU keeps up', '    - type: cron\n      name: augur-window-1\n      metadata:\n        timezone: UTC\n        start: 0 8 * * *\n        end: 0 9 * * *\n        desiredReplicas: many\n    # CPU keeps up');
    const r = memRepo({ ...base, 'base/scaledobject.yaml': so });
    expect(errorOf(() => locateWorkload(r, web, kust('base')))).toMatch(/^base\/scaledobject\.yaml:20: spec\.triggers\[0\]\.metadata\.desiredReplicas is "many", not a whole number/);
  });
});
