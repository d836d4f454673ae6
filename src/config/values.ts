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
 * What only the `yaml` document reads as `yaml` does, found by looking at the text (a false alarm
 * only costs the document): a directive (`%YAML 1.1` makes `yaml` read `010` as 8 and `no` as
 * false; js-yaml reads YAML 1.2 whatever it says), after a byte-order mark too; a tag (`!`, `!!map`
 * on an empty node, custom ones: the two differ on some); a key that is not a plain string (`? `,
 * a null key such as `~:` or `: x`, a list or map as a key: js-yaml names them with String(), as
 * `null` and `a,b`, `yaml` as `` and `[ a, b ]`); a carriage return alone (a line break to js-yaml,
 * not to `yaml`); a tab in a line's indentation (`yaml` refuses some that js-yaml takes, such as a
 * line of only a tab).
 */
const DOCUMENT_ONLY = /^\uFEFF?%|^ *\t|(?:^|[\s[{,])(?:!|\?(?:\s|$)|(?:~|null|Null|NULL)?\s*:(?:\s|$))|[\]}]\s*:(?:\s|$)|\r(?!\n)/m;

/**
 * The file's values, or undefined when only the `yaml` document can say: js-yaml refused the text
 * or warned (a syntax error, a line indented less than its block, a duplicate key, an alias
 * without its anchor: the document names the line), the text has what the two read differently
 * (DOCUMENT_ONLY), or its aliases expand past `aliasExpansionProblem`'s bound. js-yaml still takes
 * a few forms `yaml` calls syntax errors, with the same values: a comment right after a quoted
 * value or a flow list (`"x"#c`), an anchor touching a flow collection (`&a[1]`).
 */
export function quickValues(text: string): { value: unknown } | undefined {
  if (DOCUMENT_ONLY.test(text)) return undefined;
  let value: unknown;
  try {
    value = jsyaml.load(text, {
      schema: CORE,
      onWarning: (w) => {
        throw w;
      },
    });
  } catch {
    return undefined;
  }
  return aliasExpansionProblem(value) === undefined ? { value } : undefined;
}

/** At least this many values are allowed however small the file. */
const MIN_EXPANSION = 1_000_000;
/** How many times the values a file writes out its aliases may make it. */
const EXPANSION = 10;

/**
 * Why the values are too many once their aliases are expanded, or undefined. An alias is the same
 * object as its anchor in the parsed values (with either reader), so it costs nothing until
 * something walks the values, and the schema's check copies every path: a file of ten nested
 * lists of ten aliases each (an alias bomb) would be 10^10 values. The bound: a million values,
 * or ten times as many as the file writes out when that is more (a policy of 250 values, 60 freeze
 * windows, anchored once and aliased by each of 3,000 targets expands to 750,000). `yaml`'s own
 * guard, maxAliasCount 100, refused any anchor aliased more than 100 times.
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
      return `YAML aliases expand the file's ${written.toLocaleString('en-US')} values into more than ${limit.toLocaleString('en-US')} (a million, or ten times the values written: an alias bomb, or an alias inside its own anchor?); write the values out instead of nesting aliases`;
    }
    if (v !== null && typeof v === 'object') push(stack, v);
  }
  return undefined;
}
