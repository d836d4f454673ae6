// Anchors and aliases around a value Augur would edit. Editing a scalar splices its bytes only, so
// an alias elsewhere that reuses it (or reuses a map or list holding it) would silently change too;
// a value that is itself an alias lives at its anchor. Both are blocked fields with a note that
// says where and what to do. An anchor that no alias uses is harmless and the value is edited.
import { isAlias, isNode, visit } from 'yaml';
import type { Document } from 'yaml';
import type { FieldKey } from '../../domain/workload.js';
import type { ParsedFile } from '../yaml-util.js';
import { fileAt, lineOf } from '../yaml-util.js';

interface AnchorIndex {
  /** Line of each anchor's (first) definition. */
  defined: Map<string, number>;
  /** Lines of the aliases that use each anchor. */
  used: Map<string, number[]>;
}

const cache = new WeakMap<Document.Parsed, AnchorIndex>();

function index(file: ParsedFile, doc: Document.Parsed): AnchorIndex {
  const hit = cache.get(doc);
  if (hit) return hit;
  const out: AnchorIndex = { defined: new Map(), used: new Map() };
  visit(doc, (_key, node) => {
    if (!isNode(node) || !node.range) return;
    const line = lineOf(file.text, node.range[0]);
    if (isAlias(node)) out.used.set(node.source, [...(out.used.get(node.source) ?? []), line]);
    else if (node.anchor && !out.defined.has(node.anchor)) out.defined.set(node.anchor, line);
  });
  cache.set(doc, out);
  return out;
}

function lineOfNode(file: ParsedFile, node: unknown): number | undefined {
  return isNode(node) && node.range ? lineOf(file.text, node.range[0]) : undefined;
}

export interface AnchorSite {
  field: FieldKey;
  file: ParsedFile;
  docIndex: number;
  yamlPath: string;
  /** Another way out, e.g. "point helm.replicas at another key". */
  retarget?: string;
}

/**
 * Why the value at `yamlPath` cannot be edited because of anchors (undefined when it can), and
 * whether its own anchor is unused (so scalarAt may edit it). `node` undefined: the key is absent
 * and would be added to the last of `ancestors`.
 */
export function anchorCheck(site: AnchorSite, node: unknown, ancestors: readonly unknown[]): { blocked?: string; anchorFree: boolean } {
  const { field, file, yamlPath } = site;
  const doc = file.docs[site.docIndex] ?? (file.embeddedIn ? file.docs[0] : undefined);
  const near = [node, ...[...ancestors].reverse()].find((n) => isNode(n) && n.range);
  const at = fileAt(file, site.docIndex, isNode(near) && near.range ? near.range[0] : undefined);
  const alt = site.retarget ? `, or ${site.retarget}` : '';
  if (isAlias(node)) {
    const def = doc ? index(file, doc).defined.get(node.source) : undefined;
    return {
      anchorFree: false,
      blocked:
        `${field}: ${at}: ${yamlPath} is the alias *${node.source}${def ? ` of &${node.source} (line ${def})` : ''}, so its value is written at the anchor ` +
        `and editing it there would change every place that uses it. Edit the anchor &${node.source} by hand, or write the value out in place of the alias to let Augur edit it here${alt}`,
    };
  }
  if (!doc) return { anchorFree: false };
  const idx = index(file, doc);
  for (const n of [...ancestors, node]) {
    if (!isNode(n) || !n.anchor) continue;
    const uses = idx.used.get(n.anchor);
    if (!uses?.length) continue;
    const own = n === node;
    const verb = node === undefined ? 'would be added inside' : own ? 'carries' : 'is inside';
    return {
      anchorFree: false,
      blocked:
        `${field}: ${at}: ${yamlPath} ${verb} the anchor &${n.anchor}${own ? '' : ` (line ${lineOfNode(file, n) ?? '?'})`}, which the alias *${n.anchor} reuses at line ${uses.join(', ')}; ` +
        `editing it would change that too. Write the values out separately (drop the anchor or the alias) to let Augur edit this one, or change it by hand${alt}`,
    };
  }
  return { anchorFree: true };
}
