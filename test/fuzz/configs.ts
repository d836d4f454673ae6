// Config fuzz: the real guardrails files (config/demo/augur.yaml, deploy/base/augur.yaml, the
// README's examples) mutated as data (values replaced by arbitrary ones, keys deleted, misspelt or
// added, secrets written inline under secret keys, credentials in URLs) and as text (characters
// inserted and deleted, anchors, aliases and alias bombs, tabs, cuts), and arbitrary YAML, through
// parseConfig (what `augur validate`, run and serve load). Properties: nothing escapes but a
// ConfigError, and every ConfigError names the file; no planted secret is in its message (what
// validate prints); a file that validates holds no planted secret, only finite numbers, positive
// durations where zero is not "off", and coherent bounds (quantile <= maxQuantile, min <= max); and
// a file that validates is read the same with and without the `yaml` document (src/config/values.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigError, parseConfig, parseConfigLocated, type LoadedConfig } from '../../src/config/load.js';
import { SECRET_KEY } from '../../src/config/fields.js';
import { effectiveSettings } from '../../src/config/schema.js';
import { SECRETS, describeError, leaked, tally, type Failure, type FuzzKind } from './harness.js';

const ROOT = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(fileURLToPath(new URL(p, ROOT)), 'utf8');

/** Real guardrails files: the demo's, the one deploy/ ships, and every complete example in the README. */
const SEED_TEXTS: string[] = [
  read('config/demo/augur.yaml'),
  read('deploy/base/augur.yaml'),
  ...[...read('README.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((t) => /^targets:/m.test(t) && /^(git|forge):/m.test(t)),
];
const SEEDS: unknown[] = SEED_TEXTS.map((t) => parse(t) as unknown);

type Path = (string | number)[];

/** Every path to a value in a parsed document, maps and lists included. */
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function getAt(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string | number, unknown>)[k] : undefined), v);
}

function setAt(root: unknown, p: Path, value: unknown): unknown {
  if (p.length === 0) return value;
  const parent = getAt(root, p.slice(0, -1));
  if (parent && typeof parent === 'object') (parent as Record<string | number, unknown>)[p[p.length - 1]!] = value;
  return root;
}

function deleteAt(root: unknown, p: Path): unknown {
  if (p.length === 0) return {};
  const parent = getAt(root, p.slice(0, -1));
  const k = p[p.length - 1]!;
  if (Array.isArray(parent) && typeof k === 'number') parent.splice(k, 1);
  else if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[k];
  return root;
}

/** A secret written where a reference belongs, in the shapes people write them. */
const plantedSecret = fc.constantFrom<unknown>(
  SECRETS.token,
  `Bearer ${SECRETS.bearer}`,
  { bearer: SECRETS.bearer },
  { basic: { username: 'admin', password: SECRETS.password } },
  { value: SECRETS.webhook },
  [SECRETS.alertmanager],
  { secret: SECRETS.webhook, token: SECRETS.alertmanager },
);
const SECRET_KEYS = ['token', 'secret', 'password', 'auth', 'bearer', 'apiKey', 'credentials', 'privateKey', 'webhookSecret', 'Token'];
const urlWithSecret = fc.constantFrom(`http://admin:${SECRETS.password}@prometheus:9090`, `https://x-access-token:${SECRETS.token}@github.com/acme/m.git`, `https://${SECRETS.token}@github.com/acme/m.git`, `http://prometheus:9090/?token=${SECRETS.token}`);

