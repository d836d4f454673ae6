// KEDA ScaledObjects: read the triggers of the one that scales a workload, and rewrite the cron
// triggers Augur owns (type cron, name "augur-…") as one block edit, leaving every other trigger,
// comment and byte of the file as it was.
//
// Where the new triggers go:
// - Augur's triggers already there: they are all removed and the new ones are written where the
//   last of them was. When they are contiguous (the usual case, since Augur writes them together)
//   that is a replacement in place. When other triggers (or comment lines) sit between them, those
//   keep their bytes and their place, and Augur's triggers end up together after them.
// - None yet: appended after the last entry of the block list, with the list's own indentation
//   (`triggers:\n  - type: cpu` and `triggers:\n- type: cpu` both exist).
// - `triggers: []`, `triggers:` (empty) or `triggers: ~`: the empty value is replaced by a block
//   list; no `triggers` key: `triggers:` is added as the last key of `spec`.
// A non-empty flow list (`triggers: [{...}]`) is refused: Augur edits block lists only.
// Everything written inside one of Augur's own trigger entries (comments included) is Augur's and
// is rewritten with it; comment lines between entries are not part of any entry and are kept.
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Document, Pair, YAMLMap, YAMLSeq } from 'yaml';
import type { BlockEdit, CronWindowTrigger, RepoView, ScaledObjectSite } from '../domain/workload.js';
import { ManifestError } from '../domain/errors.js';
import { normPath } from './paths.js';
import { isTimeZone } from '../util/zoned.js';
import type { Ctx, ParsedFile } from './yaml-util.js';
import { describeNode, getKey, lineOf, parseText, str, strAt } from './yaml-util.js';
import type { ResourceDoc } from './workload.js';
import { where } from './workload.js';

/** Names of the triggers Augur owns start with this. */
export const AUGUR_TRIGGER_PREFIX = 'augur-';

/** Largest desiredReplicas Augur writes. */
export const MAX_DESIRED_REPLICAS = 10000;

const OWNERSHIP = `triggers of type cron named ${AUGUR_TRIGGER_PREFIX}* belong to Augur`;
const REWRITE = 'or delete the trigger and let Augur write it again';

interface TriggerEntry {
  index: number;
  node: unknown;
  /** Set for Augur's triggers. */
  augur?: CronWindowTrigger;
  name?: string;
  /** Short label for other triggers, e.g. "cpu" or "cron (business-hours)". */
  label: string;
}

interface ReadSO {
  spec: YAMLMap;
  /** The spec.triggers pair, when the key is written. */
  pair?: Pair;
  triggers: TriggerEntry[];
  minReplicaCount?: number;
  maxReplicaCount?: number;
  /** Things about min/maxReplicaCount worth a note. */
  countNotes: string[];
}

function isAugur(item: unknown): boolean {
  return strAt(item, 'type') === 'cron' && (strAt(item, 'name') ?? '').startsWith(AUGUR_TRIGGER_PREFIX);
}

function nodeLine(text: string, node: unknown, fallback: number): number {
  const range = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? (node.range as number[]) : undefined;
  return range && typeof range[0] === 'number' ? lineOf(text, range[0]) : fallback;
}

/** A whole number as written (10 or "10"), or undefined. */
export function wholeNumber(node: unknown): number | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined || !/^\d{1,9}$/.test(s)) return undefined;
  return Number(s);
}

