import { isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
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
    const parsed = parseText(p, text);
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
}

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
  | { kind: 'blocked'; note: string }
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
  /** Helm values: a map or list here is a wrong key path (ManifestError) rather than a note. */
  strictShape?: boolean;
  /** How to fix a wrong shape, for ManifestError messages. */
  fix?: string;
  /** The caller checked that no alias uses the scalar's anchor, so editing it changes nothing else. */
  anchorFree?: boolean;
}

/**
 * Turns the node found at a field's position into a FieldLocation, or explains why it cannot be
 * edited. `node` undefined means the key is absent.
 */
export function scalarAt(site: ScalarSite, node: unknown): Lookup {
  if (node === undefined) return NONE;
  const { field, file, yamlPath } = site;
  const text = file.text;
  if (node === null) return { kind: 'blocked', note: `${field}: ${file.path}: ${yamlPath} is empty; Augur does not add values` };
  if (isAlias(node)) {
    return { kind: 'blocked', note: `${field}: ${file.path}: ${yamlPath} is an alias (*${node.source}); edit the anchor by hand` };
  }
  if (!isScalar(node)) {
    const at = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? `:${lineOf(text, Number(node.range[0]))}` : '';
    const src = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)
      ? text.slice(Number(node.range[0]), Number(node.range[1]))
      : '';
    if (/\{\{/.test(src)) {
      return { kind: 'blocked', note: `${field}: ${file.path}${at}: ${yamlPath} is templated (${src.trim()}); not edited` };
    }
    if (site.strictShape) {
      throw new ManifestError(
        `${file.path}${at}: ${yamlPath} is ${describeNode(node)}, not a scalar ${field} value; ${site.fix ?? 'point the key path at a scalar'}`,
      );
    }
    return { kind: 'blocked', note: `${field}: ${file.path}${at}: ${yamlPath} is ${describeNode(node)}, not a scalar; not edited` };
  }
  const line = node.range ? lineOf(text, node.range[0]) : 0;
  if (node.value === null || node.value === undefined) {
    return { kind: 'blocked', note: `${field}: ${file.path}:${line}: ${yamlPath} is empty; Augur does not add values` };
  }
  if (!node.range) return { kind: 'blocked', note: `${field}: ${file.path}: ${yamlPath} has no source position; not edited` };
  if (node.anchor && !site.anchorFree) {
    return {
      kind: 'blocked',
      note: `${field}: ${file.path}:${line}: ${yamlPath} carries the anchor &${node.anchor} and may be shared through aliases; edit it by hand`,
    };
  }
  const [start, end] = node.range;
  const src = text.slice(start, end);
  let style: FieldLocation['style'];
  let raw: string;
  if (node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') {
    const q = node.type === 'QUOTE_SINGLE' ? "'" : '"';
    if (src.length < 2 || !src.startsWith(q) || !src.endsWith(q) || /[\r\n]/.test(src)) {
      return { kind: 'blocked', note: `${field}: ${file.path}:${line}: ${yamlPath} is a quoted scalar spanning lines; not edited` };
    }
    style = node.type === 'QUOTE_SINGLE' ? 'single' : 'double';
    raw = src.slice(1, -1);
  } else if (node.type === 'PLAIN' || node.type === undefined) {
    style = 'plain';
    raw = src;
    if (/[\r\n]/.test(raw)) {
      return { kind: 'blocked', note: `${field}: ${file.path}:${line}: ${yamlPath} spans lines; not edited` };
    }
  } else {
    return { kind: 'blocked', note: `${field}: ${file.path}:${line}: ${yamlPath} is a block scalar (${src.split(/\r?\n/)[0] ?? ''}); not edited` };
  }
  if (/\{\{/.test(src)) {
    return { kind: 'blocked', note: `${field}: ${file.path}:${line}: ${yamlPath} is templated (${src}); not edited` };
  }
  try {
    parseQuantity(field, raw);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { kind: 'blocked', note: `${file.path}:${line}: ${yamlPath} = ${JSON.stringify(raw)}: ${why}; not edited` };
  }
  return {
    kind: 'found',
    loc: { field, file: file.path, yamlPath, documentIndex: site.docIndex, range: [start, end], raw, style },
  };
}

/**
 * Where `key: <value>` can be added to a block map that lacks it: on a line of its own, before the
 * first key that starts a line, with that key's indentation (`spec:` gets `replicas:` first, as
 * people write it). A flow map (`{}`), an empty value or a map whose keys never start a line
 * cannot take a key this way: blocked, with why and the fix.
 */
export function insertionInMap(site: ScalarSite, map: unknown, key: string): Lookup {
  const { field, file, yamlPath } = site;
  const text = file.text;
  const at = (n: { range?: [number, number, number] | null } | undefined) => (n?.range ? `:${lineOf(text, n.range[0])}` : '');
  if (!isMap(map)) return { kind: 'blocked', note: `${field}: ${file.path}: ${parentPath(yamlPath)} is ${describeNode(map)}, not a map; add ${yamlPath} by hand` };
  if (map.flow) return { kind: 'blocked', note: `${field}: ${file.path}${at(map)}: ${parentPath(yamlPath)} is a flow map (${text.slice(map.range?.[0] ?? 0, map.range?.[1] ?? 0).trim()}); write it as a block map, or add ${yamlPath} by hand` };
  for (const pair of map.items) {
    const k = pair.key;
    if (!isScalar(k) || !k.range) continue;
    const lineStart = text.lastIndexOf('\n', k.range[0] - 1) + 1;
    const indent = text.slice(lineStart, k.range[0]);
    if (!/^[ ]*$/.test(indent)) continue;
    return {
      kind: 'found',
      loc: { field, file: file.path, yamlPath, documentIndex: site.docIndex, range: [lineStart, lineStart], raw: '', style: 'plain', insert: { prefix: `${indent}${key}: `, suffix: '\n' } },
    };
  }
  return { kind: 'blocked', note: `${field}: ${file.path}${at(map)}: no key of ${parentPath(yamlPath)} starts a line, so ${key} cannot be added beside them; add ${yamlPath} by hand` };
}

function parentPath(yamlPath: string): string {
  const i = yamlPath.lastIndexOf('.');
  return i < 0 ? '(the document root)' : yamlPath.slice(0, i);
}
