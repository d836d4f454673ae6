// YAML written as a string inside YAML: an Argo CD Application's `helm.values: |`, a kustomization's
// inline `patch: |`. The string is parsed as YAML of its own, and a scalar found in it is mapped
// back to its bytes in the file, so it is spliced in place like any other scalar: the string's own
// indentation and every other byte stay as they are.
//
// Only literal block scalars (`|`, `|-`, `|+`, with or without an indentation indicator) map line
// for line: each line of the string is a line of the file with the block's indentation removed.
// Folded blocks (`>`) join lines and quoted strings have escapes, so their offsets do not map.
// The mapping is checked: the lines, with the indentation removed, must give back the parsed string
// exactly, and the bytes at a mapped range must be the scalar's; otherwise nothing is edited.
import { isScalar } from 'yaml';
import type { Scalar } from 'yaml';
import type { ParsedFile } from '../yaml-util.js';
import { lineOf, parseText } from '../yaml-util.js';

export interface Embedded {
  /** The string parsed, with the file's path and the file's line numbers (the string is preceded by blank lines). */
  inner: ParsedFile;
  /** File offsets of a one-line range of `inner.text`; undefined when it cannot be mapped. */
  toFile(range: [number, number]): [number, number] | undefined;
}

export type EmbeddedResult = { kind: 'ok'; embedded: Embedded } | { kind: 'unmapped'; why: string; value?: string };

function styleWhy(node: Scalar): string {
  if (node.type === 'BLOCK_FOLDED') return 'is a folded block (>), whose lines YAML joins with spaces, so its offsets do not map to the file; write it as a literal block (|)';
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') return 'is a quoted string, whose escapes keep its offsets from mapping to the file; write it as a literal block (|)';
  return 'is a plain scalar, not a block; write it as a literal block (|)';
}

interface Lines {
  /** File offset where each line of the block's content starts. */
  starts: number[];
  /** The lines' text, without the line break. */
  texts: string[];
}

function contentLines(text: string, from: number, to: number): Lines {
  const starts: number[] = [];
  const texts: string[] = [];
  let at = from;
  while (at < to) {
    let end = text.indexOf('\n', at);
    if (end < 0 || end > to) end = to;
    starts.push(at);
    texts.push(text.slice(at, end).replace(/\r$/, ''));
    at = end + 1;
  }
  return { starts, texts };
}

/** The block's indentation: the one with which its lines give back the parsed string. */
function indentOf(lines: Lines, value: string): number | undefined {
  const first = lines.texts.find((l) => l.trim() !== '');
  if (first === undefined) return undefined;
  const detected = first.length - first.trimStart().length;
  const trimEnd = (s: string) => s.replace(/\s+$/, '');
  for (let n = detected; n >= 1; n--) {
    const strip = (l: string) => (l.trim() === '' && l.length <= n ? '' : l.startsWith(' '.repeat(n)) ? l.slice(n) : undefined);
    const out = lines.texts.map(strip);
    if (out.some((l) => l === undefined)) continue;
    if (trimEnd(out.join('\n')) === trimEnd(value)) return n;
  }
  return undefined;
}

/** An `unmapped` reason split into why and the fix (the part after the last "; "). */
export function splitFix(unmapped: string): [why: string, fix: string] {
  const i = unmapped.lastIndexOf('; ');
  return i < 0 ? [unmapped, 'edit it by hand'] : [unmapped.slice(0, i), unmapped.slice(i + 2)];
}

/** The YAML string at `node` (a scalar of document `docIndex` of `file`), parsed and mapped back to the file. */
export function embeddedYaml(file: ParsedFile, node: unknown, docIndex = 0): EmbeddedResult {
  if (!isScalar(node) || typeof node.value !== 'string') return { kind: 'unmapped', why: 'is not a string' };
  const value = node.value;
  if (node.type !== 'BLOCK_LITERAL') return { kind: 'unmapped', why: styleWhy(node), value };
  const range = node.range;
  if (!range) return { kind: 'unmapped', why: 'has no source position', value };
  const text = file.text;
  const headerEnd = text.indexOf('\n', range[0]);
  if (headerEnd < 0 || headerEnd >= range[1]) return { kind: 'unmapped', why: 'is an empty block', value };
  const lines = contentLines(text, headerEnd + 1, range[1]);
  const n = indentOf(lines, value);
  if (n === undefined) return { kind: 'unmapped', why: 'is a block whose lines Augur could not match to its value', value };
  const pad = lineOf(text, headerEnd + 1) - 1;
  const inner = parseText(file.path, '\n'.repeat(pad) + value);
  inner.embeddedIn = { docIndex, docCount: file.docs.length };
  const toFile = (r: [number, number]): [number, number] | undefined => {
    const [s, e] = [r[0] - pad, r[1] - pad];
    if (s < 0 || e < s || e > value.length || value.slice(s, e).includes('\n')) return undefined;
    const k = value.slice(0, s).split('\n').length - 1;
    const col = s - (value.lastIndexOf('\n', s - 1) + 1);
    const lineStart = lines.starts[k];
    if (lineStart === undefined) return undefined;
    const start = lineStart + n + col;
    const out: [number, number] = [start, start + (e - s)];
    return text.slice(out[0], out[1]) === value.slice(s, e) ? out : undefined;
  };
  return { kind: 'ok', embedded: { inner, toFile } };
}
