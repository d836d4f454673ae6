// Manifest fuzz: real manifests (test/fixtures/manifests, copied from ../shared/manifests: podinfo,
// Online Boutique, home-ops, Argo CD shapes) mutated at the text level (values, quotes, comments,
// indentation, CRLF, anchors and aliases, templates, duplicated or cut documents, random bytes),
// then Augur's manifest edit path: locateWorkload, editFor with arbitrary new values, applyEdits.
// Properties: nothing escapes but a ManifestError; an edited file differs from the original only
// in the edited scalars (and, for a field Augur adds, exactly its inserted text); it still parses
// when the original did; locating again reads the new values; editing back gives the original bytes.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { ManifestError } from '../../src/domain/errors.js';
import type { Edit, FieldKey, FieldLocation, RepoView, WorkloadId, WorkloadManifest } from '../../src/domain/workload.js';
import { applyEdits, editFor, locateWorkload, parseQuantity, type ManifestSpec } from '../../src/manifests/index.js';
import { memRepo, overlayRepo } from '../../src/manifests/testing.js';
import { describeError, tally, type Failure, type FuzzKind } from './harness.js';

const ROOT = fileURLToPath(new URL('../fixtures/manifests/', import.meta.url));

/** Every YAML file of a fixture repository, in memory. */
function loadRepo(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name)) out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

interface Seed {
  repo: string;
  spec: ManifestSpec;
  id: WorkloadId;
}

const REPOS: Record<string, Record<string, string>> = Object.fromEntries(readdirSync(ROOT).filter((d) => statSync(join(ROOT, d)).isDirectory()).map((d) => [d, loadRepo(join(ROOT, d))]));

const appTemplate = (controller: string, container = 'app'): Record<string, string> => {
  const res = `controllers.${controller}.containers.${container}.resources`;
  return { replicas: `controllers.${controller}.replicas`, 'cpu.request': `${res}.requests.cpu`, 'cpu.limit': `${res}.limits.cpu`, 'memory.request': `${res}.requests.memory`, 'memory.limit': `${res}.limits.memory` };
};
const boutiqueKeys = (svc: string): Record<string, string> => ({ replicas: `${svc}.replicas`, 'cpu.request': `${svc}.resources.requests.cpu`, 'memory.request': `${svc}.resources.requests.memory`, 'cpu.limit': `${svc}.resources.limits.cpu`, 'memory.limit': `${svc}.resources.limits.memory` });

/** Every Deployment and StatefulSet written in a fixture file, as a plain-format target. */
function plainSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const [repo, files] of Object.entries(REPOS)) {
    for (const [path, text] of Object.entries(files)) {
      for (const doc of parseAllDocuments(text)) {
        const js = (doc.errors.length === 0 ? doc.toJS() : undefined) as { kind?: string; metadata?: { name?: string; namespace?: string } } | undefined;
        if (!js || (js.kind !== 'Deployment' && js.kind !== 'StatefulSet') || !js.metadata?.name) continue;
        out.push({ repo, spec: { format: 'plain', path }, id: { kind: js.kind, namespace: js.metadata.namespace ?? 'default', name: js.metadata.name } });
      }
    }
  }
  return out;
}

const PODINFO_BASES: [string, WorkloadId['kind'], string][] = [['backend', 'Deployment', 'backend'], ['frontend', 'Deployment', 'frontend'], ['cache', 'Deployment', 'cache'], ['database', 'StatefulSet', 'database-primary'], ['database', 'Deployment', 'database-replica']];