/** One of Augur's triggers, read strictly: a malformed one is a ManifestError. */
function readAugurTrigger(file: ParsedFile, item: unknown, index: number, name: string): CronWindowTrigger {
  const path = `spec.triggers[${index}]`;
  const itemLine = nodeLine(file.text, item, 1);
  const meta = getKey(item, 'metadata');
  if (!isMap(meta)) {
    const found = meta === undefined ? 'it has none' : `found ${describeNode(meta)}`;
    throw new ManifestError(
      `${file.path}:${itemLine}: ${path}.metadata of cron trigger ${JSON.stringify(name)} is not a map (${found}); ${OWNERSHIP}: ` +
        `give it metadata: with timezone, start, end and desiredReplicas, ${REWRITE}`,
    );
  }
  const value = (key: 'timezone' | 'start' | 'end' | 'desiredReplicas', example: string): { text: string; node: unknown } => {
    const node = getKey(meta, key);
    const at = `${file.path}:${nodeLine(file.text, node, nodeLine(file.text, meta, itemLine))}: ${path}.metadata.${key}`;
    if (node === undefined) {
      throw new ManifestError(`${at} is missing in cron trigger ${JSON.stringify(name)}; ${OWNERSHIP}: add ${key}: ${example}, ${REWRITE}`);
    }
    const s = str(node);
    if (s === undefined || s.trim() === '') {
      throw new ManifestError(
        `${at} is ${node === null || (isScalar(node) && (node.value === null || node.value === '')) ? 'empty' : describeNode(node)}, not a string, ` +
          `in cron trigger ${JSON.stringify(name)}; ${OWNERSHIP}: write ${key}: ${example}, ${REWRITE}`,
      );
    }
    return { text: s, node };
  };
  const timezone = value('timezone', 'Europe/Berlin');
  const start = value('start', '0 8 * * *');
  const end = value('end', '0 18 * * *');
  const desired = value('desiredReplicas', '"10"');
  const n = wholeNumber(desired.node);
  if (n === undefined) {
    throw new ManifestError(
      `${file.path}:${nodeLine(file.text, desired.node, itemLine)}: ${path}.metadata.desiredReplicas is ${JSON.stringify(desired.text)}, ` +
        `not a whole number of replicas, in cron trigger ${JSON.stringify(name)}; ${OWNERSHIP}: write it as a quoted whole number such as desiredReplicas: "10", ${REWRITE}`,
    );
  }
  return { name, timezone: timezone.text, start: start.text, end: end.text, desiredReplicas: n };
}

function otherLabel(item: unknown): string {
  if (!isMap(item)) return `? (${describeNode(item)})`;
  const type = strAt(item, 'type') ?? '?';
  const name = strAt(item, 'name');
  return name !== undefined && name !== '' ? `${type} (${name})` : type;
}

/**
 * Reads spec.minReplicaCount, spec.maxReplicaCount and spec.triggers of a ScaledObject document.
 * Returns a string (the reason) when the triggers are not a list Augur can read.
 */
function readScaledObject(file: ParsedFile, root: YAMLMap): ReadSO | string {
  const spec = getKey(root, 'spec');
  if (!isMap(spec)) return `spec is ${describeNode(spec)}, not a map`;
  const out: ReadSO = { spec, triggers: [], countNotes: [] };
  for (const key of ['minReplicaCount', 'maxReplicaCount'] as const) {
    const node = getKey(spec, key);
    if (node === undefined || node === null) continue;
    const n = wholeNumber(node);
    if (n === undefined) {
      out.countNotes.push(`${file.path}:${nodeLine(file.text, node, 1)}: spec.${key} is ${describeNode(node)}, not a whole number; ignored`);
    } else out[key] = n;
  }
  const pair = spec.items.find((p) => isScalar(p.key) && String(p.key.value) === 'triggers');
  if (pair) out.pair = pair;
  const node = pair?.value;
  if (pair === undefined || node === null || node === undefined || (isScalar(node) && node.value === null)) return out;
  if (isAlias(node)) return `spec.triggers is an alias (*${node.source})`;
  if (!isSeq(node)) return `spec.triggers is ${describeNode(node)}, not a list`;
  node.items.forEach((item, index) => {
    const entry: TriggerEntry = { index, node: item, label: otherLabel(item) };
    const name = strAt(item, 'name');
    if (name !== undefined) entry.name = name;
    if (isAugur(item)) entry.augur = readAugurTrigger(file, item, index, name ?? '');
    out.triggers.push(entry);
  });
  return out;
}

