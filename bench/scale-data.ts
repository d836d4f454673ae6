// The scale scenario's world: N workloads with 14 days (+ one cycle) of load, CPU and memory at
// 5-minute steps, derived from the real traces in ../shared/traces (each workload: one trace, its
// own window into it, scale and noise), backfilled into a real Prometheus TSDB with
// `promtool tsdb create-blocks-from openmetrics`, and a manifest repository with one Deployment
// per workload.
//
// promtool (2.42, Debian) writes 2-hour blocks and re-reads its whole input once per block, so the
// OpenMetrics text is written one file per 2-hour window (aligned as Prometheus aligns blocks);
// Prometheus then compacts the blocks once, and the compacted TSDB is kept in the OS temp dir
// (keyed by size and generator version) for later runs, which start Prometheus on it directly.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseTraceCsv, resampleLast } from '../src/metrics/file.js';
import { prng } from '../src/forecast/test-support.js';
import { freePort } from '../test/support/prometheus.js';
import { ROOT } from './lib.js';

const execFileAsync = promisify(execFile);

export const SCALE_STEP = 300;
export const SCALE_HISTORY = 14 * 86_400;
/** The steady-state cycle runs one hour after the first (the history moved by 12 points). */
export const SCALE_CYCLE_GAP = 3600;
/** Bump when the generated data changes: the cached TSDBs are keyed by it. */
const GENERATOR_VERSION = 2;
const BLOCK = 7200;
/** Fixed clock of the first cycle, so a cached TSDB stays valid: 2026-11-30T06:00Z. */
const FIRST_CYCLE = Date.UTC(2026, 10, 30, 6, 0, 0) / 1000;
const TRACES_DIR = join(ROOT, '..', 'shared', 'traces');
/** Workloads per namespace. */
const PER_NAMESPACE = 50;

export interface ScaleWorkload {
  namespace: string;
  name: string;
  replicas: number;
  perReplica: number;
  cpuRequest: string;
  memoryRequest: string;
  trace: string;
}

export interface ScaleData {
  size: number;
  workloads: ScaleWorkload[];
  /** Unix seconds of the first cycle and of the steady-state one. */
  first: number;
  steady: number;
  dataDir: string;
  samples: number;
  /** Seconds spent generating and backfilling now (0 when the cached TSDB was reused). */
  generatedSeconds: number;
}

interface Base {
  name: string;
  values: Float64Array;
}

const POINTS = SCALE_HISTORY / SCALE_STEP + SCALE_CYCLE_GAP / SCALE_STEP; // 4032 + 12

/** Every trace of ../shared/traces on the 5-minute grid, last POINTS + 2 weeks points (shorter ones extended by whole weeks). */
function loadBases(): Base[] {
  const out: Base[] = [];
  const want = POINTS + 2 * 2016;
  for (const f of readdirSync(TRACES_DIR).filter((x) => x.endsWith('.csv')).sort()) {
    const data = parseTraceCsv(readFileSync(join(TRACES_DIR, f), 'utf8'), f);
    const ts = data.timestamps;
    const last = Math.floor((ts[ts.length - 1] as number) / SCALE_STEP) * SCALE_STEP;
    const diffs = ts.slice(1).map((t, i) => t - (ts[i] as number)).sort((a, b) => a - b);
    const lookback = Math.max(SCALE_STEP, diffs[Math.floor(diffs.length / 2)] ?? SCALE_STEP);
    const have = Math.min(want, Math.floor((last - (ts[0] as number)) / SCALE_STEP) + 1);
    const grid = Array.from({ length: have }, (_, i) => last - (have - 1 - i) * SCALE_STEP);
    const { values } = resampleLast(data, grid, lookback);
    const v = new Float64Array(want);
    for (let i = 0; i < want; i++) {
      // Index from the end; before the trace starts, the same time one (or more) weeks later.
      let j = have - want + i;
      while (j < 0) j += 2016;
      v[i] = values[Math.min(j, have - 1)] ?? NaN;
    }
    if (v.some((x) => Number.isFinite(x) && x < 0)) continue;
    out.push({ name: f.replace(/\.csv$/, ''), values: v });
  }
  return out;
}


interface Gen {
  w: ScaleWorkload;
  base: Float64Array;
  offset: number;
  scale: number;
  mean: number;
  seed: number;
}

