// A guardrails file's values, read without building a YAML document.
//
// `yaml` builds a document that keeps every node with its place in the file, which is what points a
// problem at its line; for a 5,000-target file (2.1 MB) that took 1.6-2.8 s and the heap climbed to
// about 120 MB while it was built, the largest the heap gets in a whole cycle. js-yaml builds the
// plain values directly: 0.2 s and a heap of about 16 MB for the same file. So parseConfig reads a
// file with js-yaml first and builds the document only when there is a problem to place, or when
// js-yaml may not read the file as `yaml` would (see quickValues).
import jsyaml from 'js-yaml';

// YAML 1.2's core schema as `yaml` resolves plain scalars (its schema/core tests, in its order), so
// that both readers give every scalar the same value: js-yaml's own core schema also takes 0b101,
// -0x1F and -0o7 as numbers, where `yaml` (and YAML 1.2) read strings.
const nul = new jsyaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string | null) => s === null || /^(?:~|[Nn]ull|NULL)?$/.test(s),
  construct: () => null,
});
const bool = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
  construct: (s: string) => s[0] === 't' || s[0] === 'T',
});
const int = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/.test(s),
  construct: (s: string) => (s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
});
const float = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string | null) =>
    s !== null && /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/.test(s),
  construct: (s: string) => (/nan$/i.test(s) ? NaN : /inf$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : parseFloat(s)),
});
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nul, bool, int, float] });

/**
 * The file's values, or undefined when only the `yaml` document can say: js-yaml refused the text
 * (a syntax error, a duplicate key, an alias without its anchor, an unknown tag: the document names
 * the line), the file has a directive (`%YAML 1.1` changes how `yaml` reads scalars; js-yaml does
 * not follow it), or its aliases expand past `aliasExpansionProblem`'s bound.
 */
export function quickValues(text: string): { value: unknown } | undefined {
  if (/^%/m.test(text)) return undefined;
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: CORE });
  } catch {
    return undefined;
  }
  return aliasExpansionProblem(value) === undefined ? { value } : undefined;
}

/** At least this many values are allowed however small the file. */
const MIN_EXPANSION = 10_000;
/** How many times the values a file writes out its aliases may make it. */
const EXPANSION = 10;

/**
 * Why the values are too many once their aliases are expanded, or undefined. An alias is the same
 * object as its anchor in the parsed values (with either reader), so it costs nothing until
 * something walks the values, and the schema's check copies every path: a file of ten nested
 * lists of ten aliases each (an alias bomb) would be 10^10 values. The bound is on what the file
 * writes out: its aliases may make at most ten times as many values as it has (at least 10,000).
 * A policy anchored once and aliased by every one of 5,000 targets is about twice the values.
 * (`yaml`'s own guard, maxAliasCount 100, refused such a file past the 100th alias.)
 */
export function aliasExpansionProblem(value: unknown): string | undefined {
  const seen = new Set<object>();
  let written = 0;
  let shared = false;
  const push = (stack: unknown[], v: object) => {
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push(x);
  };
  for (const stack: unknown[] = [value]; stack.length > 0; ) {
    const v = stack.pop();
    written++;
    if (v === null || typeof v !== 'object') continue;
    if (seen.has(v)) shared = true;
    else (seen.add(v), push(stack, v));
  }
  if (!shared) return undefined;
  const limit = Math.max(MIN_EXPANSION, EXPANSION * written);
  let expanded = 0;
  // The same walk into every alias, stopping at the bound: a cycle or a bomb ends there.
  for (const stack: unknown[] = [value]; stack.length > 0; ) {
    const v = stack.pop();
    if (++expanded > limit) {
      return `YAML aliases expand the file's ${written.toLocaleString('en-US')} values into more than ${limit.toLocaleString('en-US')} (ten times as many, at least ${MIN_EXPANSION.toLocaleString('en-US')}: an alias bomb, or an alias inside its own anchor?); write the values out instead of nesting aliases`;
    }
    if (v !== null && typeof v === 'object') push(stack, v);
  }
  return undefined;
}