const weirdValue = fc.oneof(
  fc.constantFrom<unknown>(0, -1, 1e308, -1e308, 0.5, 1.5, 101, 2 ** 31, '0s', '0m', '-5m', '1e999d', '5x', '', ' ', '30s', '14d', '1w', '10m', '100Mi', '-1Gi', '1e400', 'NaN', '.inf', 'Infinity', null, true, false, [], {}, [null], { env: '' }, { file: '' }, 'http://', 'ftp://x', 'http://h/?q#f', '*/0 * * * *', '61 * * * *', 'Mars/Olympus', '2026-13-45', 'plain', 'kustomize', 'github', 'local'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type DataMutation =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'nudge'; at: number; factor: number; duration: string }
  | { op: 'rename'; at: number; how: number }
  | { op: 'plantKey'; at: number; key: string; value: unknown }
  | { op: 'plantUrl'; at: number; url: string }
  | { op: 'inlineRef'; at: number; value: unknown };

const dataMutation: fc.Arbitrary<DataMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('nudge' as const), at: fc.nat(), factor: fc.oneof(fc.double({ min: -2, max: 10, noNaN: true }), fc.constantFrom(0, 1, -1, 1e6)), duration: fc.oneof(fc.constantFrom('0s', '0m', '1s', '59s', '1m', '30m', '1h', '24h', '7d', '2w', '0.5h', '1e3s', '999999d'), fc.tuple(fc.nat(100), fc.constantFrom('s', 'm', 'h', 'd', 'w')).map(([n, u]) => `${n}${u}`)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rename' as const), at: fc.nat(), how: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('plantKey' as const), at: fc.nat(), key: fc.constantFrom(...SECRET_KEYS), value: plantedSecret }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('plantUrl' as const), at: fc.nat(), url: urlWithSecret }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('inlineRef' as const), at: fc.nat(), value: plantedSecret }) },
);

function misspell(key: string, how: number): string {
  if (key.length === 0) return 'x';
  const i = how % key.length;
  switch (how % 4) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1) || `${key}_`;
    case 1:
      return key.slice(0, i) + key[i] + key.slice(i);
    case 2:
      return key.toUpperCase();
    default:
      return `${key}s`;
  }
}

function applyData(root: unknown, m: DataMutation): unknown {
  const all = paths(root);
  const maps = all.filter((p) => {
    const v = getAt(root, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const p = all[m.at % all.length]!;
  switch (m.op) {
    case 'set':
      return setAt(root, p, structuredClone(m.value));
    case 'delete':
      return deleteAt(root, p);
    case 'nudge': {
      // A value of the right type, somewhere near or past its limits: what a person mistypes.
      const leaves = all.filter((q) => ['number', 'string'].includes(typeof getAt(root, q)));
      if (leaves.length === 0) return root;
      const q = leaves[m.at % leaves.length]!;
      const v = getAt(root, q);
      if (typeof v === 'number') return setAt(root, q, Number.isInteger(v) ? Math.round(v * m.factor) : v * m.factor);
      if (typeof v === 'string' && /^\d+(\.\d+)?[smhdw]$/.test(v)) return setAt(root, q, m.duration);
      if (typeof v === 'string' && /^\d+(\.\d+)?(m|Mi|Gi)?$/.test(v)) return setAt(root, q, `${Math.round(parseFloat(v) * m.factor)}${/[A-Za-z]+$/.exec(v)?.[0] ?? ''}`);
      return root;
    }
    case 'rename': {
      const k = p[p.length - 1];
      if (typeof k !== 'string') return root;
      const v = getAt(root, p);
      deleteAt(root, p);
      return setAt(root, [...p.slice(0, -1), misspell(k, m.how)], v);
    }
    case 'plantKey': {
      const map = maps[m.at % Math.max(1, maps.length)] ?? [];
      return setAt(root, [...map, m.key], structuredClone(m.value));
    }
    case 'plantUrl': {
      const urls = all.filter((q) => q[q.length - 1] === 'url' || q[q.length - 1] === 'apiUrl');
      const at = urls.length > 0 ? urls[m.at % urls.length]! : ['prometheus', 'url'];
      if (getAt(root, at.slice(0, -1)) === undefined) setAt(root, at.slice(0, -1), {});
      return setAt(root, at, m.url);
    }
    case 'inlineRef': {
      // A secret reference ({ env } / { file }) replaced by the secret itself.
      const refs = all.filter((q) => {
        const v = getAt(root, q);
        return v !== null && typeof v === 'object' && ('env' in v || 'file' in v) && q.some((k) => typeof k === 'string' && SECRET_KEY.test(k));
      });
      const at = refs.length > 0 ? refs[m.at % refs.length]! : ['forge', 'token'];
      return setAt(root, at, structuredClone(m.value));
    }
  }
}

type TextMutation = { op: 'insert'; at: number; text: string } | { op: 'delete'; at: number; len: number } | { op: 'truncate'; at: number } | { op: 'tabs'; line: number } | { op: 'aliasBomb' } | { op: 'danglingAlias'; line: number } | { op: 'duplicateKey'; line: number };

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('\n', ':', '- ', '\t', '"', "'", '{', '[', '&a ', '*a', '!!binary ', '<<: *a\n', '? ', '%YAML 1.1\n', '---\n', '...\n', `token: ${SECRETS.token}\n`, `  secret: "${SECRETS.webhook}`)) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('tabs' as const), line: fc.nat() }),
  fc.constant({ op: 'aliasBomb' as const }),
  fc.record({ op: fc.constant('danglingAlias' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('duplicateKey' as const), line: fc.nat() }),
);

