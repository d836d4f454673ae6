// The scale scenario: `augur plan` (nothing written) as a child process against a real Prometheus
// backfilled with 14 days at 5-minute steps of load, CPU and memory for N workloads
// (bench/scale-data.ts), for a first cycle (no selection state) and a steady-state cycle one hour
// later (on the state the first left, when the code keeps one), as the image runs it (compiled,
// plain node; BENCH_SCALE_RUNNER=tsx for the sources through tsx). Each cycle is run twice: by the
// code in this checkout and by the baseline (BASELINE_REF, extracted with `git archive` into a
// temporary directory), against the same Prometheus and repository, so the ratios compare runs
// on the same machine at the same time.
//
//   BENCH_SCALE=100,1000,5000           sizes (default 100,1000,5000)
//   BENCH_SCALE_BASELINE=100,1000       sizes at which the baseline also runs (default: every size)
//   BENCH_SCALE_BASELINE_REF=<commit>   the baseline (default: main before issue 12)
//   BENCH_SCALE_HEAP=256                 --max-old-space-size for every cycle (MiB): the heap ceiling Node
//                                       itself picks in a container limited to 512 MiB (default: none, the
//                                       host's, 4 GiB here, so V8 collects lazily and RSS shows garbage too)
//   BENCH_SCALE_BASELINE_STEADY=100     sizes at which the baseline's steady cycle runs too (default: every size;
//                                       the default baseline keeps no selection, so that cycle repeats its first one's work)
//
// Measured from outside the child: /usr/bin/time -v (CPU seconds user + system of the child and
// the git processes it waited for, wall time, peak RSS of the largest process), a counting HTTP
// proxy in front of Prometheus (requests, bytes received by Augur, range queries read twice), and
// Prometheus' own CPU seconds from /proc.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import * as os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from './lib.js';
import { manifestRepo, scaleConfig, scaleData, startPrometheusOn, type ScaleData } from './scale-data.js';

const execFileAsync = promisify(execFile);

/** The code the figures are compared with: main before issue 12's changes, or BENCH_SCALE_BASELINE_REF. */
export const DEFAULT_BASELINE_REF = '259bb9c8de4b2e8af8a18d04b041a9d5c66d2c40';
export const BASELINE_REF = process.env.BENCH_SCALE_BASELINE_REF ?? DEFAULT_BASELINE_REF;

export interface PromCounts {
  requests: number;
  rangeQueries: number;
  /** Range queries whose (query, start, end, step) was already asked in the same cycle. */
  repeated: number;
  /** Response bytes as sent on the wire (compressed when Prometheus compressed them). */
  bytesIn: number;
  bytesOut: number;
  promCpuSeconds: number;
}

export interface CycleRun {
  wallSeconds: number;
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  peakRssMiB: number;
  /** The largest main-thread heap in use just after a full collection (bench/heap-probe.mjs); undefined when none ran. */
  liveHeapMiB?: number;
  exitCode: number;
  prom: PromCounts;
  /** What the plan said: outcomes per verdict, errors, and how many targets ran a selection. */
  outcomes: Record<string, number>;
  errors: number;
  firstError?: string;
  /** From state.dir after the cycle (code that keeps one): workloads selected in this cycle, and entries kept. */
  selected?: number;
  kept?: number;
}

export interface ScaleRow {
  size: number;
  samples: number;
  generatedSeconds: number;
  current: { first: CycleRun; steady: CycleRun };
  /** Without steady when BENCH_SCALE_BASELINE_STEADY=0 (the baseline's steady cycle repeats its first). */
  baseline?: { first: CycleRun; steady?: CycleRun };
}

export interface ScaleResult {
  rows: ScaleRow[];
  baselineRef: string;
  currentRef: string;
  dirty: boolean;
}

const log = (m: string) => process.stderr.write(`${m}\n`);

export function scaleSizes(): number[] {
  return (process.env.BENCH_SCALE ?? '100,1000,5000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

function baselineSizes(all: number[]): number[] {
  const env = process.env.BENCH_SCALE_BASELINE;
  if (env === undefined) return all;
  return env
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => all.includes(n));
}

export async function runScale(sizes = scaleSizes()): Promise<ScaleResult> {
  const withBaseline = baselineSizes(sizes);
  const { stdout: head } = await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: ROOT });
  const { stdout: status } = await execFileAsync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT });
  const baselineDir = withBaseline.length > 0 ? await extractBaseline() : undefined;
  const rows: ScaleRow[] = [];
  try {
    for (const size of sizes) {
      log(`scale: ${size} workloads`);
      const data = await scaleData(size, log);
      if (process.env.BENCH_SCALE_PREPARE === '1') continue;
      rows.push(await runSize(data, withBaseline.includes(size) ? baselineDir : undefined));
    }
  } finally {
    if (baselineDir) rmSync(baselineDir, { recursive: true, force: true });
  }
  return { rows, baselineRef: BASELINE_REF, currentRef: head.trim(), dirty: status.trim() !== '' };
}

