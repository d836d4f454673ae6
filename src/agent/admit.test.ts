// admit's arithmetic: what a proposal adds at its busiest moment (the whole cycle is tested in test/e2e).
import { describe, expect, it } from 'vitest';
import type { CronWindowTrigger } from '../domain/workload.js';
import type { Decision } from '../domain/decision.js';
import { addedAtPeak } from './admit.js';
import { clusterLines } from '../forge/cluster.js';
import type { ClusterReport } from '../domain/proposal.js';

const prices = { coreHour: 0.031, gibHour: 0.0042, currency: 'USD' };
const pod = { cpu: 0.5, memory: 256 * 2 ** 20 };
const window = (start: number, end: number, desiredReplicas: number): CronWindowTrigger => ({
  name: 'augur-window-1',
  timezone: 'Europe/London',
  start: `0 ${start} * * *`,
  end: `0 ${end} * * *`,
  desiredReplicas,
});

function decision(over: Partial<Decision> = {}): Decision {
  return { target: { kind: 'Deployment', namespace: 'edge', name: 'gateway' }, verdict: 'propose', changes: [], notes: [], cost: { cores: 0, memoryGiB: 0, monthly: 0, currency: 'USD' }, ...over };
}

describe('addedAtPeak: what the headroom check must fit', () => {
  it('is the costed change when there is no schedule', () => {
    expect(addedAtPeak(decision({ cost: { cores: 1.5, memoryGiB: 2, monthly: 40, currency: 'USD' } }), pod, prices)).toEqual({ cores: 1.5, bytes: 2 * 2 ** 30 });
  });

  it("counts a schedule at its busiest hour, not at the day's average it costs", () => {
    // Floor 4; 6 replicas from 13 to 23 (10 h): +2 pods at once, +0.83 on average over the day.
    const schedule = { timezone: 'Europe/London', floor: 4, ceiling: 20, maxWindows: 4, current: [], proposed: [window(13, 23, 6)], hourlyNeed: new Array<number>(24).fill(4), cycle: { period: 'daily' as const, autocorrelation: 0.9 } };
    const average = (2 * 10) / 24;
    const d = decision({ schedule, cost: { cores: Math.round(average * 0.5 * 1000) / 1000, memoryGiB: Math.round(((average * 256) / 1024) * 1000) / 1000, monthly: 9, currency: 'USD' } });
    const added = addedAtPeak(d, pod, prices);
    expect(added.cores).toBeCloseTo(2 * 0.5, 2);
    expect(added.bytes / 2 ** 20).toBeCloseTo(2 * 256, 0);
    expect(added.busiest).toEqual({ hour: 13, timezone: 'Europe/London', before: 4, after: 6, cores: 1, bytes: 512 * 2 ** 20 });
  });

  it('counts the peak from what the hours run at now, and the new pod size when the request changes too', () => {
    const schedule = { timezone: 'UTC', floor: 2, ceiling: 20, maxWindows: 4, current: [window(8, 18, 5)], proposed: [window(8, 18, 6), window(18, 22, 4)], hourlyNeed: new Array<number>(24).fill(2), cycle: { period: 'daily' as const, autocorrelation: 0.9 } };
    const d = decision({ schedule, changes: [{ field: 'cpu.request', current: 0.5, proposed: 0.6, basis: { kind: 'cpuPercentile', percentile: 95, usage: 0.5, marginPercent: 15 } }] });
    // 18..22: 2 → 4 (+2) beats 8..18: 5 → 6 (+1).
    const added = addedAtPeak(d, pod, prices);
    expect(added.busiest).toMatchObject({ hour: 18, timezone: 'UTC', before: 2, after: 4, cores: 1.2 });
  });

  it('names the busiest hour of the week for weekday and weekend windows, above what the workload already runs then', () => {
    const wk = (start: string, end: string, desiredReplicas: number) => ({ name: 'augur-window-1', timezone: 'UTC', start, end, desiredReplicas });
    // Weekdays 08–18 at 6, weekends 10–14 at 9; the cpu trigger already runs 7 on weekend middays.
    const running = Array.from({ length: 168 }, (_, h) => ([0, 6].includes(Math.floor(h / 24)) && h % 24 >= 10 && h % 24 < 14 ? 7 : 2));
    const schedule = { timezone: 'UTC', floor: 2, ceiling: 20, maxWindows: 4, current: [], proposed: [wk('0 8 * * 1-5', '0 18 * * 1-5', 6), wk('0 10 * * 0,6', '0 14 * * 0,6', 9)], hourlyNeed: new Array<number>(168).fill(2), cycle: { period: 'weekly' as const, autocorrelation: 0.9 }, running };
    const added = addedAtPeak(decision({ schedule }), pod, prices);
    // Monday 08:00 adds 4 (2 → 6); the weekend's 9 adds only 2 over the 7 that run then.
    expect(added.busiest).toMatchObject({ hour: 24 + 8, week: true, before: 2, after: 6 });
    expect(clusterLines({ namespace: 'shop', added, violations: [], schedule: true } as unknown as ClusterReport).join('\n')).toContain('(Mon 08:00 UTC): 4 replicas more than that hour runs now (2 → 6)');
  });

  it('says so when the schedule adds nothing at any hour', () => {
    const schedule = { timezone: 'UTC', floor: 2, ceiling: 20, maxWindows: 4, current: [window(8, 18, 5)], proposed: [window(8, 12, 4)], hourlyNeed: new Array<number>(24).fill(2), cycle: { period: 'daily' as const, autocorrelation: 0.9 } };
    expect(addedAtPeak(decision({ schedule }), pod, prices).busiest).toMatchObject({ before: 2, after: 2, cores: 0, bytes: 0 });
  });

  describe('at the new peak, against what runs now (with the values in Git and the live replicas)', () => {
    const change = (field: 'hpa.maxReplicas' | 'replicas' | 'cpu.request', current: number, proposed: number) =>
      ({ field, current, proposed, basis: { kind: 'cpuPercentile', percentile: 95, usage: 0.5, marginPercent: 15 } }) as Decision['changes'][number];

    it('a raised HPA ceiling counts every pod up to it, however little it costs on average', () => {
      // 12 → 14 at 500m: 7 cores at the peak, 10 pods (5 cores) run now: +2 cores.
      const d = decision({ changes: [change('hpa.maxReplicas', 12, 14)], cost: { cores: 0, memoryGiB: 0, monthly: 0, currency: 'USD' } });
      const added = addedAtPeak(d, pod, prices, { current: { 'hpa.minReplicas': 2, 'hpa.maxReplicas': 12 }, running: 10 });
      expect(added.cores).toBeCloseTo(2, 9);
      expect(added.bytes).toBe(4 * 256 * 2 ** 20);
      expect(added.peak).toEqual({ what: 'hpa.maxReplicas', replicas: 14, before: 12, running: 10, cores: 7, bytes: 14 * 256 * 2 ** 20 });
    });

    it('a request change on an HPA workload is checked with the ceiling as it is', () => {
      const d = decision({ changes: [change('cpu.request', 0.5, 0.6)] });
      const added = addedAtPeak(d, pod, prices, { current: { 'hpa.maxReplicas': 10, 'cpu.request': 0.5 }, running: 4 });
      expect(added.cores).toBeCloseTo(10 * 0.6 - 4 * 0.5, 9);
      expect(added.bytes).toBe(0); // memory's peak does not move
    });

    it('adds nothing when the change lowers the peak', () => {
      const d = decision({ changes: [change('replicas', 10, 8)] });
      expect(addedAtPeak(d, pod, prices, { current: { replicas: 10 }, running: 10 })).toMatchObject({ cores: 0, bytes: 0, peak: { what: 'replicas', replicas: 8, before: 10 } });
    });

    it("a schedule's peak is its highest window, against the pods running now", () => {
      const schedule = { timezone: 'UTC', floor: 2, ceiling: 20, maxWindows: 4, current: [window(8, 18, 5)], proposed: [window(8, 18, 8)], hourlyNeed: new Array<number>(24).fill(2), cycle: { period: 'daily' as const, autocorrelation: 0.9 } };
      const added = addedAtPeak(decision({ schedule }), pod, prices, { current: {}, running: 2 });
      expect(added.peak).toMatchObject({ what: 'schedule', replicas: 8, before: 5, running: 2 });
      expect(added.cores).toBeCloseTo(8 * 0.5 - 2 * 0.5, 9);
      expect(added.busiest).toMatchObject({ hour: 8, before: 5, after: 8 });
    });
  });
});
