// In-place scalar edits: splice the new text into the original; never re-stringify a document.
import { parseAllDocuments } from 'yaml';
import type { Edit, FieldLocation, RepoView } from '../types.js';
import { ManifestError } from './errors.js';
import { formatQuantity } from './quantity.js';
import { lineOf } from './yaml-util.js';

function quote(s: string, style: FieldLocation['style']): string {
  if (style === 'single') return `'${s}'`;
  if (style === 'double') return `"${s}"`;
  return s;
}

/** Text safe to write as a plain or quoted YAML scalar without changing its meaning: a number with an optional unit. */
const SAFE = /^[+-]?(?:\d|\.\d)[0-9A-Za-z.+-]*$/;

/** The Edit that sets a located field to a value in its natural unit (replicas, cores, bytes). */
export function editFor(loc: FieldLocation, value: number): Edit {
  return {
    field: loc.field,
    file: loc.file,
    yamlPath: loc.yamlPath,
    range: [loc.range[0], loc.range[1]],
    style: loc.style,
    from: loc.raw,
    to: formatQuantity(loc.field, value),
  };
}

/**
 * Applies scalar edits to the files they name. Returns the new content of every file edited.
 * Each edit's range must still hold `from` (in its quote style); the quote style is kept.
 */
export function applyEdits(repo: RepoView, edits: Edit[]): Map<string, string> {
  const byFile = new Map<string, Edit[]>();
  for (const e of edits) {
    const list = byFile.get(e.file) ?? [];
    list.push(e);
    byFile.set(e.file, list);
  }
  const out = new Map<string, string>();
  for (const [file, list] of byFile) {
    if (/^(\.\.(\/|$)|\/)/.test(file) || file.includes('/../')) {
      throw new ManifestError(`${file}: outside the manifest repository; refusing to edit it`);
    }
    const text = repo.read(file);
    if (text === undefined) {
      throw new ManifestError(`${file}: no such file in the manifest repository; the edit of ${list[0]?.yamlPath ?? '?'} cannot be applied. Locate the workload again`);
    }
    const sorted = [...list].sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
    const unique: Edit[] = [];
    for (const e of sorted) {
      const [start, end] = e.range;
      const where = `${file}:${lineOf(text, start)}: ${e.yamlPath}`;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > text.length) {
        throw new ManifestError(`${where}: range [${start}, ${end}) is outside the file (${text.length} characters); locate the workload again`);
      }
      const prev = unique[unique.length - 1];
      if (prev && prev.range[1] > start) {
        if (prev.range[0] === start && prev.range[1] === end && prev.to === e.to && prev.style === e.style) continue;
        throw new ManifestError(
          `${where}: edits overlap (${prev.field} ${prev.from} -> ${prev.to} and ${e.field} ${e.from} -> ${e.to}); send one edit per scalar`,
        );
      }
      const expected = quote(e.from, e.style);
      const found = text.slice(start, end);
      if (found !== expected) {
        throw new ManifestError(
          `${where}: expected ${expected} at offsets [${start}, ${end}) but found ${JSON.stringify(found)}; ` +
            `the file changed since it was read. Locate the workload again on the current commit`,
        );
      }
      if (!SAFE.test(e.to) || e.to.length > 64) {
        throw new ManifestError(`${where}: refusing to write ${JSON.stringify(e.to)}; the new value must be a number with an optional unit, such as 3, 250m or 512Mi`);
      }
      unique.push(e);
    }
    let result = text;
    for (let i = unique.length - 1; i >= 0; i--) {
      const e = unique[i] as Edit;
      result = result.slice(0, e.range[0]) + quote(e.to, e.style) + result.slice(e.range[1]);
    }
    const before = Array.from(parseAllDocuments(text)).some((d) => d.errors.length > 0);
    const after = Array.from(parseAllDocuments(result)).find((d) => d.errors.length > 0);
    if (!before && after) {
      throw new ManifestError(`${file}: the edited file is not valid YAML (${after.errors[0]?.message ?? 'parse error'}); edits: ${unique.map((e) => e.yamlPath).join(', ')}`);
    }
    out.set(file, result);
  }
  return out;
}
