import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Cron } from 'croner';
import cron from 'node-cron';
import { LineCounter, isAlias, isMap, isSeq, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, effectiveSettings, type Config } from './schema.js';
import { targetId } from '../domain/workload.js';
import { parseZoned } from '../guardrails/time.js';
import { isTimeZone } from '../util/zoned.js';
import { SECRET_KEY } from './fields.js';
import { REDACTED, redactText, redactValue } from './redact.js';
import { aliasExpansionProblem, quickValues } from './values.js';

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
  /** The lines around the mistake, numbered, with a caret under it (YAML syntax errors). */
  excerpt?: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(redactText(problems.map(formatProblem).join('\n')));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  const excerpt = p.excerpt?.length ? `\n${p.excerpt.join('\n')}` : '';
  if (!p.path) return `${where}: ${p.message}${excerpt}`;
  const found = p.value === undefined ? 'missing' : `found ${p.value}`;
  return `${where}: ${p.path}: ${found}; ${p.message}${excerpt}`;
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

/**
 * Parses and validates a guardrails file; throws ConfigError listing every problem at once: the
 * schema's, and the checks the schema cannot make (cron expressions, time zones, freeze windows
 * whose end is not after their start, settings that contradict each other), one per mistake. A
 * YAML syntax error stops there: it is reported once, with its line quoted, as what the parser
 * makes of the rest of the file is not what was meant.
 */
export function parseConfig(text: string, file: string): LoadedConfig {
  // Most files are valid: read with js-yaml, which builds no document, and checked; the `yaml`
  // document that places each problem at its line is built only when there is one (values.ts).
  const quick = quickValues(text);
  if (quick !== undefined) {
    const result = configSchema.safeParse(quick.value ?? {});
    if (result.success && valueProblems(quick.value).length === 0 && crossFieldProblems(result.data, result.data.targets.map((_, i) => i), []).length === 0) {
      return { config: result.data, file, baseDir: dirname(resolve(file)) };
    }
  }
  return parseConfigLocated(text, file);
}

/** parseConfig through the `yaml` document, every problem at its line; exported for the test that both ways read a file alike. */
export function parseConfigLocated(source: string, file: string): LoadedConfig {
  // A byte-order mark is not a column an editor shows: line 1's columns are counted without it.
  const text = source.replace(/^\uFEFF/, '');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) throw new ConfigError([syntaxProblem(doc, text, lines, file)]);
  const raw = toJS(doc, lines, file);
  const result = configSchema.safeParse(raw ?? {});
  const schema = result.success ? [] : withoutMerged(mergeMisindented(result.error.issues.flatMap((issue) => problemsOf(issue, doc, lines, raw, file)), raw), raw);
  // The checks the schema cannot make run whatever it found: on the raw values, and across fields
  // on the file with its invalid values taken out (see repair).
  const checked = result.success ? { config: result.data, index: result.data.targets.map((_, i) => i) } : repair(raw, result.error.issues);
  const refused = result.success ? [] : result.error.issues.flatMap((i) => {
    const path = i.path.filter((p): p is PathPart => typeof p !== 'symbol');
    return i.code === 'unrecognized_keys' ? i.keys.map((k) => formatPath([...path, k])) : [formatPath(path)];
  });
  const semantic = [...valueProblems(raw), ...(checked ? crossFieldProblems(checked.config, checked.index, refused) : [])]
    .map((p) => locate({ ...p, file }, p.pathParts, doc, lines, raw))
    // One problem per mistake: nothing at, above or below a path the schema already reported.
    .filter((p) => !schema.some((q) => related(p.path, q.path)));
  const problems = [...schema, ...semantic];
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
  const baseDir = dirname(resolve(file));
  return { config: result.data!, file, baseDir };
}

/** Whether two problem paths concern the same setting: equal, or one inside the other. */
function related(a: string, b: string): boolean {
  const inside = (x: string, y: string) => x === y || (y !== '' && (x.startsWith(`${y}.`) || x.startsWith(`${y}[`)));
  return inside(a, b) || inside(b, a);
}