/** The baseline's sources in a temporary directory, sharing this checkout's node_modules. */
async function extractBaseline(): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'augur-bench-baseline-'));
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', BASELINE_REF], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'inherit', 'inherit'] });
    archive.stdout.pipe(tar.stdin);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git archive ${BASELINE_REF} | tar failed (${code})`))));
    archive.on('error', reject);
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function runSize(data: ScaleData, baselineDir: string | undefined): Promise<ScaleRow> {
  const prom = await startPrometheusOn(data.dataDir);
  const proxy = await countingProxy(prom.url, () => prom.cpuSeconds());
  const dir = mkdtempSync(join(os.tmpdir(), 'augur-bench-scale-run-'));
  try {
    await manifestRepo(dir, data.workloads);
    // A warm-up query, so Prometheus has the blocks' indexes open before the first measured cycle.
    await fetch(`${prom.url}/api/v1/query?query=count(augur_bench_load)&time=${data.first}`).then((r) => r.arrayBuffer());
    const trees: { name: 'current' | 'baseline'; root: string; extra: string }[] = [
      // A baseline that keeps selections (state.dir) keeps them here too, so its steady cycle only refits.
      ...(baselineDir ? [{ name: 'baseline' as const, root: baselineDir, extra: keepsState(baselineDir) ? 'state: { dir: state-baseline }' : '' }] : []),
      { name: 'current', root: ROOT, extra: keepsState(ROOT) ? 'state: { dir: state-current }' : '' },
    ];
    const out: Partial<ScaleRow> = { size: data.size, samples: data.samples, generatedSeconds: data.generatedSeconds };
    for (const tree of trees) {
      const config = join(dir, `augur-${tree.name}.yaml`);
      writeFileSync(config, scaleConfig(proxy.url, data.workloads, tree.extra));
      const stateDir = join(dir, `state-${tree.name}`);
      rmSync(stateDir, { recursive: true, force: true });
      mkdirSync(stateDir, { recursive: true });
      const first = withState(await plan(tree.root, config, data.first, proxy, `${tree.name} first cycle`), stateDir, data.first);
      // A baseline that keeps no selection (main before issue 12) repeats its first cycle's work in the steady one
      // (BENCH_SCALE_BASELINE_STEADY=100,... lists the sizes at which it still runs; default every size).
      const steadySizes = process.env.BENCH_SCALE_BASELINE_STEADY?.split(',').map((x) => Number(x.trim()));
      const skip = tree.name === 'baseline' && steadySizes !== undefined && !steadySizes.includes(data.size);
      const steady = skip ? undefined : withState(await plan(tree.root, config, data.steady, proxy, `${tree.name} steady cycle`), stateDir, data.steady);
      out[tree.name] = { first, ...(steady ? { steady } : {}) } as { first: CycleRun; steady: CycleRun };
    }
    return out as ScaleRow;
  } finally {
    await proxy.close();
    await prom.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The run with how many workloads it selected (entries of the selection state dated `now`), when
 * state.dir has one: selections/index.json, or an earlier version's selections.json.
 */
function withState(run: CycleRun, stateDir: string, now: number): CycleRun {
  let entries: Record<string, { at: number }> | undefined;
  for (const file of [join(stateDir, 'selections', 'index.json'), join(stateDir, 'selections.json')]) {
    try {
      entries = (JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { at: number }> }).entries;
      break;
    } catch {
      // not this version's
    }
  }
  if (!entries) return run;
  const all = Object.values(entries);
  const r = { ...run, selected: all.filter((e) => e.at === now).length, kept: all.length };
  log(`    selected ${r.selected} of ${r.kept} workloads this cycle (the rest refitted)`);
  return r;
}

/**
 * The tree's CLI as the image runs it: compiled (tsc -p tsconfig.build.json, into the tree's
 * dist/) and started with plain node; BENCH_SCALE_RUNNER=tsx runs the sources through tsx instead
 * (TypeScript compiled at every start, as `npm run augur` does).
 */
const built = new Set<string>();
async function cli(root: string): Promise<string[]> {
  if (process.env.BENCH_SCALE_RUNNER === 'tsx') return ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
  if (!built.has(root)) {
    log(`  building ${root} (tsc -p tsconfig.build.json)`);
    await execFileAsync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, maxBuffer: 16 << 20 });
    built.add(root);
  }
  return [join(root, 'dist', 'cli', 'main.js')];
}

async function plan(root: string, config: string, now: number, proxy: Proxy, label: string): Promise<CycleRun> {
  const entry = await cli(root);
  proxy.reset();
  // BENCH_SCALE_HEAP=256: the V8 heap ceiling Node picks itself in a container limited to 512 MiB (it sizes the heap from the cgroup limit).
  const heap = process.env.BENCH_SCALE_HEAP ? [`--max-old-space-size=${Number(process.env.BENCH_SCALE_HEAP)}`] : [];
  const heapFile = join(os.tmpdir(), 'augur-bench-scale', 'live-heap');
  rmSync(heapFile, { force: true });
  const args = ['-v', process.execPath, ...heap, '--import', pathToFileURL(join(ROOT, 'bench', 'heap-probe.mjs')).href, ...entry, 'plan', '-c', config, '--now', new Date(now * 1000).toISOString(), '--json'];
  const child = spawn('/usr/bin/time', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AUGUR_LOG_LEVEL: 'error', AUGUR_BENCH_HEAP_FILE: heapFile } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  const prom = proxy.counts();
  writeFileSync(join(os.tmpdir(), 'augur-bench-scale', `last-${label.replace(/\W+/g, '-')}.json`), stdout);
  const field = (name: string) => {
    const m = new RegExp(`^\\s*${name}.*: (\\S+)$`, 'm').exec(stderr);
    if (!m) throw new Error(`${label}: /usr/bin/time printed no "${name}" (exit ${exitCode}); stderr:\n${stderr}`);
    return (m[1] as string).trim();
  };
  const wall = field('Elapsed \\(wall clock\\) time')
    .split(':')
    .reduce((acc, part) => acc * 60 + Number(part), 0);
  const user = Number(field('User time'));
  const system = Number(field('System time'));
  const peak = Number(field('Maximum resident set size')) / 1024;
  const live = existsSync(heapFile) ? Number(readFileSync(heapFile, 'utf8')) / 2 ** 20 : 0;
  const outcomes: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  try {
    const report = JSON.parse(stdout) as { outcomes: { error?: string; decision?: { verdict?: string } }[] };
    for (const o of report.outcomes) {
      if (o.error) {
        errors++;
        firstError ??= o.error;
      }
      const v = o.decision?.verdict ?? 'error';
      outcomes[v] = (outcomes[v] ?? 0) + 1;
    }
  } catch {
    throw new Error(`${label}: augur plan printed no JSON report (exit ${exitCode}); stderr:\n${stderr.slice(-4000)}`);
  }
  const run: CycleRun = { wallSeconds: wall, cpuSeconds: user + system, userSeconds: user, systemSeconds: system, peakRssMiB: peak, ...(live > 0 ? { liveHeapMiB: live } : {}), exitCode, prom, outcomes, errors, ...(firstError ? { firstError } : {}) };
  log(
    `  ${label}: ${wall.toFixed(1)} s wall, ${(user + system).toFixed(1)} CPU-s, peak RSS ${peak.toFixed(0)} MiB, live heap ${live.toFixed(0)} MiB, ` +
      `${prom.requests} Prometheus requests (${prom.repeated} repeated), ${(prom.bytesIn / 2 ** 20).toFixed(1)} MiB in, exit ${exitCode}, ${JSON.stringify(outcomes)}`,
  );
  return run;
}

/** Whether the code in `root` has the `state.dir` key (persisted selections). */
const keepsState = (root: string) => /\bstate: z\b/.test(readFileSync(join(root, 'src', 'config', 'schema.ts'), 'utf8'));

interface Proxy {
  url: string;
  reset(): void;
  counts(): PromCounts;
  close(): Promise<void>;
}

/** An HTTP proxy to Prometheus that counts requests and bytes, and range queries asked twice. */
async function countingProxy(target: string, promCpu: () => number): Promise<Proxy> {
  const upstream = new URL(target);
  let c: PromCounts = { requests: 0, rangeQueries: 0, repeated: 0, bytesIn: 0, bytesOut: 0, promCpuSeconds: 0 };
  let seen = new Set<string>();
  let cpuAtReset = promCpu();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      c.requests++;
      c.bytesOut += body.length + (req.url?.length ?? 0);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.endsWith('/query_range')) {
        c.rangeQueries++;
        const params = new URLSearchParams(url.search);
        for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
        const key = ['query', 'start', 'end', 'step'].map((k) => params.get(k)).join('\u0000');
        if (seen.has(key)) c.repeated++;
        seen.add(key);
      }
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur: IncomingMessage) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.on('data', (d: Buffer) => {
          c.bytesIn += d.length;
          res.write(d);
        });
        ur.on('end', () => res.end());
      });
      up.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    reset() {
      c = { requests: 0, rangeQueries: 0, repeated: 0, bytesIn: 0, bytesOut: 0, promCpuSeconds: 0 };
      seen = new Set();
      cpuAtReset = promCpu();
    },
    counts: () => ({ ...c, promCpuSeconds: promCpu() - cpuAtReset }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Standalone: node --import tsx bench/scale.ts prints the result as JSON.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runScale()
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((err: unknown) => {
      log(String(err instanceof Error ? err.stack : err));
      process.exit(1);
    });
}
