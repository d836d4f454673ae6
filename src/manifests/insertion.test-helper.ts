// Checks for fields Augur adds where no key was (FieldLocation.insert), shared by the manifest
// tests: the insertion adds exactly one line, the file still parses, the other documents keep
// their bytes, and locating again finds the new key as an ordinary field. roundTripPresent is
// roundTripAll (roundtrip.test-helper.ts) over the fields that are written, leaving insertions to
// checkInsertion.
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';
import type { FieldKey, FieldLocation, RepoView, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import { applyEdits, editFor, formatQuantity, locateWorkload } from './index.js';
import type { ManifestSpec } from './index.js';
import { bump, expectedAfter, valueAt } from './roundtrip.test-helper.js';
import { overlayRepo } from './testing.js';

/** Edits every field that is written (not the insertions) at once, then reverts them all at once. */
export function roundTripPresent(repo: RepoView, spec: ManifestSpec, id: WorkloadId): WorkloadManifest {
  const m = locateWorkload(repo, id, spec);
  const locs = Object.values(m.fields).filter((l) => !l.insert);
  const out = applyEdits(repo, locs.map((l) => editFor(l, bump(l.field, l.raw))));
  const files = new Set(locs.map((l) => l.file));
  expect(new Set(out.keys())).toEqual(files);
  for (const file of files) {
    let expected = repo.read(file) ?? '';
    for (const l of locs.filter((x) => x.file === file).sort((a, b) => b.range[0] - a.range[0])) {
      expected = expectedAfter(expected, l, formatQuantity(l.field, bump(l.field, l.raw)));
    }
    expect(out.get(file)).toBe(expected);
  }
  const repo2 = overlayRepo(repo, out);
  const m2 = locateWorkload(repo2, id, spec);
  expect(Object.keys(m2.fields).sort()).toEqual(Object.keys(m.fields).sort());
  const back = applyEdits(
    repo2,
    Object.values(m2.fields)
      .filter((l) => !l.insert)
      .map((l2) => ({ ...editFor(l2, 0), to: m.fields[l2.field]?.raw ?? '' })),
  );
  for (const file of files) expect(back.get(file)).toBe(repo.read(file));
  return m;
}

/** The source text of each document of a file, by index. */
function documentTexts(text: string): string[] {
  return Array.from(parseAllDocuments(text)).map((d) => text.slice(d.range[0], d.range[2]));
}

/**
 * Adds the absent field with `value`: exactly `prefix + value + suffix` goes in, every document of
 * the file still parses, the other documents keep their bytes and their values, the edited one
 * reads the value at the field's path, and locating again finds it written there. Returns the
 * location and the repository after the edit.
 */
export function checkInsertion(repo: RepoView, spec: ManifestSpec, id: WorkloadId, field: FieldKey, value: number): { loc: FieldLocation; after: RepoView; text: string } {
  const loc = locateWorkload(repo, id, spec).fields[field];
  if (!loc?.insert) throw new Error(`${field} is not an insertion: ${JSON.stringify(loc)}`);
  expect(loc.range[0]).toBe(loc.range[1]);
  const original = repo.read(loc.file) ?? '';
  const edit = editFor(loc, value);
  const out = applyEdits(repo, [edit]);
  expect([...out.keys()]).toEqual([loc.file]);
  const text = out.get(loc.file) ?? '';
  const at = loc.range[0];
  expect(text).toBe(`${original.slice(0, at)}${loc.insert.prefix}${edit.to}${loc.insert.suffix}${original.slice(at)}`);
  const docs = Array.from(parseAllDocuments(text));
  expect(docs.flatMap((d) => d.errors.map((e) => e.message))).toEqual([]);
  const before = documentTexts(original);
  const now = documentTexts(text);
  expect(now).toHaveLength(before.length);
  now.forEach((t, i) => {
    if (i !== loc.documentIndex) expect(t).toBe(before[i]);
  });
  expect(String(valueAt(text, loc.documentIndex, loc.yamlPath))).toBe(edit.to);
  const after = overlayRepo(repo, out);
  const again = locateWorkload(after, id, spec).fields[field];
  expect(again).toMatchObject({ file: loc.file, yamlPath: loc.yamlPath, raw: edit.to, documentIndex: loc.documentIndex });
  expect(again?.insert).toBeUndefined();
  return { loc, after, text };
}