/**
 * The first YAML syntax error, with the line before, the line and the line after it quoted and a
 * caret under the column. The parser's later errors are almost always this one seen again from
 * further down (a mis-indented line makes every following line of its block look wrong), so they
 * are counted, not listed. A quote never closed is placed at its opening quote: the parser reports
 * where the quoted text it ran into ends, often the end of the file.
 */
function syntaxProblem(doc: Document, text: string, lines: LineCounter, file: string): ConfigProblem {
  const [first] = doc.errors;
  const opened = first!.code === 'MISSING_CHAR' && /closing .?quote/.test(first!.message) ? openingQuote(doc, first!.pos[0]) : undefined;
  const pos = lines.linePos(opened ?? first!.pos[0]);
  const source = text.split(/\r?\n/);
  const width = String(Math.min(source.length, pos.line + 1)).length;
  const excerpt: string[] = [];
  const secret = secretCuts(source);
  for (let n = Math.max(1, pos.line - 1); n <= Math.min(source.length, pos.line + 1); n++) {
    if (n > pos.line && !source[n - 1]?.trim()) break;
    excerpt.push(`${n === pos.line ? '>' : ' '} ${String(n).padStart(width)} | ${redactLine(source[n - 1] ?? '', secret.get(n - 1))}`);
    if (n === pos.line) excerpt.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, pos.col - 1))}^`);
  }
  const more = doc.errors.length - 1;
  const after = more > 0 ? ` (and ${more} more error${more === 1 ? '' : 's'} further on, most likely caused by this one: fix it and validate again)` : '';
  const what = opened !== undefined
    ? `${first!.message.split('\n')[0]}: the quote opened here is never closed; close it where the value ends`
    : first!.code === 'MULTIPLE_DOCS'
      ? 'a second YAML document starts here; a guardrails file is one document: remove this --- line, and move what follows it (if anything) into the first'
      : `${first!.message.split('\n')[0]}${hint(first!.code)}`;
  return { file, line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${what}${after}`, excerpt };
}