/**
 * The ScaledObjectSite of a ScaledObject document as written. Notes (and undefined) when its
 * triggers are not a list; a malformed Augur trigger is a ManifestError.
 */
export function scaledObjectSite(ctx: Ctx, doc: ResourceDoc): ScaledObjectSite | undefined {
  const label = `${doc.kind}/${doc.name}`;
  const read = readScaledObject(doc.file, doc.root);
  if (typeof read === 'string') {
    ctx.note(`${label} (${where(doc)}): ${read}; Augur does not read or edit its triggers`);
    return undefined;
  }
  for (const n of read.countNotes) ctx.note(`${label}: ${n}`);
  const site: ScaledObjectSite = {
    file: doc.file.path,
    documentIndex: doc.docIndex,
    label,
    augurTriggers: read.triggers.flatMap((t) => (t.augur ? [t.augur] : [])),
    otherTriggers: read.triggers.filter((t) => !t.augur).map((t) => t.label),
  };
  if (read.minReplicaCount !== undefined) site.minReplicaCount = read.minReplicaCount;
  if (read.maxReplicaCount !== undefined) site.maxReplicaCount = read.maxReplicaCount;
  return site;
}

// ---------------------------------------------------------------------------------------------
// Validation of what Augur writes

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CRON_ITEM = String.raw`(?:\*|\d{1,4}(?:-\d{1,4})?)(?:\/\d{1,4})?`;
const CRON_FIELD = new RegExp(`^${CRON_ITEM}(?:,${CRON_ITEM})*$`);
const TIMEZONE = /^[A-Za-z_+\-/0-9]+$/;
/** Plain scalars YAML 1.1 or 1.2 would read as something other than a string. */
const NOT_A_STRING = /^(?:y|yes|n|no|true|false|on|off|null|~|[-+]?\.?\d.*)$/i;


