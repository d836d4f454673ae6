// In-place edits: splice the new text into the original; never re-stringify a document.
// Scalar edits (Edit) change one value; block edits (BlockEdit) replace or insert a block of lines
// (the Augur-owned triggers of a KEDA ScaledObject). Both apply together, one pass per file.
import { parseAllDocuments } from 'yaml';
import type { BlockEdit, Edit, FieldLocation, RepoView } from '../domain/workload.js';
import { ManifestError } from '../domain/errors.js';
import { formatQuantity } from '../domain/quantity.js';
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
    ...(loc.insert ? { insert: loc.insert } : {}),
  };
}

/** A scalar or block edit, normalised: `expected` is the exact text the range must hold, `text` what replaces it. */
type Op =
  | { kind: 'scalar'; edit: Edit; range: [number, number]; yamlPath: string; expected: string; text: string }
  | { kind: 'block'; edit: BlockEdit; range: [number, number]; yamlPath: string; expected: string; text: string };

function describe(op: Op): string {
  if (op.kind === 'scalar') return `${op.edit.field} ${op.edit.from} -> ${op.edit.to}`;
  return `${op.yamlPath} block edit ${op.range[0] === op.range[1] ? `inserting at ${op.range[0]}` : `of [${op.range[0]}, ${op.range[1]})`}`;
}

function sameOp(a: Op, b: Op): boolean {
  if (a.range[0] !== b.range[0] || a.range[1] !== b.range[1]) return false;
  if (a.kind === 'scalar' && b.kind === 'scalar') return a.edit.to === b.edit.to && a.edit.style === b.edit.style;
  return a.kind === b.kind && a.expected === b.expected && a.text === b.text;
}

function brief(s: string): string {
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 117)}...` : s);
}

/**
 * Applies scalar edits and block edits to the files they name, together, one pass per file.
 * Returns the new content of every file edited. Each edit's range must still hold its `from` (for
 * scalar edits in their quote style, which is kept, except that a bare number in a .json file gets
 * double quotes when the new value has a unit); edits whose ranges overlap are refused (an
 * exact duplicate is applied once; an insertion may touch a neighbouring range but two insertions
 * may not share an offset). The edited file must still be valid YAML when it was before.
 */
export function applyEdits(repo: RepoView, edits: Edit[], blocks: BlockEdit[] = []): Map<string, string> {
  const byFile = new Map<string, Op[]>();
  const add = (file: string, op: Op) => {
    const list = byFile.get(file) ?? [];
    list.push(op);
    byFile.set(file, list);
  };
  for (const e of edits) {
    // A JSON file (kubectl and Argo CD read one starting with { as JSON) holds a bare number, not `1500m`: that goes in quotes.
    const style = e.style === 'plain' && /\.json$/i.test(e.file) && !/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(e.to) ? 'double' : e.style;
    const text = e.insert ? `${e.insert.prefix}${quote(e.to, style)}${e.insert.suffix}` : quote(e.to, style);
    add(e.file, { kind: 'scalar', edit: e, range: e.range, yamlPath: e.yamlPath, expected: e.insert ? '' : quote(e.from, e.style), text });
  }
  for (const b of blocks) {
    add(b.file, { kind: 'block', edit: b, range: b.range, yamlPath: b.yamlPath, expected: b.from, text: b.to });
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
    const unique: Op[] = [];
    for (const e of sorted) {
      const [start, end] = e.range;
      const where = `${file}:${lineOf(text, start)}: ${e.yamlPath}`;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > text.length) {
        throw new ManifestError(`${where}: range [${start}, ${end}) is outside the file (${text.length} characters); locate the workload again`);
      }
      const prev = unique[unique.length - 1];
      // Two insertions at one offset would apply in an arbitrary order: refused.
      const sameInsert = prev !== undefined && prev.range[0] === prev.range[1] && start === end && start === prev.range[0];
      if (prev && (prev.range[1] > start || sameInsert)) {
        if (sameOp(prev, e)) continue;
        const one = prev.kind === 'scalar' && e.kind === 'scalar' ? 'send one edit per scalar' : 'send one edit per scalar or block';
        throw new ManifestError(`${where}: edits overlap (${describe(prev)} and ${describe(e)}); ${one}`);
      }
      const found = text.slice(start, end);
      if (found !== e.expected) {
        const expected = e.kind === 'scalar' ? e.expected : brief(e.expected);
        throw new ManifestError(
          `${where}: expected ${expected} at offsets [${start}, ${end}) but found ${e.kind === 'scalar' ? JSON.stringify(found) : brief(found)}; ` +
            `the file changed since it was read. Locate the workload again on the current commit`,
        );
      }
      if (e.kind === 'scalar' && (!SAFE.test(e.edit.to) || e.edit.to.length > 64)) {
        throw new ManifestError(`${where}: refusing to write ${JSON.stringify(e.edit.to)}; the new value must be a number with an optional unit, such as 3, 250m or 512Mi`);
      }
      if (e.kind === 'block' && typeof e.text !== 'string') {
        throw new ManifestError(`${where}: block edit without replacement text; build it with scheduleEdit`);
      }
      unique.push(e);
    }
    let result = text;
    for (let i = unique.length - 1; i >= 0; i--) {
      const e = unique[i] as Op;
      result = result.slice(0, e.range[0]) + e.text + result.slice(e.range[1]);
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