/** Where the quoted value that runs on to `end` (the parser's "missing closing quote") opens. */
function openingQuote(doc: Document, end: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar: (_, node) => {
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range && node.range[0] < end && node.range[1] >= end) {
        start = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return start;
}

/**
 * Where each line (0-based) that shows a secret starts showing it: after a key that holds a secret
 * (token, secret, password...), wherever on the line it is written, or from the start of a line
 * nested under one (by indentation, as the file is written: it does not parse). A quoted line must
 * not show a secret written there.
 */
function secretCuts(source: string[]): Map<number, number> {
  const out = new Map<number, number>();
  const stack: { indent: number; secret: boolean }[] = [];
  source.forEach((line, i) => {
    if (!line.trim() || line.trim().startsWith('#')) return;
    const lead = /^[\s-]*/.exec(line)![0];
    // A tab (not allowed, but what a syntax error often is) shown as the editor shows it: to the next multiple of 8.
    const indent = [...lead].reduce((n, c) => (c === '\t' ? n + 8 - (n % 8) : n + 1), 0);
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const inherited = stack.some((s) => s.secret);
    const keys = [...line.matchAll(/(?:^|[\s{,-])["']?([^\s:"'#{}[\],]+)["']?\s*:(?=\s|$)/g)];
    const secretKey = keys.find((m) => SECRET_KEY.test(m[1]!));
    const own = keys[0] !== undefined && keys[0].index! <= lead.length ? keys[0].index! + keys[0][0].length : lead.length;
    const cut = inherited ? own : secretKey ? secretKey.index! + secretKey[0].length : undefined;
    if (cut !== undefined && line.slice(cut).trim()) out.set(i, cut);
    stack.push({ indent, secret: inherited || (keys[0] !== undefined && SECRET_KEY.test(keys[0][1]!)) });
  });
  return out;
}

/** A quoted line with what it shows of a secret, from `cut` on, redacted. */
function redactLine(line: string, cut: number | undefined): string {
  return cut === undefined ? line : `${line.slice(0, cut)}${/^\s*/.exec(line.slice(cut))![0]}${REDACTED}`;
}

/** What usually causes a YAML error, in the words of someone editing the file. */
function hint(code: string): string {
  switch (code) {
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return '; check the indentation of this line against the lines around it';
    case 'TAB_AS_INDENT':
      return '; indent with spaces';
    default:
      return '';
  }
}

/**
 * The document as plain data. An alias whose anchor is missing, or aliases that expand into too
 * much (an alias bomb), are config problems at the alias's line, not a bare ReferenceError.
 */
function toJS(doc: Document, lines: LineCounter, file: string): unknown {
  const aliasProblem = (message: string, at: Alias | undefined): ConfigError => {
    const pos = at?.range ? lines.linePos(at.range[0]) : undefined;
    return new ConfigError([{ file, ...(pos ? { line: pos.line, column: pos.col } : {}), path: '', message }]);
  };
  /** The first alias, and the first whose anchor is not defined before it: one walk, in the file's order. */
  const aliases = (): { first?: Alias; unresolved?: Alias } => {
    const defined = new Set<string>();
    const found: { first?: Alias; unresolved?: Alias } = {};
    visit(doc, {
      Node: (_, node) => {
        if (!isAlias(node)) return void (node.anchor && defined.add(node.anchor));
        found.first ??= node;
        if (defined.has(node.source)) return undefined;
        found.unresolved = node;
        return visit.BREAK;
      },
    });
    return found;
  };
  let raw: unknown;
  try {
    // Aliases are bounded by what they expand into (aliasExpansionProblem), not by their count.
    raw = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    const { first, unresolved } = aliases();
    if (unresolved) throw aliasProblem(`YAML alias *${unresolved.source} has no anchor &${unresolved.source} before it; define the anchor first, or write the value out`, unresolved);
    throw aliasProblem(`YAML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`, first);
  }
  // Placed at the file's first alias: which of them multiplies is not known from the values.
  const expansion = aliasExpansionProblem(raw);
  if (expansion) throw aliasProblem(`${expansion} (the first alias is on this line)`, aliases().first);
  return raw;
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
    return issue.keys.map((key) => {
      const suggestion = key === '<<' ? MERGE_KEY : suggest(key, known);
      // A misspelt secret key (tokn, scret) holds the secret all the same.
      const meant = /did you mean "([^"]+)"\?/.exec(suggestion)?.[1];
      return locate(
        {
          file,
          path: '',
          message: `unknown key "${key}"${suggestion}`,
        },
        [...path, key],
        doc,
        lines,
        raw,
        true,
        meant !== undefined && SECRET_KEY.test(meant),
      );
    });
  }
  return [locate({ file, path: '', message: describeIssue(issue, valueAt(raw, path)) }, path, doc, lines, raw)];
}

/** What `<<: *anchor` (YAML 1.1's merge key) is in this YAML 1.2 file, and what to write instead. */
const MERGE_KEY =
  ': YAML merge keys (<<: *anchor) are not supported (the file is YAML 1.2, where "<<" is an ordinary key); write the keys out, or alias whole values (e.g. policy: *defaults)';

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
      if (value === undefined) return `required: ${typeName(issue.expected)}`;
      if (value === null && /^Invalid input/.test(issue.message)) {
        return `empty (nothing after the colon, or everything under it commented out): write ${typeName(issue.expected)}, or delete the key when it is optional`;
      }
      return /^Invalid input/.test(issue.message) ? `expected ${typeName(issue.expected)}` : issue.message;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return issue.message === 'Invalid input' ? 'does not match any allowed form' : issue.message;
    default:
      return issue.message;
  }
}

/** zod's name of a type in the words of a YAML file. */
function typeName(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a mapping (key: value lines under it)';
  if (expected === 'array') return 'a list (- item lines under it)';
  if (expected === 'boolean') return 'true or false';
  return `a ${expected}`;
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
  secretKey = false,
): ConfigProblem {
  // A secret written where a reference belongs must not be echoed into logs, nor one inside an
  // object shown whole (a misspelt parent key), nor one under a misspelt secret key (`secretKey`),
  // nor credentials in a URL.
  const secret = secretKey || path.some((p) => typeof p === 'string' && SECRET_KEY.test(p));
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

type Located = { pathParts: PathPart[]; message: string };

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);



const ZONE = 'not an IANA time zone; e.g. "UTC" or "Europe/Berlin"';

