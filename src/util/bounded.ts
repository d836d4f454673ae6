// Bounded concurrency for a cycle's targets.

/**
 * `fn` over `items` with at most `limit` in flight; results in input order. `inOrder`, when given,
 * sees each result as soon as it and every result before it are in, in input order, and its
 * return value replaces the result: a fold over the results (a ledger) that runs while later
 * items are still in flight, so it can let go of what it no longer needs.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, inOrder?: (r: R) => R): Promise<R[]> {
  const out = new Array<R>(items.length);
  const done = new Array<boolean>(items.length).fill(false);
  let next = 0;
  let settled = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
      done[i] = true;
      // Each result, once it and every one before it are in, through inOrder: the order the items came in.
      if (inOrder) for (; settled < items.length && done[settled]; settled++) out[settled] = inOrder(out[settled] as R);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