export const SEEDS: Seed[] = [
  ...plainSeeds(),
  { repo: 'podinfo', spec: { format: 'kustomize', path: 'kustomize' }, id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' } },
  ...PODINFO_BASES.map(([base, kind, name]): Seed => ({ repo: 'podinfo', spec: { format: 'kustomize', path: `deploy/bases/${base}`, sharedBase: 'allow' } as ManifestSpec, id: { kind, namespace: 'default', name } })),
  ...['dev', 'staging', 'production'].flatMap((env) => PODINFO_BASES.map(([, kind, name]): Seed => ({ repo: 'podinfo', spec: { format: 'kustomize', path: `deploy/overlays/${env}`, sharedBase: 'allow' } as ManifestSpec, id: { kind, namespace: env, name } }))),
  ...['frontend', 'cartservice', 'checkoutservice', 'adservice'].map((name): Seed => ({ repo: 'online-boutique', spec: { format: 'kustomize', path: 'kustomize' }, id: { kind: 'Deployment', namespace: 'default', name } })),
  ...['charts/podinfo/values.yaml', 'charts/podinfo/values-prod.yaml'].map((path): Seed => ({ repo: 'podinfo', spec: { format: 'helm', path, helm: { 'hpa.enabled': 'hpa.enabled', 'hpa.maxReplicas': 'hpa.maxReplicas', 'hpa.minReplicas': 'replicaCount' } } as ManifestSpec, id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' } })),
  ...[['cartService', 'cartservice'], ['frontend', 'frontend'], ['emailService', 'emailservice']].map(([key, name]): Seed => ({ repo: 'online-boutique-helm', spec: { format: 'helm', path: 'helm-chart/values.yaml', helm: boutiqueKeys(key!) } as ManifestSpec, id: { kind: 'Deployment', namespace: 'default', name: name! } })),
  { repo: 'home-ops', spec: { format: 'helmrelease', path: 'kubernetes/apps/network/cloudflare-tunnel/app/helmrelease.yaml', helm: appTemplate('cloudflare-tunnel') } as ManifestSpec, id: { kind: 'Deployment', namespace: 'network', name: 'cloudflare-tunnel' } },
  { repo: 'home-ops', spec: { format: 'helmrelease', path: 'kubernetes/apps/network/cloudflare-tunnel/app', helm: appTemplate('cloudflare-tunnel') } as ManifestSpec, id: { kind: 'Deployment', namespace: 'network', name: 'cloudflare-tunnel' } },
  { repo: 'home-ops', spec: { format: 'helmrelease', path: 'kubernetes/apps/default/sonarr/app/helmrelease.yaml', helm: appTemplate('sonarr') } as ManifestSpec, id: { kind: 'Deployment', namespace: 'default', name: 'sonarr' } },
  { repo: 'argocd', spec: { format: 'argocd-application', path: 'apps/podinfo.yaml', helm: { 'hpa.enabled': 'hpa.enabled', 'hpa.maxReplicas': 'hpa.maxReplicas' } } as ManifestSpec, id: { kind: 'Deployment', namespace: 'shop', name: 'podinfo' } },
  { repo: 'argocd', spec: { format: 'argocd-application', path: 'apps/api.yaml' } as ManifestSpec, id: { kind: 'Deployment', namespace: 'shop', name: 'api' } },
  { repo: 'argocd', spec: { format: 'argocd-application', path: 'apps/frontend.yaml' } as ManifestSpec, id: { kind: 'Deployment', namespace: 'shop', name: 'frontend' } },
];

/** The files each seed's workload is found in (where the mutations go), from locating it on the unmutated repository. */
const SEED_FILES: string[][] = SEEDS.map((s) => {
  try {
    const m = locateWorkload(memRepo(REPOS[s.repo]!), s.id, s.spec);
    const files = new Set([...Object.values(m.fields).map((l) => l.file), ...m.filesRead]);
    return [...files].filter((f) => REPOS[s.repo]![f] !== undefined);
  } catch {
    return Object.keys(REPOS[s.repo]!).filter((f) => f.startsWith(s.spec.path.replace(/\/?$/, '')) || f === s.spec.path);
  }
});

// ---- mutations of a file's text ----

type TextMutation =
  | { op: 'value'; line: number; value: string }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'comment'; line: number; text: string }
  | { op: 'indent'; line: number; by: number }
  | { op: 'dropLine'; line: number }
  | { op: 'crlf' }
  | { op: 'bom' }
  | { op: 'quote'; line: number; style: '"' | "'" }
  | { op: 'anchor'; line: number; name: string; alias: boolean }
  | { op: 'duplicateDoc' }
  | { op: 'truncate'; at: number }
  | { op: 'tabs'; line: number };

const scalarText = fc.oneof(
  fc.constantFrom('3', '0', '-1', '250m', '0.5', '1.5e3', '1e999', '512Mi', '1Gi', '128m', '', '~', 'null', 'true', '"7"', "'8'", '*probes', '&x 2', '{{ .Values.x }}', '${REPLICAS}', '[1, 2]', '{a: 1}', '0x10', '1_000', '99999999999999999999', 'NaN', '.inf', '!!int 3', '|', '>-', '#', ': x', '- 1'),
  fc.string({ maxLength: 12 }),
);

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('value' as const), line: fc.nat(400), value: scalarText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(20_000), text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('\n', '\n---\n', ' #', ':', '- ', '\t', '"', "'", '{', '[', '&a ', '*a', '\r\n', '\u00a0', '\u2028')) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(20_000), len: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('comment' as const), line: fc.nat(400), text: fc.constantFrom('# a comment', '  # indented comment', '', '   ', '# replicas: 99', '#: cpu: 1') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('indent' as const), line: fc.nat(400), by: fc.integer({ min: -4, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropLine' as const), line: fc.nat(400) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crlf' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'bom' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('quote' as const), line: fc.nat(400), style: fc.constantFrom<'"' | "'">('"', "'") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('anchor' as const), line: fc.nat(400), name: fc.constantFrom('a', 'probes', 'res'), alias: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'duplicateDoc' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat(20_000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tabs' as const), line: fc.nat(400) }) },
);

/** `key: value` lines: where a scalar sits. */
const KEY_VALUE = /^(\s*(?:- )?[^\s:#][^:#]*:[ \t]+)([^#\n\r]*?)([ \t]*(?:#.*)?\r?)$/;

function mutate(text: string, m: TextMutation): string {
  const lines = text.split('\n');
  const pick = (n: number) => (lines.length === 0 ? 0 : n % lines.length);
  const kvLines = lines.flatMap((l, i) => (KEY_VALUE.test(l) ? [i] : []));
  const pickKv = (n: number) => (kvLines.length === 0 ? undefined : kvLines[n % kvLines.length]);
  switch (m.op) {
    case 'value': {
      const i = pickKv(m.line);
      if (i === undefined) return text;
      lines[i] = lines[i]!.replace(KEY_VALUE, (_, k: string, _v: string, rest: string) => `${k}${m.value}${rest}`);
      return lines.join('\n');
    }
    case 'insert': {
      const at = text.length === 0 ? 0 : m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'delete': {
      const at = text.length === 0 ? 0 : m.at % text.length;
      return text.slice(0, at) + text.slice(at + m.len);
    }
    case 'comment':
      lines.splice(pick(m.line), 0, m.text);
      return lines.join('\n');
    case 'indent': {
      const i = pick(m.line);
      lines[i] = m.by >= 0 ? ' '.repeat(m.by) + lines[i] : lines[i]!.replace(new RegExp(`^ {0,${-m.by}}`), '');
      return lines.join('\n');
    }
    case 'dropLine':
      lines.splice(pick(m.line), 1);
      return lines.join('\n');
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'bom':
      return `\ufeff${text}`;
    case 'quote': {
      const i = pickKv(m.line);
      if (i === undefined) return text;
      lines[i] = lines[i]!.replace(KEY_VALUE, (_, k: string, v: string, rest: string) => `${k}${m.style}${v}${m.style}${rest}`);
      return lines.join('\n');
    }
    case 'anchor': {
      const i = pickKv(m.line);
      if (i === undefined) return text;
      lines[i] = lines[i]!.replace(KEY_VALUE, (_, k: string, v: string, rest: string) => (m.alias ? `${k}*${m.name}${rest}` : `${k}&${m.name} ${v}${rest}`));
      return lines.join('\n');
    }
    case 'duplicateDoc':
      return `${text}${text.endsWith('\n') ? '' : '\n'}---\n${text}`;
    case 'truncate':
      return text.slice(0, text.length === 0 ? 0 : m.at % text.length);
    case 'tabs': {
      const i = pick(m.line);
      lines[i] = lines[i]!.replace(/^( +)/, (s) => '\t'.repeat(Math.ceil(s.length / 2)));
      return lines.join('\n');
    }
  }
}

interface ManifestCase {
  seed: number;
  /** Mutations, each on one of the files the workload is found in. */
  mutations: { file: number; m: TextMutation }[];
  /** The new value of each field, as a fraction of a wide range (mapped per field). */
  values: number[];
}

export const manifestCase: fc.Arbitrary<ManifestCase> = fc.record({
  seed: fc.nat(SEEDS.length - 1),
  mutations: fc.array(fc.record({ file: fc.nat(50), m: textMutation }), { maxLength: 4 }),
  values: fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 1e-12, 0.5)), { minLength: 7, maxLength: 7 }),
});

const FIELDS: FieldKey[] = ['replicas', 'hpa.minReplicas', 'hpa.maxReplicas', 'cpu.request', 'cpu.limit', 'memory.request', 'memory.limit'];

/** A value Augur could propose for the field: whole replicas up to 10,000; 1m to 512 cores; 1 MiB to 4 TiB. */
function valueFor(field: FieldKey, u: number): number {
  if (field === 'replicas' || field.startsWith('hpa.')) return Math.round(u * 10_000);
  if (field.startsWith('cpu.')) return Math.max(0.001, Math.round(512 * u ** 3 * 1000) / 1000);
  return Math.max(1, Math.round(4 * 2 ** 20 * u ** 3)) * 2 ** 20;
}

export function mutatedRepo(c: ManifestCase): { repo: RepoView; seed: Seed; changed: Record<string, string> } {
  const seed = SEEDS[c.seed]!;
  const base = REPOS[seed.repo]!;
  const targets = SEED_FILES[c.seed]!;
  const changed: Record<string, string> = {};
  for (const { file, m } of c.mutations) {
    if (targets.length === 0) break;
    const path = targets[file % targets.length]!;
    changed[path] = mutate(changed[path] ?? base[path] ?? '', m);
  }
  return { repo: overlayRepo(memRepo(base), changed), seed, changed };
}

export function checkManifest(c: ManifestCase): Failure | undefined {
  const { repo, seed } = mutatedRepo(c);
  let site: WorkloadManifest;
  try {
    site = locateWorkload(repo, seed.id, seed.spec);
  } catch (err) {
    if (err instanceof ManifestError) return void tally(manifestKind, 'refused at locate (ManifestError)');
    return { kind: 'crash', message: `locateWorkload threw ${describeError(err)}` };
  }
  const locs = FIELDS.flatMap((f) => (site.fields[f] ? [site.fields[f]!] : []));
  let edits: Edit[];
  try {
    edits = locs.map((l) => editFor(l, valueFor(l.field, c.values[FIELDS.indexOf(l.field)] ?? 0.5)));
  } catch (err) {
    return err instanceof ManifestError ? undefined : { kind: 'crash', message: `editFor threw ${describeError(err)}` };
  }
  let out: Map<string, string>;
  try {
    out = applyEdits(repo, edits);
  } catch (err) {
    if (err instanceof ManifestError) return void tally(manifestKind, 'refused at edit (ManifestError)');
    return { kind: 'crash', message: `applyEdits threw ${describeError(err)}` };
  }
  const bad = checkEditedFiles(repo, edits, out);
  if (bad) return { kind: 'violation', message: bad };
  tally(manifestKind, edits.length === 0 ? 'located, nothing to edit' : edits.some((e) => e.insert) ? 'edited, with an insertion' : 'edited in place');
  // Located again, each field reads its new value; edited back, each file is the original.
  const after = overlayRepo(repo, out);
  let again: WorkloadManifest;
  try {
    again = locateWorkload(after, seed.id, seed.spec);
  } catch (err) {
    return { kind: 'violation', message: `the edited files no longer locate the workload: ${describeError(err)}` };
  }
  for (const e of edits) {
    const loc = again.fields[e.field];
    if (!loc || loc.file !== e.file || loc.insert) return { kind: 'violation', message: `${e.field} written to ${e.file} at ${e.yamlPath} is not found there again (${JSON.stringify(loc)})` };
    if (parseQuantity(e.field, loc.raw) !== parseQuantity(e.field, e.to)) return { kind: 'violation', message: `${e.field} reads ${loc.raw} after writing ${e.to}` };
  }
  const back = edits.filter((e) => !e.insert).map((e) => ({ ...editFor(again.fields[e.field]!, 0), to: e.from }));
  if (back.length > 0) {
    let reverted: Map<string, string>;
    try {
      reverted = applyEdits(after, back);
    } catch (err) {
      return { kind: 'violation', message: `editing back failed: ${describeError(err)}` };
    }
    for (const [file, text] of reverted) {
      if (edits.some((e) => e.file === file && e.insert)) continue;
      if (text !== repo.read(file)) return { kind: 'violation', message: `${file}: editing every field back does not restore the original bytes` };
    }
  }
  return undefined;
}

const quoted = (s: string, style: FieldLocation['style']) => (style === 'single' ? `'${s}'` : style === 'double' ? `"${s}"` : s);

/**
 * What is wrong with `out`, the files an edit path wrote, if anything: a file written that no edit
 * names, bytes changed beyond the edited scalars (and an insertion's exact text), or a file that no
 * longer parses though the original did.
 */
export function checkEditedFiles(repo: RepoView, edits: Edit[], out: Map<string, string>): string | undefined {
  const files = new Set(edits.map((e) => e.file));
  for (const file of out.keys()) if (!files.has(file)) return `${file} was written but no edit names it`;
  for (const file of files) {
    const original = repo.read(file);
    const written = out.get(file);
    if (original === undefined || written === undefined) return `${file}: edited but ${original === undefined ? 'not in the repository' : 'not written'}`;
    const mine = edits.filter((e) => e.file === file).sort((a, b) => b.range[0] - a.range[0] || b.range[1] - a.range[1]);
    let expected = original;
    let last: Edit | undefined;
    for (const e of mine) {
      if (last && last.range[0] === e.range[0] && last.range[1] === e.range[1] && last.to === e.to) continue;
      const text = e.insert ? `${e.insert.prefix}${quoted(e.to, e.style)}${e.insert.suffix}` : quoted(e.to, e.style);
      if (!e.insert && original.slice(e.range[0], e.range[1]) !== quoted(e.from, e.style)) return `${file}: ${e.yamlPath}'s range does not hold its old value ${e.from}`;
      expected = expected.slice(0, e.range[0]) + text + expected.slice(e.range[1]);
      last = e;
    }
    if (written !== expected) {
      let i = 0;
      while (i < written.length && written[i] === expected[i]) i++;
      return `${file}: differs from the original beyond the edited scalars, first at offset ${i}: wrote ${JSON.stringify(written.slice(Math.max(0, i - 40), i + 40))}, expected ${JSON.stringify(expected.slice(Math.max(0, i - 40), i + 40))}`;
    }
    const before = Array.from(parseAllDocuments(original)).some((d) => d.errors.length > 0);
    const after = Array.from(parseAllDocuments(written)).find((d) => d.errors.length > 0);
    if (!before && after) return `${file}: no longer parses after the edit: ${after.errors[0]?.message}`;
  }
  return undefined;
}

export const manifestKind: FuzzKind<ManifestCase> = {
  name: 'manifests',
  arbitrary: manifestCase,
  check: checkManifest,
  describe: (c) => {
    const seed = SEEDS[c.seed]!;
    return JSON.stringify({ repo: seed.repo, spec: seed.spec, id: seed.id, mutations: c.mutations, values: c.values, files: SEED_FILES[c.seed] });
  },
};