function workloads(size: number, bases: Base[]): Gen[] {
  const out: Gen[] = [];
  for (let i = 0; i < size; i++) {
    const r = prng(1000 + i);
    const b = bases[i % bases.length] as Base;
    const offset = Math.floor(r() * 2 * 2016); // its own window: up to two weeks earlier
    let sum = 0;
    let n = 0;
    let peak = 0;
    for (let k = 0; k < POINTS; k++) {
      const x = b.values[offset + k] as number;
      if (Number.isFinite(x)) {
        sum += x;
        n++;
        if (x > peak) peak = x;
      }
    }
    const mean = n ? sum / n : 1;
    // Load in requests/s: mean between 5 and 2000 (log-uniform).
    const scale = (5 * Math.exp(r() * Math.log(400))) / (mean || 1);
    const perReplica = [20, 50, 100, 200][Math.floor(r() * 4)] as number;
    const replicas = Math.max(1, Math.min(60, Math.ceil((peak * scale) / perReplica)));
    const cpu = Math.max(50, Math.round(((mean * scale) / replicas / perReplica) * 1000));
    const ns = `team-${String(Math.floor(i / PER_NAMESPACE)).padStart(3, '0')}`;
    out.push({
      w: { namespace: ns, name: `svc-${String(i).padStart(5, '0')}`, replicas, perReplica, cpuRequest: `${cpu}m`, memoryRequest: `${256 + 64 * Math.floor(r() * 8)}Mi`, trace: b.name },
      base: b.values,
      offset,
      scale,
      mean,
      seed: i,
    });
  }
  return out;
}

const METRICS = ['augur_bench_load', 'augur_bench_cpu_cores', 'augur_bench_memory_bytes'] as const;

/** Value of metric m of workload g at point k (0 = first point of the data), NaN for no sample. */
function value(g: Gen, m: number, k: number): number {
  const x = g.base[g.offset + k] as number;
  if (!Number.isFinite(x)) return NaN;
  const load = x * g.scale;
  if (m === 0) return load;
  // A little deterministic noise per point, different per metric.
  const h = Math.sin((g.seed + 1) * 12.9898 + k * 78.233 + m * 37.719) * 43758.5453;
  const noise = 1 + 0.1 * (h - Math.floor(h) - 0.5);
  const perPod = load / g.w.replicas / g.w.perReplica; // utilisation of one pod's capacity
  if (m === 1) return Math.max(0.001, (0.02 + 0.8 * perPod) * noise);
  return (150 + 200 * Math.min(perPod, 3)) * 1024 * 1024 * noise;
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 1e6 ? String(Math.round(v)) : v.toPrecision(6).replace(/\.?0+$/, '')) : 'NaN');

/** The world for `size` workloads: reused from the cache when there, else generated, backfilled and compacted. */
export async function scaleData(size: number, log: (m: string) => void): Promise<ScaleData> {
  const gens = workloads(size, loadBases());
  const first = FIRST_CYCLE;
  const steady = first + SCALE_CYCLE_GAP;
  const start = first - SCALE_HISTORY + SCALE_STEP;
  const cache = join(os.tmpdir(), 'augur-bench-scale', `v${GENERATOR_VERSION}-${size}`);
  const dataDir = join(cache, 'data');
  const metaFile = join(cache, 'meta.json');
  const samples = size * METRICS.length * POINTS;
  const base = { size, workloads: gens.map((g) => g.w), first, steady, dataDir, samples };
  if (existsSync(metaFile)) {
    log(`  ${size} workloads: reusing the backfilled TSDB in ${cache}`);
    return { ...base, generatedSeconds: 0 };
  }
  const t0 = performance.now();
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const windows: number[] = [];
  for (let w = Math.floor(start / BLOCK) * BLOCK; w <= steady; w += BLOCK) windows.push(w);
  log(`  ${size} workloads: writing ${samples.toLocaleString('en-US')} samples as ${windows.length} OpenMetrics files and backfilling with promtool`);
  const work = join(cache, 'work');
  mkdirSync(work, { recursive: true });
  let next = 0;
  const worker = async (id: number) => {
    const out = join(work, `out-${id}`);
    mkdirSync(out, { recursive: true });
    while (next < windows.length) {
      const w = windows[next++] as number;
      const file = join(work, `w-${w}.om`);
      await writeWindow(file, gens, w, start, steady);
      await execFileAsync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, out], { maxBuffer: 16 << 20 });
      rmSync(file);
    }
    for (const b of readdirSync(out)) renameSync(join(out, b), join(dataDir, b));
  };
  await Promise.all([0, 1].map(worker));
  rmSync(work, { recursive: true, force: true });
  log(`  backfilled in ${((performance.now() - t0) / 1000).toFixed(0)} s; letting Prometheus compact the ${readdirSync(dataDir).length} blocks once`);
  const prom = await startPrometheusOn(dataDir);
  try {
    await waitCompacted(prom.url, log);
  } finally {
    await prom.stop();
  }
  writeFileSync(metaFile, JSON.stringify({ size, first, steady, samples, generator: GENERATOR_VERSION }));
  return { ...base, generatedSeconds: (performance.now() - t0) / 1000 };
}

