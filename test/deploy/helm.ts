// `helm template` for the deploy/ tests, without a helm binary (none can be installed here from
// npm or Debian): the values are merged as Helm merges them and checked against the chart's
// values.schema.json (JSON Schema draft 7, as Helm does before rendering), then the templates are
// rendered by test/deploy/helm-engine, Helm's template engine rebuilt from the same parts (Go's
// text/template, Sprig v3, Helm's include/tpl/required/toYaml), compiled once with Debian's Go
// (scripts/ensure-test-deps.sh installs golang-go and the Sprig sources).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { ROOT } from './k8s.js';

export type Values = Record<string, unknown>;

export interface RenderedFile {
  /** Path relative to the chart, e.g. templates/deployment.yaml. */
  file: string;
  text: string;
}

const ENGINE_SRC = join(import.meta.dirname, 'helm-engine');
const SPRIG = '/usr/share/gocode/src/github.com/Masterminds/sprig';

/** The engine binary, built on first use and kept under node_modules/.cache by the hash of its source. */
export function helmEngine(): string {
  const source = readFileSync(join(ENGINE_SRC, 'main.go'));
  const dir = join(ROOT, 'node_modules', '.cache', 'augur-helm-engine', createHash('sha256').update(source).digest('hex').slice(0, 16));
  const bin = join(dir, 'helm-engine');
  if (existsSync(bin)) return bin;
  if (!existsSync(SPRIG)) {
    throw new Error(`the Sprig sources are missing (${SPRIG}): run scripts/ensure-test-deps.sh (apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev)`);
  }
  mkdirSync(dir, { recursive: true });
  // Test files run in parallel workers: each builds on its own and renames into place.
  const own = `${bin}.${process.pid}`;
  const cache = join(dir, `gocache-${process.pid}`);
  try {
    // GOPATH mode over Debian's Go sources: no module download, no network.
    execFileSync('go', ['build', '-o', own, '.'], {
      cwd: ENGINE_SRC,
      env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: cache, GOFLAGS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    renameSync(own, bin);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT' && e.syscall?.startsWith('spawn')) throw new Error('go is not on PATH: the chart tests build test/deploy/helm-engine with it; run scripts/ensure-test-deps.sh (apt-get install golang-go)');
    throw new Error(`building test/deploy/helm-engine failed: ${e.stderr?.toString() ?? e.message}`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
    rmSync(own, { force: true });
  }
  return bin;
}

/** Helm's values merge: maps merge key by key, anything else replaces, null removes the key. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) out[k] = mergeValues(b as Values, v as Values);
    else out[k] = v;
  }
  return out;
}

export class SchemaError extends Error {}

/** The problems of a set of values against values.schema.json, as Helm words them ("- at '/path': message"). */
export function valuesProblems(chartDir: string, values: Values): string[] {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `- at '${e.instancePath || '/'}': ${e.message}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ''}`);
}

export interface ChartRenderOptions {
  namespace: string;
  /** Default "augur". */
  releaseName?: string;
  /** Values files applied over the chart's values.yaml, in order (like `helm -f`). */
  valuesFiles?: string[];
  /** Applied last (like a final `-f` or `--set`s). */
  values?: Values;
}

/** The merged values of a render. */
export function chartValues(chartDir: string, opts: Pick<ChartRenderOptions, 'valuesFiles' | 'values'>): Values {
  let values = (YAML.parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Values;
  for (const f of opts.valuesFiles ?? []) values = mergeValues(values, (YAML.parse(readFileSync(f, 'utf8')) ?? {}) as Values);
  if (opts.values) values = mergeValues(values, opts.values);
  return values;
}

/** Every file under templates/ (NOTES.txt included, partials `_*` left out), as `helm template` renders them. */
export function renderChart(chartDir: string, opts: ChartRenderOptions): RenderedFile[] {
  const values = chartValues(chartDir, opts);
  const problems = valuesProblems(chartDir, values);
  if (problems.length) throw new SchemaError(`values don't meet the specifications of the schema(s) in the following chart(s):\naugur:\n${problems.join('\n')}`);
  const work = mkdtempSync(join(tmpdir(), 'augur-helm-'));
  try {
    const file = join(work, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    let out: string;
    try {
      out = execFileSync(helmEngine(), [chartDir, file, opts.releaseName ?? 'augur', opts.namespace], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
    } catch (err) {
      throw new Error(((err as { stderr?: string }).stderr ?? String(err)).trim());
    }
    const files = JSON.parse(out) as Record<string, string>;
    return Object.keys(files)
      .sort()
      .map((k) => ({ file: k.slice(k.indexOf('/') + 1), text: files[k]! }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A rendered Kubernetes object, loosely typed: the tests look inside. */
export type ChartObject = Record<string, any>;

/** The Kubernetes objects of a rendered chart (NOTES.txt left out, empty documents dropped). */
export function chartObjects(rendered: RenderedFile[]): ChartObject[] {
  const objects: ChartObject[] = [];
  for (const r of rendered) {
    if (r.file.endsWith('NOTES.txt')) continue;
    for (const doc of YAML.parseAllDocuments(r.text)) {
      if (doc.errors.length) throw new Error(`${r.file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as unknown;
      if (obj === null || obj === undefined) continue;
      objects.push(obj as ChartObject);
    }
  }
  return objects;
}