function validateTriggers(site: ScaledObjectSite, triggers: CronWindowTrigger[]): void {
  if (!Array.isArray(triggers)) throw new ManifestError(`${site.label}: the cron triggers to write must be a list`);
  const seen = new Set<string>();
  triggers.forEach((t, i) => {
    const at = `${site.label}: cron trigger [${i}]`;
    const name: unknown = t?.name;
    if (typeof name !== 'string' || !name.startsWith(AUGUR_TRIGGER_PREFIX) || name.length > 63 || !NAME.test(name)) {
      throw new ManifestError(
        `${at}: name ${JSON.stringify(name)} is not an Augur trigger name; use "${AUGUR_TRIGGER_PREFIX}" followed by lowercase letters, digits and "-" ` +
          `(a Kubernetes name of at most 63 characters ending in a letter or digit), e.g. "augur-window-1"`,
      );
    }
    if (seen.has(name)) throw new ManifestError(`${at}: name ${JSON.stringify(name)} is used twice; KEDA needs unique trigger names: number the windows`);
    seen.add(name);
    const label = `${at} (${name})`;
    for (const key of ['start', 'end'] as const) {
      const v: unknown = t[key];
      const fields = typeof v === 'string' ? v.split(' ') : [];
      if (typeof v !== 'string' || fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
        throw new ManifestError(
          `${label}: ${key} ${JSON.stringify(v)} is not a 5-field cron expression (minute hour day-of-month month day-of-week, ` +
            `single spaces, digits and * , - / only); write it like "0 8 * * 1-5"`,
        );
      }
    }
    if (t.start === t.end) {
      throw new ManifestError(`${label}: start and end are both ${JSON.stringify(t.start)}; KEDA rejects a window that opens and closes at once: give them different times`);
    }
    const tz: unknown = t.timezone;
    if (typeof tz !== 'string' || !TIMEZONE.test(tz) || !isTimeZone(tz)) {
      throw new ManifestError(
        `${label}: timezone ${JSON.stringify(tz)} is not an IANA time zone name (letters, digits, _ + - / only); use one such as "Europe/Berlin" or "UTC"`,
      );
    }
    const d: unknown = t.desiredReplicas;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DESIRED_REPLICAS) {
      throw new ManifestError(`${label}: desiredReplicas ${JSON.stringify(d)} is not a whole number from 1 to ${MAX_DESIRED_REPLICAS}; fix the schedule`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering and positions

function renderCron(s: string): string {
  return s.startsWith('*') ? `"${s}"` : s;
}

function renderTimezone(s: string): string {
  return NOT_A_STRING.test(s) || !/^[A-Za-z]/.test(s) ? `"${s}"` : s;
}

interface Style {
  /** Column of the "-" of each entry. */
  dash: number;
  /** Column of an entry's keys (type, name, metadata). */
  content: number;
  /** Extra indentation of metadata's keys relative to `content`. */
  meta: number;
}

function renderTrigger(t: CronWindowTrigger, s: Style): string[] {
  const c = ' '.repeat(s.content);
  const m = ' '.repeat(s.content + s.meta);
  return [
    `${' '.repeat(s.dash)}-${' '.repeat(s.content - s.dash - 1)}type: cron`,
    `${c}name: ${t.name}`,
    `${c}metadata:`,
    `${m}timezone: ${renderTimezone(t.timezone)}`,
    `${m}start: ${renderCron(t.start)}`,
    `${m}end: ${renderCron(t.end)}`,
    `${m}desiredReplicas: "${t.desiredReplicas}"`,
  ];
}

class Text {
  constructor(readonly s: string) {}

  lineStart(pos: number): number {
    return this.s.lastIndexOf('\n', pos - 1) + 1;
  }

  /** Offset just past the end of the line holding pos, its line break included. */
  lineEndIncl(pos: number): number {
    const i = this.s.indexOf('\n', pos);
    return i < 0 ? this.s.length : i + 1;
  }

  col(pos: number): number {
    return pos - this.lineStart(pos);
  }

  /** Back over spaces and line breaks. */
  trimBack(pos: number): number {
    let p = pos;
    while (p > 0 && /[ \t\r\n]/.test(this.s[p - 1] ?? '')) p--;
    return p;
  }

  /** The line break of the line holding pos, else the file's first, else "\n". */
  eol(pos: number): string {
    const i = this.s.indexOf('\n', pos);
    const j = i >= 0 ? i : this.s.indexOf('\n');
    return j > 0 && this.s[j - 1] === '\r' ? '\r\n' : '\n';
  }
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  const r = node && typeof node === 'object' && 'range' in node ? (node as { range?: unknown }).range : undefined;
  return Array.isArray(r) && r.length >= 2 ? (r as [number, number, number]) : undefined;
}

function isEmptyScalar(node: unknown, t: Text): boolean {
  if (node === null || node === undefined) return true;
  if (!isScalar(node) || node.value !== null) return false;
  const r = rangeOf(node);
  return !r || t.s.slice(r[0], r[1]).trim() === '';
}

/** Offset just past the last character of a node's content (its trailing comments excluded). */
function contentEnd(node: unknown, t: Text): number | undefined {
  if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0) {
    const last = node.items[node.items.length - 1];
    if (isPair(last)) {
      const v = isEmptyScalar(last.value, t) ? undefined : contentEnd(last.value, t);
      return v ?? contentEnd(last.key, t);
    }
    return contentEnd(last, t);
  }
  const r = rangeOf(node);
  return r ? t.trimBack(r[1]) : undefined;
}

/** Offset of the "-" that starts a block list entry. */
function dashOf(item: unknown, t: Text, what: string): number {
  const r = rangeOf(item);
  if (!r) throw new ManifestError(`${what} has no source position; Augur cannot edit the list around it`);
  let p = r[0] - 1;
  while (p >= 0 && /[ \t\r\n]/.test(t.s[p] ?? '')) p--;
  if (p < 0 || t.s[p] !== '-' || t.s.slice(t.lineStart(p), p).trim() !== '') {
    throw new ManifestError(
      `${what}: Augur cannot find the "-" that starts this entry (an anchor, tag or comment sits between); ` +
        'Augur edits lists written as "- key: value" entries: rewrite this entry that way',
    );
  }
  return p;
}

/** A block list entry: the offset of its "-", and [start, end) from its "-" line to the end of its last content line. */
interface Span {
  dash: number;
  start: number;
  end: number;
}

/** [start, end) of a block list entry: from its "-" line to the end of its last content line. */
function spanOf(item: unknown, t: Text, what: string): Span {
  const dash = dashOf(item, t, what);
  const end = contentEnd(item, t) ?? dash + 1;
  return { dash, start: t.lineStart(dash), end: t.lineEndIncl(Math.max(end - 1, dash)) };
}

/** Indentation one level deeper adds in this document (spec's keys relative to spec). */
function unitOf(root: YAMLMap, spec: YAMLMap, t: Text): number {
  const specPair = root.items.find((p) => isScalar(p.key) && String(p.key.value) === 'spec');
  const k = rangeOf(specPair?.key);
  const c = rangeOf(spec.items[0]?.key);
  if (!k || !c) return 2;
  const unit = t.col(c[0]) - t.col(k[0]);
  return unit > 0 && unit <= 8 ? unit : 2;
}

/** How far this document indents a block list under its key (0 or more), when it has one. */
function seqOffsetOf(doc: Document.Parsed, t: Text): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (found !== undefined) return visit.BREAK;
      const v = pair.value;
      const k = rangeOf(pair.key);
      if (!isSeq(v) || v.flow || v.items.length === 0 || !k) return undefined;
      try {
        const dash = dashOf(v.items[0], t, 'list');
        if (t.lineStart(k[0]) !== t.lineStart(dash) && t.s.slice(t.lineStart(k[0]), k[0]).trim() === '') found = t.col(dash) - t.col(k[0]);
      } catch {
        // not a layout to copy
      }
      return undefined;
    },
  });
  return found !== undefined && found >= 0 && found <= 8 ? found : undefined;
}

