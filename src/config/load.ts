import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { LineCounter, isMap, isSeq, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, effectiveSettings, type Config } from './schema.js';
import { targetId } from '../domain/workload.js';
import { SECRET_KEY } from './fields.js';
import { REDACTED, redactText, redactValue } from './redact.js';

/** One thing wrong with a guardrails file: where, what was found, and what would be valid. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Path in the document, e.g. "targets[0].policy.maxStepPercent.up". */
  path: string;
  /** The value found, as JSON (truncated), or undefined when the key is missing. */
  value?: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(redactText(problems.map(formatProblem).join('\n')));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  if (!p.path) return `${where}: ${p.message}`;
  const found = p.value === undefined ? 'missing' : `found ${p.value}`;
  return `${where}: ${p.path}: ${found}; ${p.message}`;
}

/** A loaded config plus the directory its relative paths are resolved against. */
export interface LoadedConfig {
  config: Config;
  file: string;
  baseDir: string;
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, path: '', message: `cannot read the file (${(err as Error).message}); pass the path of a guardrails YAML file` }]);
  }
  return parseConfig(text, file);
}

/** Parses and validates a guardrails file; throws ConfigError listing every problem at once. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const raw = toJS(doc, lines, file);
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => problemsOf(issue, doc, lines, raw, file));
    throw new ConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
  }
  const config = result.data;
  const problems = semanticProblems(config).map((p) => locate({ ...p, file }, p.pathParts, doc, lines, raw));
  if (problems.length > 0) throw new ConfigError(problems);
  const baseDir = dirname(resolve(file));
  return { config, file, baseDir };
}

/**
 * The document as plain data. An alias whose anchor is missing, or aliases that expand into too
 * much (an alias bomb), are config problems at the alias's line, not a bare ReferenceError.
 */
function toJS(doc: Document, lines: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const aliases: Alias[] = [];
    visit(doc, { Alias: (_, node) => void aliases.push(node) });
    const unresolved = aliases.find((a) => a.resolve(doc) === undefined);
    const at = unresolved ?? aliases[0];
    const pos = at?.range ? lines.linePos(at.range[0]) : undefined;
    const message = unresolved
      ? `YAML alias *${unresolved.source} has no anchor &${unresolved.source} before it; define the anchor first, or write the value out`
      : /alias count/i.test(msg)
        ? 'YAML aliases expand into too many nodes (more than 100; an alias bomb?); write the values out instead of nesting aliases'
        : `YAML: ${msg.split('\n')[0]}`;
    throw new ConfigError([{ file, ...(pos ? { line: pos.line, column: pos.col } : {}), path: '', message }]);
  }
}

/** Resolves a path written in the config against the config file's directory. */
export function resolveFrom(loaded: LoadedConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.baseDir, path);
}

type PathPart = string | number;

function problemsOf(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, raw: unknown, file: string): ConfigProblem[] {
  const path = issue.path.filter((p): p is PathPart => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const parent = valueAt(raw, path);
    const known = knownKeys(issue, parent);
    return issue.keys.map((key) =>
      locate(
        {
          file,
          path: '',
          message: `unknown key "${key}"${suggest(key, known)}`,
        },
        [...path, key],
        doc,
        lines,
        raw,
        true,
      ),
    );
  }
  return [locate({ file, path: '', message: describeIssue(issue, valueAt(raw, path)) }, path, doc, lines, raw)];
}