function applyText(text: string, m: TextMutation): string {
  const lines = text.split('\n');
  const line = (n: number) => n % Math.max(1, lines.length);
  switch (m.op) {
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'delete': {
      const at = m.at % Math.max(1, text.length);
      return text.slice(0, at) + text.slice(at + m.len);
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'tabs': {
      const i = line(m.line);
      lines[i] = lines[i]!.replace(/^( +)/, '\t');
      return lines.join('\n');
    }
    case 'aliasBomb':
      // 10^7 values from seven lines.
      return ['x1: &a1 [z, z, z, z, z, z, z, z, z, z]', ...[2, 3, 4, 5, 6, 7].map((i) => `x${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`), text].join('\n');
    case 'danglingAlias': {
      const i = line(m.line);
      lines[i] = lines[i]!.replace(/:\s+\S.*$/, ': *nowhere');
      return lines.join('\n');
    }
    case 'duplicateKey': {
      const i = line(m.line);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
  }
}

type ConfigCase =
  | { kind: 'mutated'; seed: number; data: DataMutation[]; text: TextMutation[] }
  | { kind: 'arbitrary'; text: string };

export const configCase: fc.Arbitrary<ConfigCase> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('mutated' as const), seed: fc.nat(SEEDS.length - 1), data: fc.array(dataMutation, { maxLength: 4 }), text: fc.oneof({ weight: 3, arbitrary: fc.constant<TextMutation[]>([]) }, { weight: 1, arbitrary: fc.array(textMutation, { minLength: 1, maxLength: 2 }) }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('arbitrary' as const), text: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v)), fc.constantFrom('', '---', '~', '[]', '- a', '{a: *b}', '&a [*a]', 'a: !!js/function "f"', '\t- x', 'targets: 3', 'prometheus: {url: 1}')) }) },
);

export function configText(c: ConfigCase): string {
  if (c.kind === 'arbitrary') return c.text;
  let doc = structuredClone(SEEDS[c.seed]);
  for (const m of c.data) doc = applyData(doc, m);
  let text = stringify(doc);
  for (const m of c.text) text = applyText(text, m);
  return text;
}

/**
 * Whether `secret` is still written under a key that holds a secret, as the text reads after the
 * text mutations (which may have cut the key): its line's key, or the key of any line above it
 * with less indentation (a tab counted to the next multiple of 8).
 */
function underSecretKey(text: string, secret: string): boolean {
  const lines = text.split(/\r?\n/);
  const indent = (l: string) => [.../^[\s-]*/.exec(l)![0]].reduce((n, ch) => (ch === '\t' ? n + 8 - (n % 8) : n + 1), 0);
  const keyOf = (l: string) => /^[\s-]*["']?([^:"'#{}[\]]+?)["']?\s*:(\s|$)/.exec(l)?.[1];
  return lines.some((line, i) => {
    if (!line.includes(secret)) return false;
    let level = indent(line);
    if (SECRET_KEY.test(keyOf(line) ?? '') || /\b(token|secret|password|bearer|auth)\b\s*:/i.test(line)) return true;
    for (let j = i - 1; j >= 0 && level > 0; j--) {
      const l = lines[j]!;
      if (!l.trim() || l.trim().startsWith('#') || indent(l) >= level) continue;
      level = indent(l);
      if (SECRET_KEY.test(keyOf(l) ?? '')) return true;
    }
    return false;
  });
}

