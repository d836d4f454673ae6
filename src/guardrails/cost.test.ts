// What a KEDA schedule costs: each hour counted above what the workload already runs then (its
// other triggers), so a window under today's replica curve costs nothing and one above it costs
// the difference; without a replica curve, against the floor as before.
import { describe, expect, it } from 'vitest';
import type { ScheduleChange } from '../domain/decision.js';
import type { CronWindowTrigger } from '../domain/workload.js';
import { scheduleCost, schedulePeak } from './cost.js';

// One core and 1 GiB per pod at a price that makes a replica all month cost 730 + 730 × 0.5 USD.
const prices = { coreHour: 1, gibHour: 0.5, currency: 'USD' };
const pod = { cpu: 1, memory: 2 ** 30 };
const window = (start: number, end: number, desiredReplicas: number): CronWindowTrigger => ({ name: `augur-window-${start}`, timezone: 'UTC', start: `0 ${start} * * *`, end: `0 ${end} * * *`, desiredReplicas });
const schedule = (over: Partial<ScheduleChange>): ScheduleChange => ({
  timezone: 'UTC',
  floor: 2,
  ceiling: 20,
  maxWindows: 4,
  current: [],
  proposed: [window(8, 14, 6)],
  hourlyNeed: new Array<number>(24).fill(2),
  cycle: { period: 'daily', autocorrelation: 0.9 },
  ...over,
});
/** 8 replicas from 08:00 to 12:00 (the cpu trigger at the morning peak), 3 otherwise. */
const running = Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 12 ? 8 : 3));

describe('scheduleCost', () => {
  it('without a replica curve, costs the window against the floor all day', () => {
    // 6 hours × (6 − 2) replicas / 24 hours = 1 replica on average.
    expect(scheduleCost(schedule({}), pod, prices).cores).toBeCloseTo(1, 9);
  });

  it('costs nothing for a window under what already runs at its hours', () => {
    const s = schedule({ proposed: [window(8, 12, 7)], running });
    expect(scheduleCost(s, pod, prices)).toMatchObject({ cores: 0, memoryGiB: 0, monthly: 0 });
    expect(schedulePeak(s, pod, prices).cores).toBe(0);
  });

  it('costs only the difference above what already runs', () => {
    // 08-12 run 8 already (the window's 6 adds nothing); 12-14 run 3, the window adds 3 there: 2 h × 3 / 24.
    const s = schedule({ running });
    expect(scheduleCost(s, pod, prices).cores).toBeCloseTo(6 / 24, 9);
    expect(scheduleCost(s, pod, prices).memoryGiB).toBeCloseTo(6 / 24, 9);
    // The busiest hour adds 3 replicas (6 over 3), not 4 over the floor.
    expect(schedulePeak(s, pod, prices).cores).toBe(3);
  });

  it('counts a window that goes as saving only what it ran above the curve', () => {
    const s = schedule({ current: [window(8, 14, 6)], proposed: [], running });
    expect(scheduleCost(s, pod, prices).cores).toBeCloseTo(-6 / 24, 9);
  });

  it('with a fractional curve (a median of hourly means), costs the fraction', () => {
    const s = schedule({ proposed: [window(0, 12, 4)], running: new Array<number>(24).fill(3.5) });
    expect(scheduleCost(s, pod, prices).cores).toBeCloseTo((12 * 0.5) / 24, 9);
  });
});