/**
 * Why croner, which evaluates freeze windows (guardrails/time.ts), cannot read a cron expression
 * that node-cron takes: a range that wraps around, such as 22-2 or FRI-MON.
 */
function freezeCronProblem(expr: string): string | undefined {
  try {
    new Cron(expr, { timezone: 'UTC', paused: true, domAndDow: false });
    return undefined;
  } catch (err) {
    return `not a cron expression freeze windows can use (${(err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '')})`;
  }
}

/**
 * Values the schema takes as any string: cron expressions, time zones, freeze-window dates and
 * their order. Read from the raw document, so they are reported alongside the schema's problems.
 */
function valueProblems(raw: unknown): Located[] {
  const out: Located[] = [];
  const root = obj(raw) ?? {};
  const schedule = obj(root.schedule);
  const cronAt = str(schedule?.cron);
  if (cronAt !== undefined && !cron.validate(cronAt)) out.push({ pathParts: ['schedule', 'cron'], message: 'not a valid cron expression; e.g. "0 */6 * * *" (every 6 hours)' });
  const zone = str(schedule?.timezone);
  if (zone !== undefined && !isTimeZone(zone)) out.push({ pathParts: ['schedule', 'timezone'], message: ZONE });

  // Freeze windows and schedule zones are checked where they are written (top level, namespace, environment, target), once each.
  const checkWindows = (policy: unknown, base: PathPart[]) => {
    const windows = obj(policy)?.freezeWindows;
    if (!Array.isArray(windows)) return;
    windows.forEach((raw, j) => {
      const w = obj(raw);
      if (!w) return;
      const at: PathPart[] = [...base, 'freezeWindows', j];
      const c = str(w.cron);
      if (c !== undefined && !cron.validate(c)) out.push({ pathParts: [...at, 'cron'], message: 'not a valid cron expression; e.g. "0 18 * * 5" (Fridays 18:00)' });
      else if (c !== undefined && freezeCronProblem(c)) out.push({ pathParts: [...at, 'cron'], message: `${freezeCronProblem(c)}; write each range from low to high, e.g. "0 22-23,0-1 * * *", or start the window at its first hour or day and lengthen its duration` });
      const tz = str(w.timezone);
      if (tz !== undefined && !isTimeZone(tz)) out.push({ pathParts: [...at, 'timezone'], message: ZONE });
      const from = str(w.from);
      const to = str(w.to);
      if (from === undefined || to === undefined) return;
      // Read as the freezeWindows guardrail reads them: in the window's zone, else the schedule's.
      const readIn = [tz, zone, 'UTC'].find((z) => z !== undefined && isTimeZone(z))!;
      const [a, b] = [parseZoned(from, readIn), parseZoned(to, readIn)];
      if (Number.isNaN(a) || Number.isNaN(b)) out.push({ pathParts: at, message: 'from/to must be ISO dates such as "2026-12-20" or "2026-12-20T18:00"' });
      else if (b <= a) out.push({ pathParts: [...at, 'to'], message: `ends ${b === a ? 'when' : 'before'} it starts (from ${from}): the window would never apply; swap from and to, or fix the date` });
    });
  };
  const checkScheduleZone = (sizing: unknown, base: PathPart[]) => {
    const tz = str(obj(obj(sizing)?.schedule)?.timezone);
    if (tz !== undefined && !isTimeZone(tz)) out.push({ pathParts: [...base, 'sizing', 'schedule', 'timezone'], message: ZONE });
  };
  checkWindows(root.policy, ['policy']);
  checkScheduleZone(root.sizing, []);
  for (const section of ['namespaces', 'environments'] as const) {
    for (const [name, o] of Object.entries(obj(root[section]) ?? {})) {
      checkScheduleZone(obj(o)?.sizing, [section, name]);
      checkWindows(obj(o)?.policy, [section, name, 'policy']);
    }
  }
  if (Array.isArray(root.targets))
    root.targets.forEach((t, i) => {
      checkScheduleZone(obj(t)?.sizing, ['targets', i]);
      checkWindows(obj(t)?.policy, ['targets', i, 'policy']);
    });
  return out;
}

