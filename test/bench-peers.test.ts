// The pure parts of the peer benchmark (bench/peers/exchange.ts): the hourly series every model is
// scored on, the training windows sent to R, reading R's answers as p50/p90, and scoring them with
// the backtest's own scorer through the replay.
import { describe, expect, it } from 'vitest';
import { aggregate, answerQuantiles, parseAnswers, peerRequest, replayForecaster, trainingWindows } from '../bench/peers/exchange.js';
import { backtest } from '../src/forecast/backtest.js';
import { pinballLoss } from '../src/forecast/loss.js';
import { maxFitSteps } from '../src/forecast/model.js';
import type { Series } from '../src/domain/series.js';

const series = (values: number[], stepSeconds: number, t0 = 0): Series => ({ timestamps: values.map((_, i) => t0 + i * stepSeconds), values, stepSeconds });

describe('aggregate', () => {
  it('averages the finite values of each whole hour, labelled by its start, and drops partial hours at the ends', () => {
    // 5-minute points from 00:50 to 03:05: a partial first hour (00:50, 00:55) and a partial last one (03:00, 03:05).
    const values = Array.from({ length: 28 }, (_, i) => i);
    const s = series(values, 300, 3000);
    const h = aggregate(s, 3600);
    expect(h.stepSeconds).toBe(3600);
    expect(h.timestamps).toEqual([3600, 7200]);
    // 01:00..01:55 are points 2..13, 02:00..02:55 are 14..25.
    expect(h.values).toEqual([7.5, 19.5]);
  });

  it('skips missing values in the mean and leaves an hour with none as NaN', () => {
    const values = Array.from({ length: 36 }, (_, i) => (i < 12 ? (i % 2 ? Number.NaN : 10) : i < 24 ? Number.NaN : 4));
    const h = aggregate(series(values, 300), 3600);
    expect(h.values[0]).toBe(10);
    expect(h.values[1]).toBeNaN();
    expect(h.values[2]).toBe(4);
  });

  it('returns a series already at the step as it is, and refuses a step that is not a multiple', () => {
    const s = series([1, 2, 3], 3600);
    expect(aggregate(s, 3600)).toBe(s);
    expect(() => aggregate(series([1, 2], 420), 3600)).toThrow(/not a multiple/);
  });
});

describe('trainingWindows', () => {
  it('cuts where the backtest cuts, oldest first, with gaps filled as Augur\'s selection sees them', () => {
    const values = Array.from({ length: 24 * 10 }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 24));
    values[5] = Number.NaN;
    const ws = trainingWindows(series(values, 3600, 86400), 24, 3);
    expect(ws.map((w) => w.cut)).toEqual([240 - 72, 240 - 48, 240 - 24]);
    expect(ws[0]?.values).toHaveLength(168);
    expect(ws[0]?.start).toBe(86400);
    expect(ws.every((w) => w.values.every(Number.isFinite))).toBe(true);
  });

  it('sends at most the look-back Augur\'s own models use', () => {
    const cap = maxFitSteps(3600);
    const ws = trainingWindows(series(Array.from({ length: cap + 100 }, () => 1), 3600), 24, 1);
    expect(ws[0]?.values).toHaveLength(cap);
    expect(ws[0]?.start).toBe((ws[0]!.cut - cap) * 3600);
  });
});

describe('answers', () => {
  it('reads one JSON line per answer and skips R\'s chatter', () => {
    const text = ['Loading required package: Rcpp', '{"model":"stlf","id":"168","seconds":0.5,"mean":[1,2],"upper":[2,3]}', '', '{"model":"tbats","id":168,"seconds":3,"error":"reached elapsed time limit"}', '{not json'].join('\n');
    const a = parseAnswers(text);
    expect(a).toHaveLength(2);
    expect(a[1]).toEqual({ model: 'tbats', id: '168', seconds: 3, error: 'reached elapsed time limit' });
    expect(peerRequest(3600, 2, [{ cut: 168, start: 0, values: [1] }], ['stlf'], 60).windows[0]?.id).toBe('168');
  });

  it('takes the point forecast as p50 and the 80% upper bound as p90, clipped at 0 for a load that was never negative', () => {
    const q = answerQuantiles({ model: 'stlf', id: '1', seconds: 1, mean: [-1, 5, 7], upper: [-0.5, 9, 6] }, 3, true);
    expect(q).toEqual({ quantiles: { '0.5': [0, 5, 7], '0.9': [0, 9, 7] } });
    const signed = answerQuantiles({ model: 'stlf', id: '1', seconds: 1, mean: [-1], upper: [-0.5] }, 1, false);
    expect(signed).toEqual({ quantiles: { '0.5': [-1], '0.9': [-0.5] } });
  });

  it('turns an error, a short answer or a value that is not finite into the reason the peer failed', () => {
    expect(answerQuantiles({ model: 'tbats', id: '1', seconds: 1, error: 'boom' }, 2, true)).toEqual({ error: 'boom' });
    expect(answerQuantiles({ model: 'stlf', id: '1', seconds: 1, mean: [1], upper: [1] }, 2, true)).toHaveProperty('error');
    expect(answerQuantiles({ model: 'stlf', id: '1', seconds: 1, mean: [1, null], upper: [1, 2] }, 2, true)).toEqual({ error: 'a value that is not finite at lead 2' });
  });
});

describe('replayForecaster', () => {
  it('is scored by backtest() on exactly the held-out steps of each origin', () => {
    const H = 24;
    const values = Array.from({ length: 24 * 8 }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / 24) + (i % 7));
    const s = series(values, 3600);
    const ws = trainingWindows(s, H, 2);
    const byCut = new Map(ws.map((w) => [w.cut, { '0.5': Array.from({ length: H }, () => 100), '0.9': Array.from({ length: H }, () => 110) }]));
    const acc = backtest(replayForecaster('flat', 3600, byCut, 1), s, { horizonSteps: H, quantiles: [0.5, 0.9], origins: 2 });
    const heldOut = values.slice(values.length - 2 * H);
    expect(acc?.pinball['0.9']).toBeCloseTo(pinballLoss(heldOut, heldOut.map(() => 110), 0.9), 12);
    expect(acc?.coverage['0.9']).toBeCloseTo(heldOut.filter((y) => y <= 110).length / heldOut.length, 12);
  });

  it('refuses an origin it was not given, and a level peers do not answer', () => {
    const f = replayForecaster('p', 3600, new Map([[48, { '0.5': [1], '0.9': [2] }]]), 1);
    expect(() => f.forecast(series(Array.from({ length: 47 }, () => 1), 3600), { horizonSteps: 1, quantiles: [0.5] })).toThrow(/no forecast for the origin after 47 steps/);
    expect(() => f.forecast(series(Array.from({ length: 48 }, () => 1), 3600), { horizonSteps: 1, quantiles: [0.99] })).toThrow(/p99/);
  });
});