/** zod's message in the words of the guardrails file: what would be valid. */
function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  // A message written in the schema says it best; only zod's generic ones are rewritten.
  if (!/^(Too small|Too big|Invalid input|Invalid option)/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`
        : `must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum}`;
    case 'invalid_type':
      if (value === undefined) return `required: a ${issue.expected}`;
      return /^Invalid input/.test(issue.message) ? `expected a ${issue.expected}` : issue.message;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return issue.message === 'Invalid input' ? 'does not match any allowed form' : issue.message;
    default:
      return issue.message;
  }
}

function knownKeys(_issue: z.core.$ZodIssue, parent: unknown): string[] {
  // zod does not report the allowed keys; the best hint available is the existing sibling keys.
  return parent && typeof parent === 'object' ? Object.keys(parent) : [];
}

function locate(
  p: Omit<ConfigProblem, 'path'> & { path?: string },
  path: PathPart[],
  doc: Document,
  lines: LineCounter,
  raw: unknown,
  atKey = false,
): ConfigProblem {
  // A secret written where a reference belongs must not be echoed into logs, nor one inside an
  // object shown whole (a misspelt parent key), nor credentials in a URL.
  const secret = path.some((p) => typeof p === 'string' && SECRET_KEY.test(p));
  const found = valueAt(raw, path);
  const value = found === undefined ? undefined : redactValue(found, secret);
  const node = nodeAt(doc, path, atKey);
  const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
  return {
    file: p.file,
    ...(pos ? { line: pos.line, column: pos.col } : {}),
    path: formatPath(path),
    ...(value === undefined ? {} : { value: value === REDACTED ? value : truncate(JSON.stringify(value)) }),
    message: p.message,
  };
}

function nodeAt(doc: Document, path: PathPart[], atKey: boolean): Node | undefined {
  // Walk as deep as the document goes: a missing key points at its parent.
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((i) => (i.key as { value?: unknown })?.value === part);
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
    } else break;
  }
  if (atKey && keyNode) return keyNode as Node;
  return ((node as Node | null) ?? (keyNode as Node | undefined)) ?? undefined;
}

function valueAt(raw: unknown, path: PathPart[]): unknown {
  let v = raw;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

export function formatPath(path: PathPart[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function truncate(s: string | undefined): string {
  if (s === undefined) return 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function suggest(key: string, known: string[]): string {
  const candidates = [...KNOWN_KEYS].filter((k) => !known.includes(k));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of candidates) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, key.length / 3) ? `; did you mean "${best}"?` : '; remove it or check the spelling';
}

// Every key name the schema knows, for spelling suggestions.
const KNOWN_KEYS = new Set<string>();
collectKeys(configSchema, KNOWN_KEYS, 0);
function collectKeys(schema: unknown, out: Set<string>, depth: number): void {
  if (depth > 12 || !schema || typeof schema !== 'object') return;
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return;
  const shape = def.shape as Record<string, unknown> | undefined;
  if (shape) for (const [k, v] of Object.entries(shape)) (out.add(k), collectKeys(v, out, depth + 1));
  for (const key of ['innerType', 'in', 'out', 'element', 'valueType']) collectKeys(def[key], out, depth + 1);
  for (const opt of (def.options as unknown[] | undefined) ?? []) collectKeys(opt, out, depth + 1);
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** Checks that need the whole document: cross-field rules the schema cannot express alone. */
function semanticProblems(config: Config): { pathParts: PathPart[]; message: string }[] {
  const out: { pathParts: PathPart[]; message: string }[] = [];
  const tzOk = (tz: string) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  };
  if (!cron.validate(config.schedule.cron)) out.push({ pathParts: ['schedule', 'cron'], message: 'not a valid cron expression; e.g. "0 */6 * * *" (every 6 hours)' });
  if (!tzOk(config.schedule.timezone)) out.push({ pathParts: ['schedule', 'timezone'], message: 'not an IANA time zone; e.g. "UTC" or "Europe/Berlin"' });

  // Freeze windows are checked where they are written (top level, namespace, target), once each.
  const checkWindows = (windows: Config['policy']['freezeWindows'] | undefined, base: PathPart[]) =>
    windows?.forEach((w, j) => {
      const at: PathPart[] = [...base, 'freezeWindows', j];
      if ('cron' in w && !cron.validate(w.cron)) out.push({ pathParts: [...at, 'cron'], message: 'not a valid cron expression; e.g. "0 18 * * 5" (Fridays 18:00)' });
      if (w.timezone && !tzOk(w.timezone)) out.push({ pathParts: [...at, 'timezone'], message: 'not an IANA time zone; e.g. "UTC" or "Europe/Berlin"' });
      if ('from' in w && (Number.isNaN(Date.parse(w.from)) || Number.isNaN(Date.parse(w.to)))) {
        out.push({ pathParts: at, message: 'from/to must be ISO dates such as "2026-12-20" or "2026-12-20T18:00"' });
      }
    });
  checkWindows(config.policy.freezeWindows, ['policy']);
  const checkScheduleZone = (sizing: { schedule?: { timezone?: string | undefined } | undefined } | undefined, base: PathPart[]) => {
    const tz = sizing?.schedule?.timezone;
    if (tz !== undefined && !tzOk(tz)) out.push({ pathParts: [...base, 'sizing', 'schedule', 'timezone'], message: 'not an IANA time zone; e.g. "UTC" or "Europe/Berlin"' });
  };
  checkScheduleZone(config.sizing, []);
  for (const [ns, o] of Object.entries(config.namespaces)) checkScheduleZone(o.sizing, ['namespaces', ns]);
  config.targets.forEach((t, i) => checkScheduleZone(t.sizing, ['targets', i]));
  for (const [ns, o] of Object.entries(config.namespaces)) checkWindows(o.policy?.freezeWindows, ['namespaces', ns, 'policy']);
  config.targets.forEach((t, i) => checkWindows(t.policy?.freezeWindows, ['targets', i, 'policy']));

  const seen = new Map<string, number>();
  config.targets.forEach((t, i) => {
    const id = targetId(t);
    const first = seen.get(id);
    if (first !== undefined) {
      const fix = t.environment ? 'list each workload once per environment' : 'list each workload once, or give each deployment of it an environment: (staging, production...)';
      out.push({ pathParts: ['targets', i], message: `duplicate target ${id} (also targets[${first}]); ${fix}` });
    }
    else seen.set(id, i);

    const { policy, sizing } = effectiveSettings(config, t);
    if (sizing.quantile > sizing.maxQuantile) {
      out.push({ pathParts: ['targets', i, 'sizing'], message: `effective sizing.quantile ${sizing.quantile} is above sizing.maxQuantile ${sizing.maxQuantile}: replicas would be sized above what the HPA ceiling covers; lower quantile or raise maxQuantile (e.g. 0.9 and 0.99)` });
    }
    if (policy.minCpuPerPod > policy.maxCpuPerPod || policy.minMemoryPerPod > policy.maxMemoryPerPod) {
      out.push({ pathParts: ['targets', i, 'policy'], message: 'effective minCpuPerPod/minMemoryPerPod is above maxCpuPerPod/maxMemoryPerPod; lower the floor or raise the ceiling' });
    }
    if (policy.minReplicas > policy.maxReplicas) {
      out.push({ pathParts: ['targets', i, 'policy'], message: `effective minReplicas ${policy.minReplicas} is above maxReplicas ${policy.maxReplicas}; lower minReplicas or raise maxReplicas` });
    }
    for (const [metric, ref] of Object.entries(t.metrics)) {
      if (!ref) continue;
      if ('file' in ref && !config.metrics.file) {
        out.push({ pathParts: ['targets', i, 'metrics', metric], message: 'a file metric needs metrics.file.dir; add it or use a PromQL query' });
      }
      if (('query' in ref || 'preset' in ref) && !config.prometheus) {
        out.push({ pathParts: ['targets', i, 'metrics', metric], message: 'a query or preset needs the prometheus section; add prometheus.url' });
      }
    }
    if ('targetUtilization' in t.capacity && (!t.metrics.cpuTotal && !config.prometheus)) {
      out.push({ pathParts: ['targets', i, 'capacity'], message: 'deriving capacity needs the cpuTotal metric (or prometheus for its preset); or give capacity.perReplica' });
    }
  });
  return out;
}
