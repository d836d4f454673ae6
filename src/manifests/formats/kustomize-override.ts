// The smallest override an overlay can carry for a field it inherits: a `replicas:` entry in its
// kustomization, or the missing key added to a strategic-merge patch it already has for the
// container. Each is one insertion (FieldLocation.insert) in the style the file already uses, and
// is checked by parsing the file as it would read afterwards.
import { isMap, isSeq } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import type { FieldKey, FieldLocation } from '../../domain/workload.js';
import type { Lookup, ParsedFile } from '../yaml-util.js';
import { NONE, asSeq, describeNode, getKey, insertionInMap, parseText, strAt } from '../yaml-util.js';
import type { ContainerChoice } from '../workload.js';
import type { PatchSource } from './kustomize-walk.js';

interface ItemStyle {
  /** Spaces before the dash. */
  dash: string;
  /** Spaces between the dash and the item's first key. */
  gap: string;
}

const eolOf = (text: string) => (text.includes('\r\n') ? '\r\n' : '\n');
const lineStartOf = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;

/** A name as a YAML string: plain when it reads back as that string, quoted otherwise. */
function yamlName(name: string): string {
  return /^[a-z]([-a-z0-9._]*[a-z0-9])?$/.test(name) && !['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n'].includes(name) ? name : JSON.stringify(name);
}

/** How the items of a block list are indented, from its first item. */
function itemStyle(text: string, seq: YAMLSeq): ItemStyle | undefined {
  const first = seq.items[0] as { range?: [number, number, number] | null } | undefined;
  if (seq.flow || !first?.range) return undefined;
  const before = text.slice(lineStartOf(text, first.range[0]), first.range[0]);
  const m = /^( *)-( +)$/.exec(before);
  return m ? { dash: m[1] ?? '', gap: m[2] ?? ' ' } : undefined;
}

/** The first block list of the kustomization's top level (resources:, usually), to copy its style. */
function fileStyle(text: string, root: YAMLMap, keyIndent: string): ItemStyle {
  for (const pair of root.items) {
    const s = isSeq(pair.value) ? itemStyle(text, pair.value) : undefined;
    if (s && s.dash.length >= keyIndent.length) return { dash: s.dash.slice(keyIndent.length), gap: s.gap };
  }
  return { dash: '  ', gap: ' ' };
}

function entryText(style: ItemStyle, indent: string, name: string, eol: string): string {
  const inner = ' '.repeat(1 + style.gap.length);
  return `${indent}${style.dash}-${style.gap}name: ${yamlName(name)}${eol}${indent}${style.dash}${inner}count: `;
}

/** `replicas:` with one entry, after the last line of the file. */
function newReplicasKey(file: ParsedFile, root: YAMLMap, name: string): Lookup | { at: number; prefix: string; index: number } {
  const text = file.text;
  const firstKey = root.items[0]?.key as { range?: [number, number, number] | null } | undefined;
  const keyIndent = firstKey?.range ? text.slice(lineStartOf(text, firstKey.range[0]), firstKey.range[0]) : '';
  if (root.flow || !/^ *$/.test(keyIndent)) {
    return { kind: 'blocked', note: `replicas: ${file.path} is not a block map at its top level, so Augur cannot add a replicas: entry to it; add "replicas: [{name: ${name}, count: N}]" by hand` };
  }
  const eol = eolOf(text);
  const lead = text.length > 0 && !text.endsWith('\n') ? eol : '';
  const style = fileStyle(text, root, keyIndent);
  return { at: text.length, prefix: `${lead}${keyIndent}replicas:${eol}${entryText(style, keyIndent, name, eol)}`, index: 0 };
}

