import { describe, expect, it } from 'vitest';
import { mapBounded } from './bounded.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapBounded', () => {
  it('keeps at most `limit` in flight and returns the results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded([30, 5, 20, 1, 10], 2, async (ms) => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return ms * 2;
    });
    expect(out).toEqual([60, 10, 40, 2, 20]);
    expect(most).toBe(2);
  });

  it('passes each result to inOrder in input order, as soon as every earlier one is in, while later ones still run', async () => {
    const seen: number[] = [];
    const finishedWhenSeen: number[] = [];
    let finished = 0;
    // Item 0 is the slowest: nothing reaches inOrder before it, then 0..2 at once.
    const out = await mapBounded(
      [40, 1, 2, 50, 3],
      3,
      async (ms) => {
        await sleep(ms);
        finished++;
        return ms;
      },
      (r) => {
        seen.push(r);
        finishedWhenSeen.push(finished);
        return r + 1000;
      },
    );
    expect(seen).toEqual([40, 1, 2, 50, 3]);
    expect(out).toEqual([1040, 1001, 1002, 1050, 1003]);
    // The first three were folded while the 50 ms item still ran: a fold that runs during the map, not after it.
    expect(finishedWhenSeen.slice(0, 3).every((n) => n < 5)).toBe(true);
    expect(finishedWhenSeen[3]).toBe(5);
  });
});
