/** Packed doubles, NaN, as long as the longest packedNumbers asked for: copied, never written. */
const template: number[] = [];

/**
 * An array of `n` numbers, each `fill`, that V8 holds as packed doubles. `new Array(n)` (with or
 * without `.fill`) makes a holey array, and a loop reading a holey array of doubles gets each
 * element as a boxed number (it might be a hole): a new heap object per read. Every series of a
 * cycle is read by several such loops (the sanity checks, the cleaning, the sizing, the review
 * flags). A slice of a packed template is packed, of exactly `n`, and as quick as `new Array(n)`
 * (pushing `n` values builds the same array four times slower).
 */
export function packedNumbers(n: number, fill = Number.NaN): number[] {
  while (template.length < n) template.push(Number.NaN);
  const out = template.slice(0, n);
  return fill === fill ? out.fill(fill) : out;
}

/** The numbers of a typed array (or any array-like) as a packed array of doubles (see packedNumbers). */
export function numbersOf(xs: ArrayLike<number>): number[] {
  const out = packedNumbers(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i] as number;
  return out;
}