/** The style of an existing block list of triggers. */
function styleOfSeq(seq: YAMLSeq, unit: number, t: Text): Style {
  const first = seq.items[0];
  const dash = dashOf(first, t, 'spec.triggers[0]');
  const r = rangeOf(first);
  const content = r && t.col(r[0]) > t.col(dash) ? t.col(r[0]) : t.col(dash) + 2;
  let meta = unit;
  for (const item of seq.items) {
    const m = getKey(item, 'metadata');
    const mr = rangeOf(isMap(m) && !m.flow ? m.items[0]?.key : undefined);
    const ir = rangeOf(item);
    if (mr && ir && isMap(item) && !item.flow) {
      const d = t.col(mr[0]) - t.col(ir[0]);
      if (d > 0 && d <= 8) {
        meta = d;
        break;
      }
    }
  }
  return { dash: t.col(dash), content, meta };
}

function lines(ls: string[], eol: string): string {
  return ls.map((l) => l + eol).join('');
}

function sameTriggers(a: CronWindowTrigger[], b: CronWindowTrigger[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i] as CronWindowTrigger;
      return x.name === y.name && x.timezone === y.timezone && x.start === y.start && x.end === y.end && x.desiredReplicas === y.desiredReplicas;
    })
  );
}

function loadSite(repo: RepoView, site: ScaledObjectSite): { file: ParsedFile; doc: Document.Parsed; root: YAMLMap; read: ReadSO } {
  const path = normPath(site.file);
  if (path.startsWith('../') || path === '..' || path.startsWith('/')) {
    throw new ManifestError(`${site.file}: outside the manifest repository; refusing to edit it`);
  }
  const text = repo.read(path);
  if (text === undefined) {
    throw new ManifestError(`${path}: no such file in the manifest repository; ${site.label} cannot be edited. Locate the workload again`);
  }
  const file = parseText(path, text);
  if (file.errors.length > 0) throw new ManifestError(`${file.errors[0]} (the file of ${site.label}); fix the YAML syntax in ${path}`);
  const doc = file.docs[site.documentIndex];
  const root = doc?.contents;
  const [kind, name] = site.label.split('/');
  if (!doc || !isMap(root) || strAt(root, 'kind') !== kind || strAt(root, 'metadata', 'name') !== name) {
    throw new ManifestError(
      `${path}: document ${site.documentIndex + 1} is not ${site.label} any more; the file changed since it was read. Locate the workload again on the current commit`,
    );
  }
  const read = readScaledObject(file, root);
  if (typeof read === 'string') throw new ManifestError(`${path}: ${site.label}: ${read}; Augur edits triggers written as a block list only`);
  return { file, doc, root, read };
}