async function writeWindow(file: string, gens: Gen[], w: number, start: number, end: number): Promise<void> {
  const out = createWriteStream(file);
  const lines: string[] = [];
  const flush = async () => {
    if (!out.write(lines.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
    lines.length = 0;
  };
  const from = Math.max(w, start);
  const to = Math.min(w + BLOCK - SCALE_STEP, end);
  for (let m = 0; m < METRICS.length; m++) {
    const name = METRICS[m] as string;
    lines.push(`# TYPE ${name} gauge\n`);
    for (const g of gens) {
      const labels = `${name}{namespace="${g.w.namespace}",workload="${g.w.name}"} `;
      for (let t = from; t <= to; t += SCALE_STEP) {
        const v = value(g, m, (t - start) / SCALE_STEP);
        if (Number.isFinite(v)) lines.push(`${labels}${fmt(v)} ${t}\n`);
      }
      if (lines.length > 20_000) await flush();
    }
  }
  lines.push('# EOF\n');
  await flush();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export interface ScalePrometheus {
  url: string;
  pid: number;
  /** CPU seconds (user + system) Prometheus has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** `prometheus` on an existing TSDB (nothing scraped), on a free loopback port. */
export async function startPrometheusOn(dataDir: string): Promise<ScalePrometheus> {
  const config = join(dataDir, '..', 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [`--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, `--config.file=${config}`, '--storage.tsdb.retention.time=100y', '--log.level=warn', '--query.max-samples=200000000'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error('prometheus did not become ready in 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid as number;
  const tick = os.constants.priority ? 100 : 100; // USER_HZ is 100 on Linux
  return {
    url,
    pid,
    cpuSeconds() {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / tick;
    },
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Waits until Prometheus' compactions have run and stopped (the block count unchanged for 30 s, after the first compaction tick). */
async function waitCompacted(url: string, log: (m: string) => void): Promise<void> {
  const started = Date.now();
  const read = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return `${get('prometheus_tsdb_blocks_loaded')}/${get('prometheus_tsdb_compactions_total')}`;
  };
  let last = '';
  let stableSince = Date.now();
  while (Date.now() - started < 15 * 60_000) {
    await new Promise((r) => setTimeout(r, 5000));
    const now = await read();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - started > 75_000 && Date.now() - stableSince >= 30_000) {
      log(`  compacted (blocks/compactions ${now}) after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return;
    }
  }
  log('  compaction did not settle within 15 minutes; going on');
}

/** A git repository (bare, `remote.git`) with one plain Deployment per workload, in `dir`. */
export async function manifestRepo(dir: string, ws: ScaleWorkload[]): Promise<string> {
  const work = join(dir, 'seed');
  for (const w of ws) {
    const d = join(work, 'apps', w.namespace);
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, `${w.name}.yaml`),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        `  name: ${w.name}`,
        `  namespace: ${w.namespace}`,
        'spec:',
        `  replicas: ${w.replicas}`,
        '  selector:',
        `    matchLabels: { app: ${w.name} }`,
        '  template:',
        `    metadata: { labels: { app: ${w.name} } }`,
        '    spec:',
        '      containers:',
        '        - name: app',
        '          image: registry.example/app:1.0',
        '          resources:',
        `            requests: { cpu: ${w.cpuRequest}, memory: ${w.memoryRequest} }`,
        '',
      ].join('\n'),
    );
  }
  const git = (args: string[], cwd = work) => execFileAsync('git', args, { cwd, maxBuffer: 64 << 20 });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '.']);
  await git(['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'workloads']);
  await git(['clone', '-q', '--bare', work, join(dir, 'remote.git')], dir);
  rmSync(work, { recursive: true, force: true });
  return join(dir, 'remote.git');
}

/** The guardrails file of the scenario; `extra` is YAML appended at the top level (e.g. the state directory). */
export function scaleConfig(promUrl: string, ws: ScaleWorkload[], extra = ''): string {
  const out = [
    `prometheus: { url: "${promUrl}", step: 5m, history: 14d }`,
    'cluster: { enabled: false }',
    'git: { url: remote.git, baseBranch: main }',
    'forge: { type: local, path: forge }',
    'schedule: { cron: "0 * * * *", timezone: Europe/Berlin, cycleTimeout: 6h }',
    'policy:',
    '  freezeWindows:',
    // Checked every cycle, never active at the two cycles' clocks (Monday 06:00 and 07:00 UTC), so both cycles do the same work.
    '    - { cron: "0 16 * * 5", duration: 48h, reason: weekend }',
    '    - { from: "2026-12-20", to: "2027-01-04", reason: holidays }',
    extra,
    'targets:',
  ];
  for (const w of ws) {
    const sel = `namespace="${w.namespace}",workload="${w.name}"`;
    out.push(
      `  - { kind: Deployment, namespace: ${w.namespace}, name: ${w.name}, manifest: { format: plain, path: apps/${w.namespace}/${w.name}.yaml }, capacity: { perReplica: ${w.perReplica} },`,
      `      metrics: { load: { query: 'augur_bench_load{${sel}}', unit: req/s }, cpu: { query: 'augur_bench_cpu_cores{${sel}}' }, memory: { query: 'augur_bench_memory_bytes{${sel}}' } } }`,
    );
  }
  return `${out.filter((l) => l !== '').join('\n')}\n`;
}
