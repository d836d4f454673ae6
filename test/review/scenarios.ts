// Scenarios for the reviewer's rubric: real traces (test/fixtures/traces) turned into the inputs
// that make a change valid, green and wrong (wrong units, a wrong capacity, a one-off spike, a
// memory leak, samples missing at the peaks, four days of history, a bursty series, more replicas
// and more CPU on an HPA that scales on CPU, a scale-down, one that overloads each pod's CPU, an
// edit in a shared base), and a few
// sound ones. Each says what Augur must do: hold with a given rule, or open a PR whose decision box
// shows a given red flag. Run by test/review/rubric.test.ts; rerun it after any change to sizing,
// guardrails or the PR body.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { POLICY_DEFAULTS, SIZING_DEFAULTS, type Policy } from '../../src/config/schema.js';
import type { Facts } from '../../src/domain/facts.js';
import type { RedFlag, RuleName } from '../../src/domain/reasons.js';
import type { Series } from '../../src/domain/series.js';
import type { WorkloadId } from '../../src/domain/workload.js';
import type { Settings } from '../../src/agent/decide.js';
import { locateWorkload, type ManifestSpec } from '../../src/manifests/index.js';
import { memRepo } from '../../src/manifests/testing.js';
import { parseTraceCsv } from '../../src/metrics/file.js';

export const NOW = Date.parse('2026-12-05T06:00:00Z') / 1000;
const STEP = 300;
const DAY = 86_400;
const Mi = 2 ** 20;
const id: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const TRACES = fileURLToPath(new URL('../fixtures/traces/', import.meta.url));

export interface Scenario {
  name: string;
  /** What a reviewer should conclude: approve (sound) or reject (bad). */
  sound: boolean;
  facts: Facts;
  settings: Settings;
  /** Bad ones: Augur holds with this rule, or its PR shows this red flag. */
  expect: { hold: RuleName } | { flag: RedFlag['flag'] } | { propose: true };
}

/** The last `days` of a real trace on a 5-minute grid ending at NOW, shifted by whole weeks (weekday and hour kept), times `scale`. */
export function trace(file: string, days = 14, scale = 1): Series {
  const t = parseTraceCsv(readFileSync(`${TRACES}${file}.csv`, 'utf8'), file);
  const last = t.timestamps[t.timestamps.length - 1] as number;
  const shift = Math.ceil((NOW - last) / (7 * DAY)) * 7 * DAY;
  const n = (days * DAY) / STEP;
  const timestamps = Array.from({ length: n }, (_, i) => NOW - (n - 1 - i) * STEP);
  let j = 0;
  const values = timestamps.map((ts) => {
    while (j + 1 < t.timestamps.length && (t.timestamps[j + 1] as number) + shift <= ts) j++;
    const v = t.values[j] as number;
    return (t.timestamps[j] as number) + shift <= ts && ts - ((t.timestamps[j] as number) + shift) <= 1800 ? v * scale : Number.NaN;
  });
  return { timestamps, values, stepSeconds: STEP };
}

const peakOf = (s: Series) => Math.max(...s.values.filter(Number.isFinite));

const deployment = (replicas: number, cpu = '500m', memory = '512Mi') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: web
          resources:
            requests: { cpu: ${cpu}, memory: ${memory} }
            limits: { cpu: "2", memory: 1Gi }
`;

const hpa = (min: number, max: number) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: ${min}
  maxReplicas: ${max}
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`;

/** The facts gather would read for a workload in these files, with these series. */
function facts(files: Record<string, string>, spec: ManifestSpec, load: Series, more: Partial<Facts['metrics']> = {}): Facts {
  const site = locateWorkload(memRepo(files), id, spec);
  const read = (series: Series) => ({ series, source: 'scenario' });
  const metrics: Facts['metrics'] = { load: read(load) };
  for (const [k, v] of Object.entries(more)) metrics[k as keyof Facts['metrics']] = v;
  return { id, now: NOW, manifest: { site, files: new Map(Object.entries(files)) }, metrics, prs: [] };
}