/** A document's value with Augur's triggers left out (and no triggers the same as an empty list). */
function withoutAugur(doc: Document.Parsed): unknown {
  const js: unknown = doc.toJS({ maxAliasCount: -1 });
  const spec = js && typeof js === 'object' ? (js as Record<string, unknown>).spec : undefined;
  if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
    const s = spec as Record<string, unknown>;
    const list = Array.isArray(s.triggers) ? s.triggers : [];
    const kept = list.filter((t) => !(t && typeof t === 'object' && t.type === 'cron' && typeof t.name === 'string' && t.name.startsWith(AUGUR_TRIGGER_PREFIX)));
    if (kept.length > 0) s.triggers = kept;
    else delete s.triggers;
  }
  return js;
}

/** Where and what to write, before it is checked. */
interface Splice {
  range: [number, number];
  to: string;
}

/** What each step of a splice reads. */
interface SpliceCtx {
  path: string;
  label: string;
  t: Text;
  doc: Document.Parsed;
  read: ReadSO;
  triggers: CronWindowTrigger[];
  /** Indentation one level deeper adds in this document. */
  unit: number;
}

function computeSplice(file: ParsedFile, doc: Document.Parsed, root: YAMLMap, read: ReadSO, triggers: CronWindowTrigger[], label: string): Splice {
  const t = new Text(file.text);
  const spec = read.spec;
  if (spec.flow) {
    throw new ManifestError(`${file.path}: ${label}: spec is a flow map ({...}); Augur adds triggers to block maps only: write spec as one key per line`);
  }
  const c: SpliceCtx = { path: file.path, label, t, doc, read, triggers, unit: unitOf(root, spec, t) };
  const seq = read.pair?.value;

  // A block list with entries: replace Augur's entries, or append after the last entry.
  if (isSeq(seq) && !seq.flow && seq.items.length > 0) return spliceBlockList(c, seq);

  if (isSeq(seq) && seq.items.length > 0) {
    throw new ManifestError(
      `${file.path}:${nodeLine(t.s, seq, 1)}: ${label}: spec.triggers is a flow list ([...]); Augur edits block lists only: ` +
        'rewrite it with one "- type: ..." entry per line',
    );
  }

  // `triggers: []`, `triggers:`, `triggers: ~`: replace the empty value (after the colon) with a block list.
  if (read.pair) return spliceEmptyValue(c, read.pair);

  // No triggers key: add one as spec's last key.
  return spliceNewKey(c, spec);
}

/** Lines inserted at `at`, each with its line break; at the end of a file whose last line has none, the break goes first instead. */
function insertedLines(t: Text, at: number, ls: string[], eol: string): string {
  const atEofWithoutBreak = at === t.s.length && !t.s.endsWith('\n');
  return atEofWithoutBreak ? eol + ls.join(eol) : lines(ls, eol);
}

