// PR items in every shape the charts draw (replicas, HPA bounds, a KEDA schedule, memory), for
// src/forge/chart.test.ts and the rendering test, which renders them next to the demo's.
import type { ChartItem } from '../../src/forge/chart.js';
import type { CronWindowTrigger } from '../../src/domain/workload.js';
import type { Series } from '../../src/domain/series.js';

export const STEP = 300;
/** 2026-06-01T00:00Z: history starts here; June, so Europe/Berlin is UTC+2. */
export const T0 = Date.parse('2026-06-01T00:00:00Z') / 1000;
export const DAY = 86_400;
export const MiB = 2 ** 20;

/** `days` of 5-minute samples from T0: a daily cycle, a weekly one and a slow rise, so each hour's peak is known. */
export function series(days: number, v: (i: number) => number = load): Series {
  const steps = Math.round((days * DAY) / STEP);
  return { timestamps: Array.from({ length: steps }, (_, i) => T0 + i * STEP), values: Array.from({ length: steps }, (_, i) => v(i)), stepSeconds: STEP };
}

/** Load at step i: 200 to about 700 over the day, lower at weekends, growing by 1 a day. */
export function load(i: number): number {
  const day = Math.floor((i * STEP) / DAY);
  const hour = ((i * STEP) % DAY) / 3600;
  const weekend = day % 7 === 5 || day % 7 === 6 ? 0.6 : 1;
  return Math.round(200 + 500 * weekend * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI)) + day);
}

/** The next 24 h after a history of `days`: p50 and p90 per 5-minute step. */
export function forecastAfter(days: number, hours = 24): ChartItem['forecast'] {
  const start = T0 + days * DAY;
  const steps = (hours * 3600) / STEP;
  const p50 = Array.from({ length: steps }, (_, i) => load(Math.round((days * DAY) / STEP) + i) + 10);
  return { stepSeconds: STEP, timestamps: Array.from({ length: steps }, (_, i) => start + i * STEP), quantiles: { '0.5': p50, '0.9': p50.map((v) => v + 80) } };
}

/** A Deployment whose replicas go from 4 to 6, one replica serving 100 req/s, with 14 days of history. */
export function replicasItem(over: Partial<ChartItem> = {}): ChartItem {
  return {
    target: { name: 'web' },
    history: series(14),
    forecast: forecastAfter(14),
    decision: { changes: [{ field: 'replicas', current: 4, proposed: 6 }] },
    recommendation: { evidence: { quantile: 0.9, capacityPerReplica: 100 } },
    autoscaler: 'none',
    blocks: [],
    unit: 'req/s',
    podRequests: { cpu: 0.5, memory: 512 * MiB },
    ...over,
  };
}

/** An HPA whose floor goes from 2 to 3 and ceiling from 6 to 9. */
export function hpaItem(over: Partial<ChartItem> = {}): ChartItem {
  return replicasItem({
    autoscaler: 'hpa',
    decision: {
      changes: [
        { field: 'hpa.minReplicas', current: 2, proposed: 3 },
        { field: 'hpa.maxReplicas', current: 6, proposed: 9 },
      ],
    },
    ...over,
  });
}

const trigger = (n: number, start: number, end: number, desiredReplicas: number): CronWindowTrigger => ({
  name: `augur-window-${n}`,
  timezone: 'Europe/Berlin',
  start: `0 ${start} * * *`,
  end: `0 ${end} * * *`,
  desiredReplicas,
});

/** A KEDA schedule: 6 replicas from 07 to 10 and 4 from 22 to 02, Berlin time, over a floor of 2; nothing scheduled now. */
export function scheduleItem(over: Partial<ChartItem> = {}): ChartItem {
  return replicasItem({
    decision: {
      changes: [],
      schedule: { timezone: 'Europe/Berlin', floor: 2, ceiling: 20, current: [], proposed: [trigger(1, 7, 10, 6), trigger(2, 22, 2, 4)], hourlyNeed: new Array<number>(24).fill(2) },
    },
    scaledObject: {},
    blocks: [{}],
    ...over,
  });
}

/** Working set about 300 to 600 MiB with a daily cycle, and a request going from 512 to 704 MiB, a limit from 1 GiB to 1.375 GiB. */
export function memoryItem(over: Partial<ChartItem> = {}): ChartItem {
  return replicasItem({
    decision: {
      changes: [
        { field: 'memory.request', current: 512 * MiB, proposed: 704 * MiB },
        { field: 'memory.limit', current: 1024 * MiB, proposed: 1408 * MiB },
      ],
    },
    memory: series(14, (i) => (300 + (load(i) - 200) * 0.6) * MiB),
    ...over,
  });
}

/** Every shape, by name, for tests that check all of them. */
export function chartScenarios(): Record<string, ChartItem> {
  return {
    replicas: replicasItem(),
    'replicas, no unit, 2 days': replicasItem({ unit: undefined, history: series(2), forecast: forecastAfter(2) }),
    hpa: hpaItem(),
    'hpa floor only, ceiling kept': hpaItem({ decision: { changes: [{ field: 'hpa.minReplicas', current: 2, proposed: 3 }] }, current: { 'hpa.minReplicas': 2, 'hpa.maxReplicas': 6 } }),
    schedule: scheduleItem(),
    memory: memoryItem(),
    'memory in GiB, request only': memoryItem({
      decision: { changes: [{ field: 'memory.request', current: 2048 * MiB, proposed: 3072 * MiB }] },
      memory: series(14, (i) => (1800 + load(i)) * MiB),
      current: { 'memory.request': 2048 * MiB, 'memory.limit': 4096 * MiB },
    }),
    'no forecast, history with gaps': replicasItem({ forecast: { stepSeconds: STEP, timestamps: [], quantiles: {} }, history: series(3, (i) => (i % 60 < 24 ? Number.NaN : load(i))) }),
  };
}