/**
 * The file with what the schema refused taken out, so the checks across fields still run: an
 * unknown key or an invalid value is removed (its default applies; a required one takes its
 * parent with it), a list other than targets that holds one is dropped, and a target that still
 * does not parse is left out. `index` maps the
 * targets kept to their place in the file. Undefined when the rest still does not parse (a
 * required top-level section is missing).
 */
function repair(raw: unknown, issues: z.core.$ZodIssue[]): { config: Config; index: number[] } | undefined {
  const copy = structuredClone(obj(raw) ?? {});
  let index = Array.isArray(copy.targets) ? copy.targets.map((_, i) => i) : [];
  let pending = issues;
  for (let round = 0; round < 4; round++) {
    const brokenTargets = new Set<number>();
    for (const issue of pending) {
      const path = issue.path.filter((p): p is PathPart => typeof p !== 'symbol');
      if (path[0] === 'targets' && typeof path[1] === 'number' && (round >= 2 || path.length <= 2)) {
        brokenTargets.add(path[1]);
        continue;
      }
      if (issue.code === 'unrecognized_keys') {
        const parent = obj(valueAt(copy, path));
        for (const k of issue.keys) if (parent) delete parent[k];
        continue;
      }
      // Inside a list other than targets, drop the list; else drop the value, and when that is
      // not enough (a required value), its parent in the next round, and so on.
      const list = path.findIndex((p, i) => typeof p === 'number' && !(i === 1 && path[0] === 'targets'));
      const inList = list > 0 ? path.slice(0, list) : path;
      const cut = inList.slice(0, Math.max(1, inList.length - round));
      const parent = obj(valueAt(copy, cut.slice(0, -1)));
      if (parent && cut.length > 0) delete parent[cut[cut.length - 1] as string];
    }
    if (brokenTargets.size > 0 && Array.isArray(copy.targets)) {
      index = index.filter((_, i) => !brokenTargets.has(i));
      copy.targets = copy.targets.filter((_, i) => !brokenTargets.has(i));
    }
    const next = configSchema.safeParse(copy);
    if (next.success) return { config: next.data, index };
    pending = next.error.issues;
  }
  return undefined;
}

/**
 * Checks across fields the schema cannot express alone. `index[i]` is where config.targets[i]
 * is in the file; a target whose effective policy or sizing reads a value the schema refused
 * (`refused`: the paths of its problems) is not checked for contradictions between them.
 */