/** A block list with entries: Augur's entries replaced, or the triggers appended after the last entry when there are none. */
function spliceBlockList(c: SpliceCtx, seq: YAMLSeq): Splice {
  const { t } = c;
  const style = styleOfSeq(seq, c.unit, t);
  const spans = seq.items.map((item, i) => spanOf(item, t, `${c.path}:${nodeLine(t.s, item, 1)}: spec.triggers[${i}]`));
  const eol = t.eol(spans[0]?.start ?? 0);
  const rendered = c.triggers.flatMap((tr) => renderTrigger(tr, style));
  const augur = c.read.triggers.filter((e) => e.augur).map((e) => e.index);
  if (augur.length === 0) {
    const at = (spans[spans.length - 1] as Span).end;
    return { range: [at, at], to: insertedLines(t, at, rendered, eol) };
  }
  if (c.triggers.length === 0 && augur.length === seq.items.length) {
    throw new ManifestError(
      `${c.path}: ${c.label}: spec.triggers holds only Augur's cron triggers and the new schedule has none; KEDA needs at least one trigger. ` +
        'Add another trigger (e.g. cpu) by hand or remove the ScaledObject',
    );
  }
  return replaceAugurEntries(c, spans, augur, lines(rendered, eol), eol);
}

/**
 * The text from Augur's first entry to its last, rewritten: Augur's entries dropped, the other
 * entries and comment lines between them kept with their bytes, and `rendered` where the last
 * of Augur's entries was.
 */
function replaceAugurEntries(c: SpliceCtx, spans: Span[], augur: number[], rendered: string, eol: string): Splice {
  const { t } = c;
  const first = augur[0] as number;
  const last = augur[augur.length - 1] as number;
  const from = (spans[first] as Span).start;
  const to = (spans[last] as Span).end;
  let out = '';
  let pos = from;
  for (let i = first; i <= last; i++) {
    const sp = spans[i] as Span;
    out += t.s.slice(pos, sp.start);
    if (c.read.triggers[i]?.augur) {
      if (i === last) out += rendered;
    } else out += t.s.slice(sp.start, sp.end);
    pos = sp.end;
  }
  // A file that ended without a line break still does.
  if (to === t.s.length && !t.s.endsWith('\n') && out.endsWith(eol)) out = out.slice(0, -eol.length);
  return { range: [from, to], to: out };
}

/** `triggers: []`, `triggers:` or `triggers: ~`: the empty value (after the colon) replaced with a block list. */
function spliceEmptyValue(c: SpliceCtx, pair: Pair): Splice {
  const { t, path, label } = c;
  const key = rangeOf(pair.key);
  if (!key) throw new ManifestError(`${path}: ${label}: spec.triggers has no source position; not edited`);
  const colon = t.s.indexOf(':', key[1]);
  if (colon < 0 || t.s.slice(key[1], colon).trim() !== '') {
    throw new ManifestError(`${path}:${lineOf(t.s, key[0])}: ${label}: cannot find the ":" after spec.triggers; write it as "triggers: []"`);
  }
  const v = pair.value;
  const vr = isEmptyScalar(v, t) ? undefined : rangeOf(v);
  const valueStart = vr ? vr[0] : colon + 1;
  const valueEnd = vr ? vr[1] : colon + 1;
  if (/[^ \t]/.test(t.s.slice(colon + 1, valueStart))) {
    throw new ManifestError(`${path}:${lineOf(t.s, key[0])}: ${label}: the value of spec.triggers does not start on the key's line; write it as "triggers: []"`);
  }
  const lineEnd = t.lineEndIncl(valueEnd);
  const rest = t.s.slice(valueEnd, lineEnd).replace(/\r?\n$/, '');
  const eol = t.eol(key[0]);
  const offset = seqOffsetOf(c.doc, t) ?? c.unit;
  const dash = t.col(key[0]) + offset;
  const rendered = c.triggers.flatMap((tr) => renderTrigger(tr, { dash, content: dash + 2, meta: c.unit }));
  const atEofWithoutBreak = lineEnd === t.s.length && !t.s.endsWith('\n');
  return { range: [colon + 1, lineEnd], to: rest + eol + (atEofWithoutBreak ? rendered.join(eol) : lines(rendered, eol)) };
}

