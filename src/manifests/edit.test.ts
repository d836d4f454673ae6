import { describe, expect, it } from 'vitest';
import type { Edit } from '../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from './index.js';
import { getKey, insertionInMap, parseText } from './yaml-util.js';
import { memRepo } from './testing.js';

const text = `spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          resources:
            requests: {cpu: 100m, memory: "64Mi"}
`;
const doc = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n${text}`;
const repo = memRepo({ 'web.yaml': doc });
const id = { kind: 'Deployment', namespace: 'default', name: 'web' } as const;

describe('applyEdits / editFor', () => {
  const m = locateWorkload(repo, id, { format: 'plain', path: 'web.yaml' });

  it('editFor formats the value for the field', () => {
    const e = editFor(m.fields['cpu.request']!, 1.5);
    expect(e).toMatchObject({ field: 'cpu.request', file: 'web.yaml', from: '100m', to: '1500m', style: 'plain' });
    expect(editFor(m.fields['memory.request']!, 2 ** 30)).toMatchObject({ from: '64Mi', to: '1Gi', style: 'double' });
  });

  it('edits flow-style maps in place too, several edits in one file', () => {
    const out = applyEdits(repo, [editFor(m.fields['cpu.request']!, 0.25), editFor(m.fields['memory.request']!, 96 * 2 ** 20), editFor(m.fields.replicas!, 3)]);
    expect(out.get('web.yaml')).toBe(doc.replace('{cpu: 100m, memory: "64Mi"}', '{cpu: 250m, memory: "96Mi"}').replace('replicas: 2', 'replicas: 3'));
  });

  it('refuses an edit whose range no longer holds `from`', () => {
    const e = editFor(m.fields.replicas!, 3);
    const changed = memRepo({ 'web.yaml': doc.replace('replicas: 2', 'replicas: 5') });
    expect(() => applyEdits(changed, [e])).toThrow(ManifestError);
    expect(() => applyEdits(changed, [e])).toThrow(/web\.yaml:6: spec\.replicas: expected 2 at offsets \[\d+, \d+\) but found "5"; the file changed since it was read/);
    const shifted = memRepo({ 'web.yaml': `# new comment\n${doc}` });
    expect(() => applyEdits(shifted, [e])).toThrow(/the file changed/);
  });

  it('checks the quote style as well as the text', () => {
    const e: Edit = { ...editFor(m.fields['memory.request']!, 2 ** 27), style: 'plain' };
    expect(() => applyEdits(repo, [e])).toThrow(/expected 64Mi .* found "\\"64Mi\\""/);
  });

  it('refuses overlapping edits, accepts exact duplicates', () => {
    const a = editFor(m.fields.replicas!, 3);
    expect(applyEdits(repo, [a, { ...a }]).get('web.yaml')).toContain('replicas: 3');
    expect(() => applyEdits(repo, [a, { ...a, to: '4' }])).toThrow(/edits overlap/);
  });

  it('refuses to write text that is not a quantity', () => {
    const a = editFor(m.fields.replicas!, 3);
    for (const to of ['', '3 # x', "3'", 'abc', '3\n', '{a: 1}']) expect(() => applyEdits(repo, [{ ...a, to }])).toThrow(/refusing to write/);
  });

  it('a missing file is a ManifestError', () => {
    const a = editFor(m.fields.replicas!, 3);
    expect(() => applyEdits(repo, [{ ...a, file: 'gone.yaml' }])).toThrow(/gone\.yaml: no such file/);
  });

  it('returns only the files edited; no edits, no files', () => {
    expect(applyEdits(repo, []).size).toBe(0);
    expect([...applyEdits(repo, [editFor(m.fields.replicas!, 2)]).entries()]).toEqual([['web.yaml', doc]]);
  });
});

describe('adding an absent key', () => {
  const deployment = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  # the pods',
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          resources: {}',
    '',
  ].join('\n');
  const file = parseText('web.yaml', deployment);
  const root = file.docs[0]!.contents;
  const site = { field: 'replicas' as const, file, docIndex: 0, yamlPath: 'spec.replicas' };

  it('inserts the key before the first key of the map, with its indentation, and the result parses', () => {
    const r = insertionInMap(site, getKey(root, 'spec'), 'replicas');
    expect(r.kind).toBe('found');
    if (r.kind !== 'found') return;
    const edit = editFor(r.loc, 3);
    expect(edit).toMatchObject({ from: '', to: '3', insert: { prefix: '  replicas: ', suffix: '\n' } });
    const out = applyEdits(memRepo({ 'web.yaml': deployment }), [edit]).get('web.yaml')!;
    expect(out).toBe(deployment.replace('  # the pods\n', '  # the pods\n  replicas: 3\n'));
    expect(parseText('web.yaml', out).docs[0]!.toJS().spec.replicas).toBe(3);
  });

  it('refuses a flow map and a scalar, saying which path to add by hand', () => {
    const res = getKey(getKey(getKey(getKey(getKey(root, 'spec'), 'template'), 'spec'), 'containers'), 'x');
    expect(res).toBeUndefined();
    const containers = getKey(getKey(getKey(root, 'spec'), 'template'), 'spec') as { get: (k: string) => { items: unknown[] } };
    const container = containers.get('containers').items[0];
    const flow = insertionInMap({ ...site, field: 'cpu.request', yamlPath: 'spec.template.spec.containers[0].resources.requests' }, getKey(container, 'resources'), 'requests');
    expect(flow).toEqual({
      kind: 'blocked',
      note: 'cpu.request: web.yaml:13: spec.template.spec.containers[0].resources is a flow map ({}), where Augur adds no key; write it as a block map (one key per line), or add requests: 100m there by hand',
    });
    const scalar = insertionInMap(site, getKey(root, 'kind'), 'replicas');
    expect(scalar).toEqual({ kind: 'blocked', note: 'replicas: web.yaml:2: spec is "Deployment", not a map; add spec.replicas by hand' });
  });

  it('in a file of several documents, names the document; in a CRLF file, adds a CRLF line', () => {
    const two = `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n${deployment}`.replace(/\n/g, '\r\n');
    const f = parseText('web.yaml', two);
    const spec = getKey(f.docs[1]!.contents, 'spec');
    const r = insertionInMap({ ...site, file: f, docIndex: 1 }, spec, 'replicas');
    if (r.kind !== 'found') throw new Error(JSON.stringify(r));
    expect(r.loc).toMatchObject({ documentIndex: 1, insert: { prefix: '  replicas: ', suffix: '\r\n' } });
    const out = applyEdits(memRepo({ 'web.yaml': two }), [editFor(r.loc, 2)]).get('web.yaml')!;
    expect(out).toBe(two.replace('  # the pods\r\n', '  # the pods\r\n  replicas: 2\r\n'));
    const flow = insertionInMap({ ...site, file: f, docIndex: 1 }, getKey(getKey(spec, 'selector'), 'matchLabels'), 'x');
    expect(flow).toMatchObject({ kind: 'blocked', note: expect.stringMatching(/^replicas: web\.yaml:13 \(document 2\): spec is a flow map/) });
  });

  it('refuses two insertions at one offset', () => {
    const r = insertionInMap(site, getKey(root, 'spec'), 'replicas');
    if (r.kind !== 'found') throw new Error('not found');
    expect(() => applyEdits(memRepo({ 'web.yaml': deployment }), [editFor(r.loc, 3), editFor(r.loc, 4)])).toThrow(/edits overlap/);
  });
});