function crossFieldProblems(config: Config, index: number[], refused: string[]): Located[] {
  const out: Located[] = [];
  const seen = new Map<string, number>();
  // A contradiction between settings is reported where the deepest of them is written (the
  // target's policy or sizing; else the key in its namespace, its environment or the top level),
  // once however many targets inherit it.
  const reported = new Set<string>();
  const contradiction = (at: PathPart[], message: string) => {
    const key = `${formatPath(at)}\n${message}`;
    if (!reported.has(key)) (reported.add(key), out.push({ pathParts: at, message }));
  };
  // A target that needs a section the file lacks is one mistake however many targets need it: the
  // first is reported, with how many more.
  const needs = new Map<string, { problem: Located; more: number }>();
  const need = (at: PathPart[], message: string) => {
    const first = needs.get(message);
    if (first) first.more++;
    else needs.set(message, { problem: { pathParts: at, message }, more: 0 });
  };
  config.targets.forEach((t, k) => {
    const i = index[k]!;
    const id = targetId(t);
    const first = seen.get(id);
    if (first !== undefined) {
      const fix = t.environment ? 'list each workload once per environment' : 'list each workload once, or give each deployment of it an environment: (staging, production...)';
      out.push({ pathParts: ['targets', i], message: `duplicate target ${id} (also targets[${first}]); ${fix}` });
    } else seen.set(id, i);

    // Whether a setting the check reads was refused (and so replaced by its default here).
    const scopes = ['', `namespaces.${t.namespace}.`, `targets[${i}].`];
    const touched = (area: 'policy' | 'sizing', keys: string[]) =>
      refused.some((p) => scopes.some((s) => p === `${s}${area}` || keys.some((k) => related(p, `${s}${area}.${k}`))));
    // A section refused, or written somewhere it does not belong (mis-indented), is absent here.
    const readsSection = (section: string) => refused.some((p) => p === section || p.startsWith(`${section}.`) || p.endsWith(`.${section}`));
    const { policy, sizing } = effectiveSettings(config, t);
    /** Where the deepest of `keys` is written for this target, as effectiveSettings layers them. */
    const writtenAt = (area: 'policy' | 'sizing', keys: string[]): PathPart[] => {
      const written = (o: object | undefined) => (o ? keys.find((k) => (o as Record<string, unknown>)[k] !== undefined) : undefined);
      if (written(t[area])) return ['targets', i, area];
      const ns = written(config.namespaces[t.namespace]?.[area]);
      if (ns) return ['namespaces', t.namespace, area, ns];
      const env = t.environment !== undefined ? written(config.environments[t.environment]?.[area]) : undefined;
      if (env) return ['environments', t.environment!, area, env];
      const top = written(config[area]);
      return top ? [area, top] : [area];
    };
    const quantiles = ['quantile', 'maxQuantile'];
    if (!touched('sizing', quantiles) && sizing.quantile > sizing.maxQuantile) {
      contradiction(writtenAt('sizing', quantiles), `effective sizing.quantile ${sizing.quantile} is above sizing.maxQuantile ${sizing.maxQuantile}: replicas would be sized above what the HPA ceiling covers; lower quantile or raise maxQuantile (e.g. 0.9 and 0.99)`);
    }
    const perPod = ['minCpuPerPod', 'maxCpuPerPod', 'minMemoryPerPod', 'maxMemoryPerPod'];
    if (!touched('policy', perPod) && (policy.minCpuPerPod > policy.maxCpuPerPod || policy.minMemoryPerPod > policy.maxMemoryPerPod)) {
      contradiction(writtenAt('policy', perPod), 'effective minCpuPerPod/minMemoryPerPod is above maxCpuPerPod/maxMemoryPerPod; lower the floor or raise the ceiling');
    }
    const replicas = ['minReplicas', 'maxReplicas'];
    if (!touched('policy', replicas) && policy.minReplicas > policy.maxReplicas) {
      contradiction(writtenAt('policy', replicas), `effective minReplicas ${policy.minReplicas} is above maxReplicas ${policy.maxReplicas}; lower minReplicas or raise maxReplicas`);
    }
    for (const [metric, ref] of Object.entries(t.metrics)) {
      if (!ref || readsSection('metrics') || readsSection('prometheus')) continue;
      if ('file' in ref && !config.metrics.file) {
        need(['targets', i, 'metrics', metric], 'a file metric needs metrics.file.dir; add it or use a PromQL query');
      }
      if (('query' in ref || 'preset' in ref) && !config.prometheus) {
        need(['targets', i, 'metrics', metric], 'a query or preset needs the prometheus section; add prometheus.url');
      }
    }
    if ('targetUtilization' in t.capacity && !readsSection('prometheus') && !t.metrics.cpuTotal && !config.prometheus) {
      need(['targets', i, 'capacity'], 'deriving capacity needs the cpuTotal metric (or prometheus for its preset); or give capacity.perReplica');
    }
  });
  for (const { problem, more } of needs.values()) {
    out.push(more === 0 ? problem : { ...problem, message: `${problem.message} (and ${more.toLocaleString('en-US')} more like it further on)` });
  }
  return out;
}

/**
 * One mis-indented or misspelt key is one mistake, reported once, at its line, saying where the
 * key belongs or what it was meant to be:
 * - indented one level too little: the key above it is left empty (null) and this one is unknown
 *   where it landed;
 * - indented one level too much: it is unknown inside the key above it, and missing (or absent)
 *   at the level where it belongs;
 * - misspelt: it is unknown, and the key it was meant to be is missing.
 */