const plain = (replicas: number, cpu?: string, memory?: string) => ({ files: { 'apps/web/deployment.yaml': deployment(replicas, cpu, memory) }, spec: { format: 'plain', path: 'apps/web/deployment.yaml' } as ManifestSpec });

function settings(perReplica: number, policy: Partial<Policy> = {}, unit = 'req/s'): Settings {
  return { policy: { ...POLICY_DEFAULTS, maxStepPercent: { up: 100, down: 30 }, ...policy }, sizing: SIZING_DEFAULTS, capacity: { perReplica }, timezone: 'UTC', loadUnit: unit };
}

/** A per-pod series shaped like the load (CPU in cores, memory in bytes). */
const like = (load: Series, top: number, floor = 0): Series => {
  const p = peakOf(load);
  return { ...load, values: load.values.map((v) => floor + (Number.isFinite(v) ? (v / p) * (top - floor) : Number.NaN)) };
};

/** A working set that climbs between restarts every `hours`: a leak. */
function leaking(load: Series, from: number, to: number, hours = 60): Series {
  const per = (hours * 3600) / STEP;
  return { ...load, values: load.values.map((_, i) => from + ((i % per) / per) * (to - from) + ((i * 7919) % 13) * Mi) };
}

export function scenarios(): Scenario[] {
  const isp = trace('isp_uk_traffic');
  const ispPeak = peakOf(isp);
  const cap = Math.round(ispPeak / 10);
  const web = plain(9);
  const out: Scenario[] = [];
  const add = (s: Scenario) => out.push(s);

  add({ name: 'sound: a daily cycle, sized as it should be', sound: true, facts: facts(plain(5).files, web.spec, isp), settings: settings(cap), expect: { propose: true } });
  add({ name: 'sound: CPU requests sized from usage', sound: true, facts: facts(plain(10, '500m').files, web.spec, isp, { cpu: { series: like(isp, 0.6, 0.1), source: 'scenario' } }), settings: settings(cap), expect: { propose: true } });

  // Network bytes/s against a capacity in requests/s: 1000× the load.
  add({ name: 'wrong units: the load query returns bytes, the capacity is in requests', sound: false, facts: facts(web.files, web.spec, trace('isp_uk_traffic', 14, 1000)), settings: settings(cap), expect: { hold: 'plausibility' } });
  // A capacity mistyped 10× too small: today's pods visibly serve far more.
  add({ name: 'wrong capacity: perReplica 10× too small', sound: false, facts: facts(web.files, web.spec, isp), settings: settings(cap / 10), expect: { hold: 'plausibility' } });

  const taxi = trace('nab_nyc_taxi');
  const spiked = { ...taxi, values: taxi.values.map((v, i) => (i >= taxi.values.length - 3 * 288 && i < taxi.values.length - 3 * 288 + 12 ? v * 6 : v)) };
  add({ name: 'a one-off spike two days ago sets the size', sound: false, facts: facts(plain(6).files, web.spec, spiked), settings: settings(Math.round(peakOf(taxi) / 6)), expect: { flag: 'oneHour' } });

  const mem = plain(9, '500m', '512Mi');
  add({
    name: 'a memory leak: the working set climbs between restarts, the raise would only postpone the OOM',
    sound: false,
    facts: facts(mem.files, web.spec, isp, { memory: { series: leaking(isp, 300 * Mi, 900 * Mi), source: 'scenario' } }),
    settings: settings(cap),
    expect: { hold: 'memoryLeak' },
  });

  const peakCut = [...isp.values].filter(Number.isFinite).sort((a, b) => a - b)[Math.floor(0.85 * isp.values.length)] as number;
  const holes = { ...isp, values: isp.values.map((v, i) => (v > peakCut && i % 3 !== 0 ? Number.NaN : v)) };
  add({ name: 'samples missing at the peaks, filled in', sound: false, facts: facts(plain(6).files, web.spec, holes), settings: settings(cap), expect: { flag: 'dataFilled' } });

  // Four days: the backtest's first origin has one day behind it, and there the forecast's p90 does
  // far worse than the same time yesterday on this regular trace (pinball skill −136%): the trust
  // guard holds it, saying so. With the guard off, the PR shows the short history.
  add({ name: 'four days of history', sound: false, facts: facts(web.files, web.spec, trace('isp_uk_traffic', 4)), settings: settings(cap), expect: { hold: 'minAccuracy' } });
  add({ name: 'four days of history, trust guard off', sound: false, facts: facts(web.files, web.spec, trace('isp_uk_traffic', 4)), settings: settings(cap, { minAccuracy: -Infinity }), expect: { flag: 'shortHistory' } });

  const tweets = trace('nab_Twitter_volume_AMZN');
  // Tweet volume with its top 5% tripled: bursts every day, far above the usual load, set the size.
  const p95 = [...tweets.values].filter(Number.isFinite).sort((a, b) => a - b)[Math.floor(0.95 * tweets.values.length)] as number;
  const bursts = { ...tweets, values: tweets.values.map((v) => (v > p95 ? v * 3 : v)) };
  add({ name: 'a bursty series: bursts, not the usual load, set the size', sound: false, facts: facts(plain(4).files, web.spec, bursts), settings: settings(Math.round(peakOf(bursts) / 6), { minAccuracy: -Infinity }), expect: { flag: 'bursty' } });
  // Noise the size of the signal: no model forecasts it better than "the same as last week".
  let x = 7;
  const noisy = { ...isp, values: isp.values.map((v) => v * (0.2 + 1.6 * ((x = (x * 48271) % 2147483647) / 2147483647))) };
  add({ name: 'a noisy series the model cannot follow', sound: false, facts: facts(plain(5).files, web.spec, noisy), settings: settings(cap, { minAccuracy: -Infinity }), expect: { flag: 'inaccurate' } });

  const hpaFiles = { 'apps/web/deployment.yaml': deployment(4, '200m'), 'apps/web/hpa.yaml': hpa(3, 8) };
  add({
    name: 'more replicas and more CPU on an HPA that scales on CPU',
    sound: false,
    facts: facts(hpaFiles, web.spec, isp, { cpu: { series: like(isp, 0.55, 0.1), source: 'scenario' } }),
    settings: settings(cap),
    expect: { flag: 'hpaResource' },
  });

  add({ name: 'a scale-down the last days support', sound: false, facts: facts(plain(20).files, web.spec, isp), settings: settings(cap), expect: { flag: 'scaleDown' } });
  add({
    name: "a scale-down that pushes each remaining pod's CPU over its request",
    sound: false,
    facts: facts(plain(20, '500m').files, web.spec, isp, { cpu: { series: like(isp, 0.45, 0.05), source: 'scenario' } }),
    settings: settings(cap),
    expect: { flag: 'cpuOverRequest' },
  });

  const kustomize = {
    'base/deployment.yaml': deployment(9, '100m'),
    'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
    'overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\nreplicas:\n  - name: web\n    count: 9\n',
    'overlays/staging/kustomization.yaml': 'resources:\n  - ../../base\n',
  };
  add({
    name: 'a CPU request that lands in a base other environments build from',
    sound: false,
    facts: facts(kustomize, { format: 'kustomize', path: 'overlays/prod', sharedBase: 'allow' }, isp, { cpu: { series: like(isp, 0.4, 0.05), source: 'scenario' } }),
    settings: settings(cap),
    expect: { flag: 'sharedBase' },
  });

  add({ name: 'one day of history', sound: false, facts: facts(web.files, web.spec, trace('isp_uk_traffic', 1)), settings: settings(cap), expect: { hold: 'minHistory' } });
  const stale = { ...isp, values: isp.values.map((v, i) => (i >= isp.values.length - 24 ? Number.NaN : v)) };
  add({ name: 'stale data: the last two hours are missing', sound: false, facts: facts(web.files, web.spec, stale), settings: settings(cap), expect: { hold: 'metrics' } });
  return out;
}
