// Round-trip checks shared by the manifest tests: edit a located scalar, compare with an
// independently computed expectation, re-parse, and edit back to the original bytes.
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';
import type { Edit, FieldKey, FieldLocation, RepoView, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import { applyEdits, editFor, formatQuantity, locateWorkload, parseQuantity } from './index.js';
import type { ManifestSpec } from './index.js';
import { overlayRepo } from './testing.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const quoteOf = (style: FieldLocation['style']) => (style === 'single' ? "'" : style === 'double' ? '"' : '');

/** A different value for the field, in its natural unit. */
export function bump(field: FieldKey, raw: string): number {
  const cur = parseQuantity(field, raw);
  if (field === 'replicas' || field.startsWith('hpa.')) return cur + 2;
  if (field.startsWith('cpu.')) return cur + 0.15;
  return cur + 96 * 2 ** 20;
}

/**
 * The file as it should read after the edit, computed without the splice code: take the line the
 * scalar is on, check it reads `key: <old>` (optionally `- key:` and a trailing comment), and
 * rewrite that one line.
 */
export function expectedAfter(original: string, loc: FieldLocation, to: string): string {
  const lineStart = original.lastIndexOf('\n', loc.range[0] - 1) + 1;
  let lineEnd = original.indexOf('\n', loc.range[0]);
  if (lineEnd < 0) lineEnd = original.length;
  const line = original.slice(lineStart, lineEnd);
  const key = (loc.yamlPath.split('.').pop() ?? '').replace(/\[\d+\]$/, '');
  const q = quoteOf(loc.style);
  const re = new RegExp(`^(\\s*(?:- )?${esc(key)}:[ \\t]+)${esc(q + loc.raw + q)}([ \\t]*(?:#.*)?\\r?)$`);
  const m = re.exec(line);
  expect(m, `line ${JSON.stringify(line)} should hold ${key}: ${q}${loc.raw}${q}`).not.toBeNull();
  return `${original.slice(0, lineStart)}${m?.[1] ?? ''}${q}${to}${q}${m?.[2] ?? ''}${original.slice(lineEnd)}`;
}

/** The JS value at a yamlPath ("a.b[0].c", or "[1].value" for a list root) of one document. */
export function valueAt(text: string, docIndex: number, yamlPath: string): unknown {
  const docs = Array.from(parseAllDocuments(text));
  const doc = docs[docIndex];
  expect(doc?.errors ?? ['missing document']).toEqual([]);
  let cur: unknown = doc?.toJS();
  for (const m of yamlPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) cur = (cur as unknown[])[Number(m[2])];
    else cur = (cur as Record<string, unknown>)[m[1] ?? ''];
  }
  return cur;
}

/** Edits one field, checks the bytes and the parsed value, then edits it back. */
export function roundTripField(repo: RepoView, spec: ManifestSpec, id: WorkloadId, field: FieldKey): void {
  const m = locateWorkload(repo, id, spec);
  const loc = m.fields[field];
  if (!loc) throw new Error(`${field} not located`);
  const original = repo.read(loc.file) ?? '';
  const edit = editFor(loc, bump(field, loc.raw));
  expect(edit.to).not.toBe(loc.raw);
  const out = applyEdits(repo, [edit]);
  expect([...out.keys()]).toEqual([loc.file]);
  const after = out.get(loc.file) ?? '';
  expect(after).toBe(expectedAfter(original, loc, edit.to));
  expect(String(valueAt(after, loc.documentIndex, loc.yamlPath))).toBe(edit.to);

  const repo2 = overlayRepo(repo, out);
  const loc2 = locateWorkload(repo2, id, spec).fields[field];
  expect(loc2).toMatchObject({ file: loc.file, yamlPath: loc.yamlPath, raw: edit.to, style: loc.style, documentIndex: loc.documentIndex });
  if (!loc2) return;
  expect(parseQuantity(field, loc2.raw)).toBe(parseQuantity(field, edit.to));
  const back: Edit = { ...editFor(loc2, 0), to: loc.raw };
  expect(applyEdits(repo2, [back]).get(loc.file)).toBe(original);
}

/** Edits every located field at once (several edits per file), then reverts them all at once. */
export function roundTripAll(repo: RepoView, spec: ManifestSpec, id: WorkloadId): WorkloadManifest {
  const m = locateWorkload(repo, id, spec);
  const locs = Object.values(m.fields);
  const edits = locs.map((l) => editFor(l, bump(l.field, l.raw)));
  const out = applyEdits(repo, edits);
  const files = new Set(locs.map((l) => l.file));
  expect(new Set(out.keys())).toEqual(files);
  for (const file of files) {
    let expected = repo.read(file) ?? '';
    // Later scalars first, so earlier offsets stay valid.
    const mine = locs.filter((l) => l.file === file).sort((a, b) => b.range[0] - a.range[0]);
    for (const l of mine) expected = expectedAfter(expected, l, formatQuantity(l.field, bump(l.field, l.raw)));
    expect(out.get(file)).toBe(expected);
  }
  const repo2 = overlayRepo(repo, out);
  const m2 = locateWorkload(repo2, id, spec);
  expect(Object.keys(m2.fields).sort()).toEqual(Object.keys(m.fields).sort());
  const backEdits = Object.values(m2.fields).map((l2) => ({ ...editFor(l2, 0), to: m.fields[l2.field]?.raw ?? '' }));
  const back = applyEdits(repo2, backEdits);
  for (const file of files) expect(back.get(file)).toBe(repo.read(file));
  return m;
}
