// Helm values files: the chart's templates are not read; the fields are the values at configured key paths.
import { z } from 'zod';
import type { ManifestFormatModule } from '../format.js';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { FieldKey, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { normPath } from '../paths.js';
import type { ManifestSpec } from '../spec.js';
import type { Ctx, Lookup, ParsedFile } from '../yaml-util.js';
import { describeNode, lineOf, scalarAt } from '../yaml-util.js';
import { CONTAINER_FIELDS, HPA_FIELDS, assemble } from '../workload.js';

export type HelmKey = FieldKey | 'hpa.enabled';

export const HELM_DEFAULTS: Readonly<Record<HelmKey, string>> = {
  replicas: 'replicaCount',
  'hpa.enabled': 'autoscaling.enabled',
  'hpa.minReplicas': 'autoscaling.minReplicas',
  'hpa.maxReplicas': 'autoscaling.maxReplicas',
  'cpu.request': 'resources.requests.cpu',
  'cpu.limit': 'resources.limits.cpu',
  'memory.request': 'resources.requests.memory',
  'memory.limit': 'resources.limits.memory',
};

type Seg = string | number;

/** "a.b[0].c" -> ["a", "b", 0, "c"]. */
export function parseKeyPath(keyPath: string): Seg[] {
  const out: Seg[] = [];
  for (const part of keyPath.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && !m[2])) throw new ManifestError(`helm key path ${JSON.stringify(keyPath)} is not a dot path such as resources.requests.cpu`);
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function formatPath(segs: Seg[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

type Walk = { kind: 'node'; node: unknown } | { kind: 'missing'; why: string };

/** Follows a key path; missing keys and empty parents are 'missing', a scalar where a map should be is a ManifestError. */
function walk(file: ParsedFile, root: unknown, key: HelmKey, keyPath: string): Walk {
  const segs = parseKeyPath(keyPath);
  let node: unknown = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Seg;
    const here = formatPath(segs.slice(0, i));
    if (isAlias(node)) return { kind: 'missing', why: `${here} is an alias (*${node.source}), which Augur does not follow` };
    let next: unknown;
    if (typeof seg === 'number') {
      if (!isSeq(node)) {
        if (isScalar(node) && node.value === null) return { kind: 'missing', why: `${here} is empty` };
        throw shapeError(file, node, here, 'a list', key, keyPath);
      }
      next = node.items[seg];
    } else {
      if (!isMap(node)) {
        if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
          return { kind: 'missing', why: here ? `${here} is empty` : 'the values file is empty' };
        }
        throw shapeError(file, node, here, 'a map', key, keyPath);
      }
      next = undefined;
      for (const pair of node.items) {
        if (isScalar(pair.key) && String(pair.key.value) === seg) next = pair.value ?? null;
      }
    }
    if (next === undefined) return { kind: 'missing', why: `${formatPath(segs.slice(0, i + 1))} is not set` };
    node = next;
  }
  return { kind: 'node', node };
}

function shapeError(file: ParsedFile, node: unknown, here: string, want: string, key: HelmKey, keyPath: string): ManifestError {
  const range = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? Number(node.range[0]) : undefined;
  const at = range === undefined ? file.path : `${file.path}:${lineOf(file.text, range)}`;
  return new ManifestError(
    `${at}: ${here || 'the document'} is ${describeNode(node)}, not ${want}, so the key path ${keyPath} (${key}) cannot be followed; ` +
      `set helm.${key} in the target to the chart's key path`,
  );
}

export function locateHelm(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const path = normPath(spec.path);
  const file = ctx.parsedStrict(path, 'the Helm values file');
  if (!file) throw new ManifestError(`${path}: no such values file; set path: to the chart's values file (e.g. charts/app/values.yaml)`);
  const keys: Record<HelmKey, string> = { ...HELM_DEFAULTS, ...(spec.helm ?? {}) };
  if (file.docs.length > 1) ctx.note(`${path} has ${file.docs.length} YAML documents; Helm reads the first and so does Augur`);
  const root = file.docs[0]?.contents ?? null;
  // Only a key that is not there at all suggests a wrong key path; an empty one is the chart's own "unset".
  const configured = (k: HelmKey, why: string) =>
    /is empty$/.test(why) && !why.startsWith('the values file')
      ? ''
      : spec.helm?.[k] !== undefined
        ? `; fix helm.${k} in the target`
        : `; if the chart uses another key, set helm.${k} in the target`;

  const lookup = (field: FieldKey): Lookup => {
    const keyPath = keys[field];
    const w = walk(file, root, field, keyPath);
    if (w.kind === 'missing') {
      return { kind: 'blocked', note: `${field}: ${path}: key path ${keyPath} not found (${w.why}), so it is not edited${configured(field, w.why)}` };
    }
    return scalarAt(
      {
        field,
        file,
        docIndex: 0,
        yamlPath: keyPath,
        strictShape: true,
        fix: `set helm.${field} in the target to the key path of the scalar itself`,
      },
      w.node,
    );
  };

  // hpa.enabled decides who owns replicas.
  const enabledPath = keys['hpa.enabled'];
  const we = walk(file, root, 'hpa.enabled', enabledPath);
  let hpaEnabled = false;
  if (we.kind === 'missing') {
    ctx.note(`hpa.enabled: ${path}: key path ${enabledPath} not found (${we.why}), so Augur assumes the chart renders no HPA${configured('hpa.enabled', we.why)}`);
  } else {
    const n = we.node;
    const v = isScalar(n) ? n.value : undefined;
    const line = isScalar(n) && n.range ? `:${lineOf(file.text, n.range[0])}` : '';
    if (v === true || v === 'true') hpaEnabled = true;
    else if (v === false || v === 'false' || v === null) hpaEnabled = false;
    else {
      throw new ManifestError(
        `${path}${line}: ${enabledPath} is ${describeNode(n)}, not true or false, so Augur cannot tell whether an HPA owns replicas; ` +
          `write true or false there, or set helm.hpa.enabled to the chart's switch`,
      );
    }
  }

  const results = new Map<FieldKey, Lookup>();
  const replicas = lookup('replicas');
  if (hpaEnabled) {
    if (replicas.kind === 'found' && keys.replicas !== keys['hpa.minReplicas']) {
      ctx.note(
        `${path}: ${enabledPath} is true, so the chart's HPA owns replicas; ${keys.replicas} ` +
          `(${path}:${lineOf(file.text, replicas.loc.range[0])}: ${replicas.loc.raw}) is not edited`,
      );
    }
    for (const f of HPA_FIELDS) results.set(f, lookup(f));
  } else {
    results.set('replicas', replicas);
    const present = HPA_FIELDS.filter((f) => lookup(f).kind === 'found').map((f) => `${f} (${keys[f]})`);
    if (present.length) {
      ctx.note(`${path}: ${enabledPath} is not true, so the chart renders no HPA; ${present.join(', ')} not returned`);
    }
  }
  for (const f of CONTAINER_FIELDS) results.set(f, lookup(f));
  const info = hpaEnabled ? { label: `the chart's HPA (${path}: ${enabledPath}: true)`, type: 'hpa' as const } : undefined;
  return assemble(ctx, id, results, info, undefined);
}

const helmKeys = z
  .object({
    replicas: z.string(),
    'hpa.enabled': z.string(),
    'hpa.minReplicas': z.string(),
    'hpa.maxReplicas': z.string(),
    'cpu.request': z.string(),
    'cpu.limit': z.string(),
    'memory.request': z.string(),
    'memory.limit': z.string(),
  })
  .partial()
  .strict()
  .describe('key paths in the values file; defaults: replicaCount, autoscaling.enabled, autoscaling.minReplicas, autoscaling.maxReplicas, resources.requests.cpu, resources.limits.cpu, resources.requests.memory, resources.limits.memory');

const helmOptions = { helm: helmKeys.optional() };

export const helm: ManifestFormatModule<'helm', typeof helmOptions> = {
  format: 'helm',
  doc: 'a Helm values file: `path` is the file; `helm` maps each field to its key path',
  options: helmOptions,
  locate: locateHelm,
};
