import { isAlias, isCollection, isMap, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { FieldKey, FieldLocation, RepoView } from '../domain/workload.js';
import { ManifestError } from '../domain/errors.js';
import { isYamlFile, normPath } from './paths.js';
import { parseQuantity } from '../domain/quantity.js';

export interface ParsedFile {
  path: string;
  text: string;
  docs: Document.Parsed[];
  /** Parse errors, as "file:line: message"; empty when the file is valid YAML. */
  errors: string[];
  /** For YAML parsed from a string inside a file (embedded-yaml.ts): the document of that file holding it, and how many it has. */
  embeddedIn?: { docIndex: number; docCount: number };
}

/**
 * Where something is, for messages: "file:line", with "(document N)" when the file holds several
 * documents, so a reader finds it in a 35-document file.
 */
export function fileAt(file: ParsedFile, docIndex: number, offset?: number): string {
  const d = file.embeddedIn ?? { docIndex, docCount: file.docs.length };
  const line = offset === undefined ? '' : `:${lineOf(file.text, offset)}`;
  return `${file.path}${line}${d.docCount > 1 ? ` (document ${d.docIndex + 1})` : ''}`;
}

/** The start offset of a YAML node, when it has a source range. */
export function startOf(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? Number(node.range[0]) : undefined;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function parseText(path: string, text: string): ParsedFile {
  const docs = Array.from(parseAllDocuments(text, { prettyErrors: false }));
  const errors: string[] = [];
  for (const d of docs) {
    for (const e of d.errors) errors.push(`${path}:${lineOf(text, e.pos[0])}: ${e.message.split('\n')[0] ?? e.message}`);
  }
  return { path, text, docs, errors };
}

/**
 * Files parsed from one RepoView (a cycle's checkout), shared by every Ctx over it: a file's YAML
 * is parsed once per cycle, not once per target that reads it (a directory of 50 workloads was
 * parsed 50 times, once per workload looking for its HPA among the siblings). Checked by text, so
 * a view whose file changed parses it again. The parsed files are frozen (nothing edits a
 * document: edits are text splices, see edit.ts) and the most recently used few hundred are kept,
 * so memory follows the targets in flight, not the repository.
 */
const PARSED_PER_VIEW = 512;
const parsedByView = new WeakMap<RepoView, Map<string, ParsedFile>>();
/** Searches across a snapshot view (Ctx.yamlFilesMentioning), kept while the view lives. */
const searchesByView = new WeakMap<RepoView, Map<string, readonly string[]>>();

export function parseShared(repo: RepoView, path: string, text: string): ParsedFile {
  let cache = parsedByView.get(repo);
  if (!cache) parsedByView.set(repo, (cache = new Map()));
  const hit = cache.get(path);
  if (hit && hit.text === text) {
    cache.delete(path); // most recently used last
    cache.set(path, hit);
    return hit;
  }
  const parsed = parseText(path, text);
  Object.freeze(parsed.docs);
  Object.freeze(parsed.errors);
  Object.freeze(parsed);
  cache.set(path, parsed);
  if (cache.size > PARSED_PER_VIEW) cache.delete(cache.keys().next().value!);
  return parsed;
}

/** Per-call state: the repository, the files read (in order) and notes collected on the way. */
export class Ctx {
  readonly filesRead: string[] = [];
  readonly notes: string[] = [];
  private readonly cache = new Map<string, ParsedFile | null>();
  private readonly texts = new Map<string, string | undefined>();

  constructor(readonly repo: RepoView) {}

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  /** Raw content, cached; undefined when the file does not exist. Paths outside the repository are refused. */
  private text(path: string): string | undefined {
    const p = normPath(path);
    if (p.startsWith('../') || p === '..' || p.startsWith('/')) {
      throw new ManifestError(`${path}: outside the manifest repository; paths must stay inside it (fix path:, hpaPath: or the kustomization that names it)`);
    }
    if (!this.texts.has(p)) this.texts.set(p, this.repo.read(p));
    return this.texts.get(p);
  }

  exists(path: string): boolean {
    return this.text(path) !== undefined;
  }

  /** Raw content without recording the file as read (for searches that read many files and use few). */
  peek(path: string): string | undefined {
    return this.text(path);
  }

  /** Parsed content of a file, or undefined when it does not exist. Records the file as read. */
  parsed(path: string): ParsedFile | undefined {
    const p = normPath(path);
    const hit = this.cache.get(p);
    if (hit !== undefined) return hit ?? undefined;
    const text = this.text(p);
    if (text === undefined) {
      this.cache.set(p, null);
      return undefined;
    }
    const parsed = parseShared(this.repo, p, text);
    this.cache.set(p, parsed);
    if (!this.filesRead.includes(p)) this.filesRead.push(p);
    return parsed;
  }

  /** Like parsed(), but a file with YAML errors is a ManifestError. */
  parsedStrict(path: string, why: string): ParsedFile | undefined {
    const f = this.parsed(path);
    if (f && f.errors.length > 0) {
      throw new ManifestError(`${f.errors[0]} (${why}); fix the YAML syntax in ${f.path}`);
    }
    return f;
  }

  /** YAML files directly in a directory, sorted. */
  yamlFilesIn(dir: string): string[] {
    return this.repo
      .list(normPath(dir))
      .map(normPath)
      .filter(isYamlFile)
      .sort();
  }

  /**
   * YAML files under a directory whose text mentions `word` and is at most `maxBytes` long: the
   * candidates of a search across the repository. Kept per snapshot view, so a cycle walks the
   * repository once for all its targets rather than once per target.
   */
  yamlFilesMentioning(dir: string, word: string, maxBytes: number): string[] {
    const find = () => this.yamlFilesUnder(dir).filter((p) => {
      const text = this.text(p);
      return text !== undefined && text.length <= maxBytes && text.includes(word);
    });
    if (!this.repo.snapshot) return find();
    let kept = searchesByView.get(this.repo);
    if (!kept) searchesByView.set(this.repo, (kept = new Map()));
    const key = JSON.stringify([dir, word, maxBytes]);
    let found = kept.get(key);
    if (!found) kept.set(key, (found = Object.freeze(find())));
    return [...found];
  }

  /**
   * YAML files of the whole repository, sorted, for searches across it: hidden directories (.git,
   * .github...) and node_modules are skipped, and so is anything deeper than 24 levels or past
   * 20,000 entries. A directory shows only when the RepoView lists directories as well as files.
   */
  yamlFilesUnder(dir: string): string[] {
    const out: string[] = [];
    let budget = 20_000;
    const walk = (d: string, depth: number): void => {
      for (const entry of this.repo.list(d).map(normPath)) {
        if (--budget < 0) return;
        const name = entry.slice(entry.lastIndexOf('/') + 1);
        if (isYamlFile(entry) && this.text(entry) !== undefined) out.push(entry);
        else if (!SKIP_DIR.test(name) && depth < 24 && !isYamlFile(entry)) walk(entry, depth + 1);
      }
    };
    walk(normPath(dir), 0);
    return [...new Set(out)].sort();
  }
}

/** Directories a search across the repository skips. */
const SKIP_DIR = /^(\..*|node_modules)$/;

/** The value node under a map key, or undefined when the node is not a map or has no such key. */
export function getKey(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    const k = pair.key;
    if (isScalar(k) ? String(k.value) === key : false) return pair.value ?? null;
  }
  return undefined;
}

export function hasKey(node: unknown, key: string): boolean {
  return getKey(node, key) !== undefined;
}

/** The string value of a scalar node, or undefined. */
export function str(node: unknown): string | undefined {
  if (isScalar(node) && node.value !== null && node.value !== undefined) {
    const v = node.value;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  }
  return undefined;
}

export function strAt(node: unknown, ...keys: string[]): string | undefined {
  let cur: unknown = node;
  for (const k of keys) cur = getKey(cur, k);
  return str(cur);
}

export function asMap(node: unknown): YAMLMap | undefined {
  return isMap(node) ? node : undefined;
}

export function asSeq(node: unknown): YAMLSeq | undefined {
  return isSeq(node) ? node : undefined;
}

/** Result of looking for one field in one place. */
export type Lookup =
  | { kind: 'found'; loc: FieldLocation }
  /** `written`: the value as written where it could not be edited, when it could be read (a shared base). */
  | { kind: 'blocked'; note: string; written?: string }
  | { kind: 'none' };

export const NONE: Lookup = { kind: 'none' };

export function describeNode(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return `an alias (*${node.source})`;
  if (isScalar(node)) return JSON.stringify(node.value);
  return String(node);
}

export interface ScalarSite {
  field: FieldKey;
  file: ParsedFile;
  docIndex: number;
  yamlPath: string;
  /** Helm values: a map or list here is a wrong key path (ManifestError) rather than a blocked field. */
  strictShape?: boolean;
  /** How to fix a wrong shape, for ManifestError messages. */
  fix?: string;
  /** The caller checked that no alias uses the scalar's anchor, so editing it changes nothing else. */
  anchorFree?: boolean;
  /** Another way out when the value cannot be edited here, e.g. "point helm.replicas at another key". */
  retarget?: string;
}

/** An example value of a field, for fixes such as "write `replicas: 1` there". */
export function exampleOf(field: FieldKey | 'hpa.enabled'): string {
  if (field === 'hpa.enabled') return 'true';
  if (field === 'replicas' || field.startsWith('hpa.')) return '1';
  return field.startsWith('cpu.') ? '100m' : '128Mi';
}

function blockedAt(site: ScalarSite, offset: number | undefined, what: string, fix: string): Lookup {
  const alt = site.retarget ? `, or ${site.retarget}` : '';
  return { kind: 'blocked', note: `${site.field}: ${fileAt(site.file, site.docIndex, offset)}: ${site.yamlPath} ${what}; ${fix}${alt}` };
}

/** Anchor names some alias of the document uses, found once per (frozen, shared) document. */
const aliasedByDoc = new WeakMap<Document.Parsed, ReadonlySet<string>>();
function aliased(doc: Document.Parsed): ReadonlySet<string> {
  let used = aliasedByDoc.get(doc);
  if (!used) {
    const names = new Set<string>();
    visit(doc, { Alias: (_k, a) => void names.add(a.source) });
    aliasedByDoc.set(doc, (used = names));
  }
  return used;
}

/**
 * The anchored map or list holding `node` (with `self`, `node` too) whose anchor an alias of the
 * document reuses: a value edited or a key added inside it would change the alias's place as well.
 */
function sharedHolder(file: ParsedFile, node: unknown, self: boolean): { anchor: string; line?: number } | undefined {
  for (const doc of file.docs) {
    const used = aliased(doc);
    let found: readonly unknown[] | undefined;
    if (used.size > 0) {
      visit(doc, (_k, n, path) => {
        if (n !== node) return undefined;
        found = self ? [...path, n] : path;
        return visit.BREAK;
      });
    }
    if (!found) continue;
    for (const a of found) {
      if (!isCollection(a) || !a.anchor || !used.has(a.anchor)) continue;
      // A block map or list starts on the line after its anchor: the line of the `&name` itself.
      const at = a.range ? file.text.lastIndexOf(`&${a.anchor}`, a.range[0]) : -1;
      return { anchor: a.anchor, ...(a.range ? { line: lineOf(file.text, at < 0 ? a.range[0] : at) } : {}) };
    }
    return undefined;
  }
  return undefined;
}

/** Why a node that is not a plain scalar cannot be edited, with the fix. */
function notScalar(site: ScalarSite, node: unknown): Lookup {
  const { field, file, yamlPath } = site;
  const start = startOf(node);
  const end = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? Number(node.range[1]) : undefined;
  if (node === null) return blockedAt(site, undefined, 'is empty', `write the value there (e.g. ${exampleOf(field)}) so Augur can edit it`);
  if (isAlias(node)) {
    return blockedAt(site, start, `is an alias (*${node.source}), so its value is written at the anchor`, `edit the anchor &${node.source} by hand, or write the value out in place of the alias`);
  }
  const src = start !== undefined && end !== undefined ? file.text.slice(start, end) : '';
  if (/\{\{/.test(src)) {
    return blockedAt(site, start, `is templated (${src.trim()}), and Augur edits values, not templates`, 'set the value where the template reads it (a format: helm target on the chart\'s values)');
  }
  if (site.strictShape) {
    const at = start === undefined ? file.path : `${file.path}:${lineOf(file.text, start)}`;
    throw new ManifestError(`${at}: ${yamlPath} is ${describeNode(node)}, not a scalar ${field} value; ${site.fix ?? 'point the key path at a scalar'}`);
  }
  return blockedAt(site, start, `is ${describeNode(node)}, not a scalar`, `write a single value there (e.g. ${exampleOf(field)})`);
}

/** The scalar's text as written and its quoting, or why it cannot be spliced in place. */
function scalarText(site: ScalarSite, node: Scalar, start: number, src: string): { raw: string; style: FieldLocation['style'] } | Lookup {
  const oneLine = 'write it on one line';
  if (node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') {
    const q = node.type === 'QUOTE_SINGLE' ? "'" : '"';
    if (src.length < 2 || !src.startsWith(q) || !src.endsWith(q) || /[\r\n]/.test(src)) return blockedAt(site, start, 'is a quoted scalar spanning lines', oneLine);
    return { raw: src.slice(1, -1), style: node.type === 'QUOTE_SINGLE' ? 'single' : 'double' };
  }
  if (node.type === 'PLAIN' || node.type === undefined) {
    if (/[\r\n]/.test(src)) return blockedAt(site, start, 'spans lines', oneLine);
    return { raw: src, style: 'plain' };
  }
  return blockedAt(site, start, `is a block scalar (${src.split(/\r?\n/)[0] ?? ''})`, `write it as a plain value on one line (e.g. ${exampleOf(site.field)})`);
}

/**
 * Turns the node found at a field's position into a FieldLocation, or explains why it cannot be
 * edited and what to do. `node` undefined means the key is absent (see insertionInMap).
 */
export function scalarAt(site: ScalarSite, node: unknown): Lookup {
  if (node === undefined) return NONE;
  const { field, file, yamlPath } = site;
  if (node === null || !isScalar(node)) return notScalar(site, node);
  const start = node.range?.[0];
  if (node.value === null || node.value === undefined) {
    return blockedAt(site, start, 'is empty', `write the value there (e.g. ${exampleOf(field)}) so Augur can edit it`);
  }
  if (!node.range || start === undefined) return blockedAt(site, undefined, 'has no source position', 'edit it by hand');
  if (node.anchor && !site.anchorFree) {
    return blockedAt(site, start, `carries the anchor &${node.anchor} and may be shared through aliases`, `edit it by hand, or remove the anchor if no alias (*${node.anchor}) uses it`);
  }
  const holder = sharedHolder(file, node, false);
  if (holder) {
    return blockedAt(site, start, `is inside the anchor &${holder.anchor} (line ${holder.line ?? '?'}), which an alias *${holder.anchor} reuses, so editing it would change that too`, 'write the values out separately (drop the anchor or the alias) to let Augur edit this one, or change it by hand');
  }
  const end = node.range[1];
  const src = file.text.slice(start, end);
  const t = scalarText(site, node, start, src);
  if ('kind' in t) return t;
  if (/\{\{/.test(src)) {
    return blockedAt(site, start, `is templated (${src}), and Augur edits values, not templates`, 'set the value where the template reads it (a format: helm target on the chart\'s values)');
  }
  try {
    parseQuantity(field, t.raw);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return blockedAt(site, start, `= ${JSON.stringify(t.raw)}: ${why}`, 'write such a value there, or edit it by hand if something substitutes it at deploy time');
  }
  return { kind: 'found', loc: { field, file: file.path, yamlPath, documentIndex: site.docIndex, range: [start, end], raw: t.raw, style: t.style } };
}

/**
 * Where `key: <value>` can be added to a block map that lacks it: on a line of its own, before the
 * first key that starts a line, with that key's indentation (`spec:` gets `replicas:` first, as
 * people write it). A flow map (`{}`), an empty value, a map whose keys never start a line or one
 * inside an anchor an alias reuses cannot take a key this way: blocked, with why and the fix.
 */
export function insertionInMap(site: ScalarSite, map: unknown, key: string): Lookup {
  const { field, file, yamlPath } = site;
  const text = file.text;
  const parent = parentPath(yamlPath);
  const by = `add ${key}: ${exampleOf(field)} there by hand`;
  if (!isMap(map)) return { kind: 'blocked', note: `${field}: ${fileAt(file, site.docIndex, startOf(map))}: ${parent} is ${describeNode(map)}, not a map; add ${yamlPath} by hand` };
  const at = fileAt(file, site.docIndex, startOf(map));
  if (map.flow) {
    return { kind: 'blocked', note: `${field}: ${at}: ${parent} is a flow map (${text.slice(map.range?.[0] ?? 0, map.range?.[1] ?? 0).trim()}), where Augur adds no key; write it as a block map (one key per line), or ${by}` };
  }
  const holder = sharedHolder(file, map, true);
  if (holder) {
    return { kind: 'blocked', note: `${field}: ${at}: ${yamlPath} would be added inside the anchor &${holder.anchor} (line ${holder.line ?? '?'}), which an alias *${holder.anchor} reuses, so it would change that too; write the values out separately (drop the anchor or the alias), or ${by}` };
  }
  for (const pair of map.items) {
    const k = pair.key;
    if (!isScalar(k) || !k.range) continue;
    const lineStart = text.lastIndexOf('\n', k.range[0] - 1) + 1;
    const indent = text.slice(lineStart, k.range[0]);
    if (!/^[ ]*$/.test(indent)) continue;
    // The line break of the key's own line (of the line before, when it is the last line), so a CRLF file stays CRLF.
    const nl = text.indexOf('\n', k.range[0]);
    const eol = text.charAt((nl < 0 ? lineStart - 1 : nl) - 1) === '\r' ? '\r\n' : '\n';
    return {
      kind: 'found',
      loc: { field, file: file.path, yamlPath, documentIndex: site.docIndex, range: [lineStart, lineStart], raw: '', style: 'plain', insert: { prefix: `${indent}${key}: `, suffix: eol } },
    };
  }
  return { kind: 'blocked', note: `${field}: ${at}: no key of ${parent} starts a line, so ${key} cannot be added beside them; ${by}` };
}

function parentPath(yamlPath: string): string {
  const i = yamlPath.lastIndexOf('.');
  return i < 0 ? '(the document root)' : yamlPath.slice(0, i);
}