/** One more entry after the last one of the kustomization's replicas: list. */
function newReplicasItem(file: ParsedFile, seq: YAMLSeq, name: string): Lookup | { at: number; prefix: string; index: number } {
  const text = file.text;
  const style = itemStyle(text, seq);
  const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] | null } | undefined;
  if (!style || !last?.range) {
    return { kind: 'blocked', note: `replicas: ${file.path}: its replicas: list is not a block list whose items start "- ", so Augur cannot add an entry; add "- name: ${name}" with its count by hand` };
  }
  const nl = text.indexOf('\n', Math.max(0, last.range[1] - 1));
  const eol = eolOf(text);
  const at = nl < 0 ? text.length : nl + 1;
  return { at, prefix: `${nl < 0 ? eol : ''}${entryText(style, '', name, eol)}`, index: seq.items.length };
}

/** The insertion reads back as the entry it should be: replicas[index] names `name` with the count. */
function checked(file: ParsedFile, at: number, prefix: string, suffix: string, index: number, name: string): boolean {
  const after = parseText(file.path, `${file.text.slice(0, at)}${prefix}7${suffix}${file.text.slice(at)}`);
  const item = asSeq(getKey(after.docs[0]?.contents, 'replicas'))?.items[index];
  return after.errors.length === 0 && after.docs.length === file.docs.length && strAt(item, 'name') === name && strAt(item, 'count') === '7';
}

/**
 * A new `replicas:` entry for the resource named `name` (as its base names it) in the kustomization:
 * a new item of its replicas: list, or a new replicas: key with that one item.
 */
export function replicasEntry(file: ParsedFile, name: string): Lookup {
  const root = file.docs[0]?.contents;
  if (!isMap(root)) return { kind: 'blocked', note: `replicas: ${file.path} is not a kustomization map; add a replicas: entry for ${name} by hand` };
  const list = getKey(root, 'replicas');
  if (list !== undefined && (!isSeq(list) || list.items.length === 0)) {
    return { kind: 'blocked', note: `replicas: ${file.path}: replicas: is ${describeNode(list)}, not a list with entries; add "- name: ${name}" with its count by hand` };
  }
  const spot = isSeq(list) ? newReplicasItem(file, list, name) : newReplicasKey(file, root, name);
  if ('kind' in spot) return spot;
  const suffix = eolOf(file.text);
  if (!checked(file, spot.at, spot.prefix, suffix, spot.index, name)) {
    return { kind: 'blocked', note: `replicas: ${file.path}: a replicas: entry for ${name} added after offset ${spot.at} would not read back as one; add it by hand` };
  }
  const loc: FieldLocation = {
    field: 'replicas',
    file: file.path,
    yamlPath: `replicas[${spot.index}].count`,
    documentIndex: 0,
    range: [spot.at, spot.at],
    raw: '',
    style: 'plain',
    insert: { prefix: spot.prefix, suffix },
  };
  return { kind: 'found', loc };
}

function resourceKeys(field: FieldKey): [string, string] {
  return [field.endsWith('.limit') ? 'limits' : 'requests', field.startsWith('cpu.') ? 'cpu' : 'memory'];
}

/**
 * The field's key added to a strategic-merge patch that already has the container's
 * resources.requests (or limits) map. NONE when the patch lacks the container or that map: one
 * insertion cannot add it. The location is in the patch document's own text (an inline patch's
 * string); the caller maps it.
 */
export function patchInsertion(s: Extract<PatchSource, { t: 'smp' }>, field: FieldKey, container: ContainerChoice): Lookup {
  const containers = asSeq(getKey(getKey(getKey(getKey(s.root, 'spec'), 'template'), 'spec'), 'containers'));
  const index = containers?.items.findIndex((c) => strAt(c, 'name') === container.name) ?? -1;
  if (!containers || index < 0) return NONE;
  const [kind, res] = resourceKeys(field);
  const map = getKey(getKey(containers.items[index], 'resources'), kind);
  if (!isMap(map) || strAt(map, '$patch') === 'delete') return NONE;
  return insertionInMap({ field, file: s.file, docIndex: s.docIndex, yamlPath: `spec.template.spec.containers[${index}].resources.${kind}.${res}` }, map, res);
}