/** No triggers key: `triggers:` and its block list added as spec's last key. */
function spliceNewKey(c: SpliceCtx, spec: YAMLMap): Splice {
  const { t } = c;
  const firstKey = rangeOf(spec.items[0]?.key);
  const end = contentEnd(spec, t);
  if (!firstKey || end === undefined) throw new ManifestError(`${c.path}: ${c.label}: spec has no source position; not edited`);
  const keyCol = t.col(firstKey[0]);
  const at = t.lineEndIncl(Math.max(end - 1, 0));
  const eol = t.eol(firstKey[0]);
  const offset = seqOffsetOf(c.doc, t) ?? c.unit;
  const dash = keyCol + offset;
  const rendered = [`${' '.repeat(keyCol)}triggers:`, ...c.triggers.flatMap((tr) => renderTrigger(tr, { dash, content: dash + 2, meta: c.unit }))];
  return { range: [at, at], to: insertedLines(t, at, rendered, eol) };
}

/**
 * The one block edit that makes the ScaledObject's Augur-owned cron triggers exactly `triggers`,
 * in order, leaving every other trigger, comment and byte of the file as it is; undefined when
 * they already are. The file is read again from `repo`; `from` is the text of the range now.
 * Throws ManifestError when a trigger is invalid (name, cron, timezone, desiredReplicas), when an
 * Augur trigger in the file is malformed, or when the triggers are written in a shape Augur does
 * not edit (a non-empty flow list, an alias, entries it cannot delimit).
 */
export function scheduleEdit(repo: RepoView, site: ScaledObjectSite, triggers: CronWindowTrigger[]): BlockEdit | undefined {
  validateTriggers(site, triggers);
  const { file, doc, root, read } = loadSite(repo, site);
  const current = read.triggers.flatMap((e) => (e.augur ? [e.augur] : []));
  if (sameTriggers(current, triggers)) return undefined;
  const taken = read.triggers.filter((e) => !e.augur && e.name !== undefined).map((e) => e.name);
  for (const tr of triggers) {
    if (taken.includes(tr.name)) {
      throw new ManifestError(`${file.path}: ${site.label}: another trigger is already named ${JSON.stringify(tr.name)}; KEDA needs unique trigger names: rename one`);
    }
  }
  const splice = computeSplice(file, doc, root, read, triggers, site.label);
  const [start, end] = splice.range;
  const edit: BlockEdit = { file: file.path, yamlPath: 'spec.triggers', range: [start, end], from: file.text.slice(start, end), to: splice.to };

  // Check the result the way the next locate will read it: exactly these Augur triggers, and every
  // other value of the file (other triggers included) the same as before.
  const after = parseText(file.path, file.text.slice(0, start) + splice.to + file.text.slice(end));
  const afterRoot = after.docs[site.documentIndex]?.contents;
  const reread = after.errors.length === 0 && isMap(afterRoot) ? readScaledObject(after, afterRoot) : (after.errors[0] ?? 'not a map');
  let problem: string | undefined;
  if (typeof reread === 'string') problem = reread;
  else if (!sameTriggers(reread.triggers.flatMap((e) => (e.augur ? [e.augur] : [])), triggers)) problem = "Augur's triggers differ";
  else if (after.docs.length !== file.docs.length || !after.docs.every((d, i) => isDeepStrictEqual(withoutAugur(d), withoutAugur(file.docs[i] as Document.Parsed)))) {
    problem = 'other values change';
  }
  if (problem !== undefined) {
    throw new ManifestError(
      `${file.path}: ${site.label}: the edited spec.triggers would not read back as written (${problem}); not edited. Please report this with the file`,
    );
  }
  return edit;
}