const truncated = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 300);

/** Durations where 0 means "off"; every other must be more than 0. */
const ZERO_OK = /(cooldown|rejectedBackoff|minHistory|reselectEvery|perTargetInterval)$/;

export function checkConfig(c: ConfigCase): Failure | undefined {
  const text = configText(c);
  let loaded: LoadedConfig;
  try {
    loaded = parseConfig(text, 'fuzz/augur.yaml');
  } catch (err) {
    if (!(err instanceof ConfigError)) return { kind: 'crash', message: `parseConfig threw ${describeError(err)}` };
    tally(configKind, 'ConfigError');
    const secrets = leaked(err.message).filter((secret) => c.kind === 'mutated' && (c.text.length === 0 || underSecretKey(text, secret)));
    if (secrets.length > 0) return { kind: 'violation', message: `ConfigError prints secret ${secrets.join(', ')}: ${err.message}` };
    if (err.problems.length === 0 || err.problems.some((p) => p.file !== 'fuzz/augur.yaml') || !err.message.startsWith('fuzz/augur.yaml')) return { kind: 'violation', message: `a ConfigError that does not name the file: ${JSON.stringify(err.message)}` };
    return undefined;
  }
  tally(configKind, 'valid');
  const config = loaded.config;
  // A valid file is read without the `yaml` document (js-yaml); the document must read the same.
  let located: unknown;
  try {
    located = parseConfigLocated(text, 'fuzz/augur.yaml').config;
  } catch (err) {
    located = err instanceof Error ? err.message : String(err);
  }
  if (!isDeepStrictEqual(located, config)) return { kind: 'violation', message: `read without the document: ${truncated(config)}; with it: ${truncated(located)}` };
  const secrets = leaked(JSON.stringify(config));
  if (secrets.length > 0) return { kind: 'violation', message: `a file with a secret written in it validates: ${secrets.join(', ')}` };
  for (const p of paths(config)) {
    const v = getAt(config, p);
    if (typeof v === 'number' && !Number.isFinite(v)) return { kind: 'violation', message: `${p.join('.')} validates as ${v}` };
  }
  for (const key of ['timeout', 'step', 'history'] as const) {
    const v = config.prometheus?.[key];
    if (v !== undefined && !(v > 0)) return { kind: 'violation', message: `prometheus.${key} validates as ${v}` };
  }
  if (!(config.git.timeout > 0)) return { kind: 'violation', message: `git.timeout validates as ${config.git.timeout}` };
  for (const t of config.targets) {
    const { policy, sizing } = effectiveSettings(config, t);
    const where = `${t.namespace}/${t.name}`;
    if (sizing.quantile > sizing.maxQuantile) return { kind: 'violation', message: `${where}: quantile ${sizing.quantile} above maxQuantile ${sizing.maxQuantile} validates` };
    if (policy.minReplicas > policy.maxReplicas) return { kind: 'violation', message: `${where}: minReplicas above maxReplicas validates` };
    if (policy.minCpuPerPod > policy.maxCpuPerPod || policy.minMemoryPerPod > policy.maxMemoryPerPod) return { kind: 'violation', message: `${where}: a floor above its ceiling validates` };
    if (!(sizing.horizon > 0)) return { kind: 'violation', message: `${where}: horizon ${sizing.horizon} validates` };
    for (const [k, v] of Object.entries({ ...policy, ...sizing })) {
      if (typeof v === 'number' && !Number.isFinite(v)) return { kind: 'violation', message: `${where}: ${k} is ${v}` };
      if (typeof v === 'number' && v < 0) return { kind: 'violation', message: `${where}: ${k} is negative (${v})` };
      if (typeof v === 'number' && v === 0 && /horizon|Timeout|period/i.test(k) && !ZERO_OK.test(k)) return { kind: 'violation', message: `${where}: ${k} is 0` };
    }
  }
  return undefined;
}

export const configKind: FuzzKind<ConfigCase> = {
  name: 'configs',
  arbitrary: configCase,
  check: checkConfig,
  describe: (c) => configText(c),
};
