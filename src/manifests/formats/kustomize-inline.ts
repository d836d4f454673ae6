// Fields found in an inline patch (a patch written as a string in a kustomization) are edited in
// the kustomization's bytes: a literal block (`patch: |`) maps line for line, a folded or quoted
// string does not and holds the field.
import type { FieldLocation } from '../../domain/workload.js';
import type { Lookup } from '../yaml-util.js';
import type { Inline } from './kustomize-walk.js';

function joined(prefix: string, path: string): string {
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** An insertion at a line start of the string: at the start of that line in the file, with the block's indentation. */
function mapInsertion(loc: FieldLocation, inline: Inline, text: string): FieldLocation | undefined {
  const at = inline.embedded?.toFile([loc.range[0], loc.range[0]]);
  if (!at || !loc.insert) return undefined;
  const lineStart = text.lastIndexOf('\n', at[0] - 1) + 1;
  const pad = text.slice(lineStart, at[0]);
  if (!/^ *$/.test(pad)) return undefined;
  // The string's lines end in \n; the file's line there may end in \r\n (a CRLF kustomization).
  const crlf = text.charAt(text.indexOf('\n', at[0]) - 1) === '\r';
  const suffix = crlf && loc.insert.suffix === '\n' ? '\r\n' : loc.insert.suffix;
  return { ...loc, range: [lineStart, lineStart], insert: { prefix: `${pad}${loc.insert.prefix}`, suffix } };
}

/**
 * A lookup in an inline patch, as a location in its kustomization (`text` is the kustomization's).
 * `what` names the patch for messages.
 */
export function inlineLookup(res: Lookup, inline: Inline, text: string, what: string): Lookup {
  if (res.kind !== 'found') return res;
  const loc = res.loc;
  if (!inline.embedded) {
    const shown = loc.insert ? `add ${loc.yamlPath}` : `set ${loc.yamlPath} (${loc.raw})`;
    return {
      kind: 'blocked',
      note: `${loc.field}: ${what} would ${shown}, but the patch string ${inline.unmapped ?? 'does not map to the file'}; or move the patch to a file (patches: - path:)`,
    };
  }
  const yamlPath = joined(inline.yamlPrefix, loc.yamlPath);
  const moved = loc.insert ? mapInsertion(loc, inline, text) : mapRange(loc, inline);
  if (!moved) return { kind: 'blocked', note: `${loc.field}: ${what}: ${loc.yamlPath} could not be mapped back to ${inline.kpath}; not edited` };
  return { kind: 'found', loc: { ...moved, file: inline.kpath, documentIndex: 0, yamlPath } };
}

function mapRange(loc: FieldLocation, inline: Inline): FieldLocation | undefined {
  const range = inline.embedded?.toFile(loc.range);
  return range ? { ...loc, range } : undefined;
}