function mergeMisindented(problems: ConfigProblem[], raw: unknown): ConfigProblem[] {
  const drop = new Set<ConfigProblem>();
  const out = problems.map((u) => {
    const m = /^unknown key "([^"]+)"/.exec(u.message);
    if (!m || u.line === undefined) return u;
    const key = m[1]!;
    const parentPath = u.path.endsWith(`.${key}`) ? u.path.slice(0, -key.length - 1) : u.path === key ? '' : undefined;
    if (parentPath === undefined) return u;
    // Too little: the empty key just above it, in the same mapping, that takes a key of this name.
    const empty = problems.find(
      (n) => n !== u && n.value === 'null' && n.line !== undefined && n.line < u.line! && n.line >= u.line! - 1 && parentOf(n.path) === parentPath && keysAt(parsePath(n.path)).has(key),
    );
    if (empty) {
      drop.add(empty);
      const owner = empty.path.slice(parentPath ? parentPath.length + 1 : 0);
      return { ...u, message: `"${key}" is indented as a key of ${parentPath || 'the top level'}, leaving "${owner}:" above it empty; indent it under "${owner}:"` };
    }
    // Misspelt: the key it was meant to be is reported missing in the same mapping.
    const meant = /did you mean "([^"]+)"\?/.exec(u.message)?.[1];
    const missingMeant = meant && problems.find((n) => n !== u && n.value === undefined && n.path === (parentPath ? `${parentPath}.${meant}` : meant));
    if (missingMeant) {
      drop.add(missingMeant);
      return { ...u, message: `${u.message} (it is required)` };
    }
    // Too much: a key that belongs beside its parent, and is not there.
    if (!parentPath) return u;
    const grand = parentOf(parentPath);
    const besideParent = grand ? `${grand}.${key}` : key;
    const holder = valueAt(raw, parsePath(grand));
    if (!keysAt(parsePath(grand)).has(key) || (holder && typeof holder === 'object' && key in holder)) return u;
    const missing = problems.find((n) => n !== u && n.path === besideParent && n.value === undefined);
    if (missing) drop.add(missing);
    const parentKey = parentPath.slice(grand ? grand.length + 1 : 0);
    return { ...u, message: `"${key}" is indented under "${parentKey}:", but belongs beside it (a key of ${grand || 'the top level'}); indent it as far as "${parentKey}:"` };
  });
  return out.filter((p) => !drop.has(p));
}

/**
 * A merge key is one mistake: the keys it was meant to bring in are not also reported missing in
 * the same mapping.
 */
function withoutMerged(problems: ConfigProblem[], raw: unknown): ConfigProblem[] {
  const merged = new Map<string, unknown>();
  for (const p of problems) if (p.path === '<<' || p.path.endsWith('.<<')) merged.set(parentOf(p.path), valueAt(raw, parsePath(p.path)));
  if (merged.size === 0) return problems;
  const provides = (from: unknown, key: string): boolean =>
    Array.isArray(from) ? from.some((f) => provides(f, key)) : !!from && typeof from === 'object' && key in from;
  return problems.filter((p) => {
    if (p.value !== undefined || !merged.has(parentOf(p.path))) return true;
    return !provides(merged.get(parentOf(p.path)), p.path.slice(parentOf(p.path).length).replace(/^\./, ''));
  });
}

/** "targets[0].metrics" → ['targets', 0, 'metrics']. */
function parsePath(path: string): PathPart[] {
  return [...path.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[0]));
}

/** The keys the schema allows in the mapping at `path` (of every form a union allows). */
function keysAt(path: PathPart[]): Set<string> {
  const out = new Set<string>();
  const walk = (schema: unknown, rest: PathPart[], depth: number): void => {
    const def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def || depth > 40) return;
    for (const inner of ['innerType', 'in', 'out']) if (def[inner]) walk(def[inner], rest, depth + 1);
    for (const opt of (def.options as unknown[] | undefined) ?? []) walk(opt, rest, depth + 1);
    const shape = def.shape as Record<string, unknown> | undefined;
    if (rest.length === 0) {
      if (shape) for (const k of Object.keys(shape)) out.add(k);
      return;
    }
    const [head, ...tail] = rest;
    if (typeof head === 'number' && def.element) walk(def.element, tail, depth + 1);
    if (typeof head === 'string' && shape?.[head]) walk(shape[head], tail, depth + 1);
    if (typeof head === 'string' && def.valueType) walk(def.valueType, tail, depth + 1);
  };
  walk(configSchema, path, 0);
  return out;
}

function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut < 0 ? '' : path.slice(0, cut);
}
