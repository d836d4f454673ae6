// `npm run bench -- --peers` (issue 13, "Peers in the benchmark"): R's forecast package (stlf,
// tbats, auto.arima with Fourier terms) and Prophet, through Rscript (bench/peers/peers.R), side by
// side with Augur's own selection and the two seasonal-naive baselines, on ../shared/traces under
// the protocol of `augur backtest`, with one scorer for every model: R only returns forecasts, and
// src/forecast/backtest.ts scores them as it scores Augur's.
//
// The protocol: each trace read as `augur backtest` reads it (readTraceFile, traceToSeries at its
// native step), then averaged onto an hourly grid (exchange.ts: aggregate), because tbats and
// auto.arima on 5-minute data with weekly cycles take many minutes per fit; every model, Augur
// included, is scored on that same hourly series. Rolling origins one 24 h horizon apart
// (backtest.ts); each peer is sent, for each origin, exactly the history Augur's selection trains on
// there (prepareHistory, at most maxFitSteps back). p50 = the point forecast, p90 = the upper bound
// of the 80% interval. A model that errs or runs out of time on any origin of a series is not scored
// on that series, and is counted.
//
// Which origins: the default scores only the last of the protocol's 3 (BENCH_PEERS_ORIGINS=1): all
// 3 took over an hour on the shared 2-core machine (tbats is most of it), against a budget of about
// 20 minutes. Every model, Augur included, is scored on the same origins.
//
// Environment: BENCH_PEERS_ORIGINS (default 1; 3 = the whole protocol), BENCH_PEERS_JOBS (Rscript processes at once,
// default 2), BENCH_PEERS_TIMEOUT (seconds per fit, default 180), BENCH_PEERS_TRACES (comma list
// of trace names, default all). `--from FILE` renders a saved run (bench/.peers-last.json is
// written by every run) instead of fitting again.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import type { Accuracy, Forecaster } from '../../src/domain/forecast.js';
import type { Series } from '../../src/domain/series.js';
import { backtest } from '../../src/forecast/backtest.js';
import { ForecastError } from '../../src/forecast/errors.js';
import { quantileKey } from '../../src/forecast/loss.js';
import { augurForecaster } from '../../src/forecast/registry.js';
import { defaultForecasters } from '../../src/forecast/select.js';
import { inputFiles } from '../../src/cli/backtest.js';
import { horizonStepsOf, readTraceFile, traceToSeries } from '../../src/cli/forecast.js';
import { nativeStepSeconds } from '../../src/metrics/file.js';
import { tracesDir } from '../targets.js';
import { ROOT } from '../lib.js';
import { aggregate, answerQuantiles, parseAnswers, PEER_MODELS, peerRequest, replayForecaster, trainingWindows, type PeerAnswer, type TrainingWindow } from './exchange.js';
import { renderPeers, writePeersSection, type PeerRun, type PeerSeries, type ModelScore } from './report.js';

/** Every model is scored at this step (or at the trace's own, when that is coarser). */
export const PEER_STEP = 3600;
const HORIZON_SECONDS = 86400;
/** The subset of the protocol's origins (PROTOCOL_ORIGINS) scored by default: the last one (see the header). */
const DEFAULT_ORIGINS = 1;
/** Augur's quantiles in `augur backtest` (its selection loss reads the 0.99 too). */
const AUGUR_QUANTILES = [0.5, 0.9, 0.99];
const P90 = quantileKey(0.9);
export const LAST_RUN = join(ROOT, 'bench', '.peers-last.json');

const envNumber = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!(v > 0) || !Number.isInteger(v)) throw new Error(`${name} must be a positive whole number, got "${process.env[name]}"`);
  return v;
};

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** scripts/ensure-peer-deps.sh: Rscript and the R packages, installed when missing. Throws with its words when they cannot be. */
function ensurePeerDeps(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'ensure-peer-deps.sh')], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`the peer benchmark needs Rscript with the R packages forecast, prophet and jsonlite, and they are not there and could not be installed:\n${r.stderr || r.stdout}`);
  }
  log(r.stdout.trim());
  const v = spawnSync('Rscript', ['--version'], { encoding: 'utf8' });
  return `${v.stdout}${v.stderr}`.trim().split('\n')[0] ?? 'R';
}

/** Runs peers.R on one request; resolves with its answers (what it printed before a kill included) and how it ended. */
function runR(requestFile: string, backstopMs: number): Promise<{ answers: PeerAnswer[]; killed: boolean; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('Rscript', [join(ROOT, 'bench', 'peers', 'peers.R'), requestFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, backstopMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ answers: parseAnswers(stdout), killed, stderr, code });
    });
  });
}

function score(acc: Accuracy | undefined, extra: Partial<ModelScore> = {}): ModelScore {
  if (!acc) return { error: 'history too short for the origins' };
  return { pinball: acc.pinball[P90] as number, coverage: acc.coverage[P90] as number, ...extra };
}

function scoreModel(f: Forecaster, series: Series, opts: { horizonSteps: number; quantiles: number[]; origins: number }, extra?: Partial<ModelScore>): ModelScore {
  const t0 = performance.now();
  try {
    const acc = backtest(f, series, opts);
    // A peer's own fit time (extra.seconds, R's clock) wins over this replay's.
    return { seconds: (performance.now() - t0) / 1000 / opts.origins, ...score(acc, extra) };
  } catch (e) {
    if (e instanceof ForecastError) return { error: e.message };
    throw e;
  }
}

/** One peer on one series, from its answers: scored by backtest() through the replay, or why not. */
function scorePeer(model: string, series: Series, windows: TrainingWindow[], answers: PeerAnswer[], opts: { horizonSteps: number; origins: number }, why: (w: TrainingWindow) => string): ModelScore {
  const byCut = new Map<number, Record<string, number[]>>();
  let seconds = 0;
  for (const w of windows) {
    const a = answers.find((x) => x.model === model && x.id === String(w.cut));
    if (!a) return { error: why(w), failed: 'timeout' };
    seconds += a.seconds;
    const q = answerQuantiles(a, opts.horizonSteps, w.values.every((v) => v >= 0));
    if ('error' in q) return { error: q.error, failed: /time limit|elapsed/i.test(q.error) ? 'timeout' : 'error' };
    byCut.set(w.cut, q.quantiles);
  }
  const f = replayForecaster(model, series.stepSeconds, byCut, 1);
  return scoreModel(f, series, { ...opts, quantiles: [0.5, 0.9] }, { seconds: seconds / windows.length });
}

async function peerSeries(file: string, o: { origins: number; timeout: number; dir: string }): Promise<PeerSeries> {
  const data = readTraceFile(file);
  const native = nativeStepSeconds(data.timestamps);
  const step = PEER_STEP % native === 0 ? Math.max(native, PEER_STEP) : native;
  const series = aggregate(traceToSeries(data, native), step);
  const H = horizonStepsOf(HORIZON_SECONDS, step);
  const name = basename(file).replace(/\.csv$/i, '');
  const out: PeerSeries = { name, nativeStep: native, step, points: series.values.length, models: {} };
  const windows = trainingWindows(series, H, o.origins);
  if (windows.length < o.origins) {
    out.skipped = `${series.values.length} points at ${step} s: too short for ${o.origins} origins of ${H} steps`;
    return out;
  }
  const req = join(o.dir, `${name}.json`);
  writeFileSync(req, JSON.stringify(peerRequest(step, H, windows, PEER_MODELS, o.timeout)));
  // Every fit may take its whole time limit; past that (and R's start-up), the process is killed.
  const backstop = (PEER_MODELS.length * windows.length * o.timeout + 120) * 1000;
  const r = runR(req, backstop);

  // Augur and the seasonal-naive baselines, in this thread while R fits.
  const opts = { horizonSteps: H, quantiles: AUGUR_QUANTILES, origins: o.origins };
  const picked: string[] = [];
  out.models.augur = scoreModel(augurForecaster(step, picked), series, opts);
  out.models.augur.selected = picked.slice();
  for (const sn of defaultForecasters(step).filter((f) => f.name.startsWith('seasonal-naive('))) out.models[sn.name] = scoreModel(sn, series, opts);

  const { answers, killed, stderr, code } = await r;
  const why = (w: TrainingWindow) =>
    killed
      ? `no answer for the origin after ${w.cut} steps before the process was stopped (${Math.round(backstop / 1000)} s for the trace)`
      : `no answer for the origin after ${w.cut} steps: Rscript exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`;
  for (const m of PEER_MODELS) out.models[m] = scorePeer(m, series, windows, answers, { horizonSteps: H, origins: o.origins }, why);
  return out;
}

async function pool<T, R>(items: readonly T[], jobs: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return out;
}

export async function runPeers(argv: readonly string[]): Promise<void> {
  const fromAt = argv.indexOf('--from');
  let run: PeerRun;
  if (fromAt >= 0) {
    const file = argv[fromAt + 1];
    if (!file || !existsSync(file)) throw new Error(`--from needs a saved run (e.g. ${LAST_RUN})`);
    run = JSON.parse(readFileSync(file, 'utf8')) as PeerRun;
  } else {
    let r: string;
    try {
      r = ensurePeerDeps();
    } catch (e) {
      // Said plainly, without a stack: nothing was measured and BENCHMARKS.md is left as it is.
      process.stderr.write(`augur bench --peers: ${(e as Error).message.trim()}\n`);
      process.exitCode = 1;
      return;
    }
    const origins = envNumber('BENCH_PEERS_ORIGINS', DEFAULT_ORIGINS);
    const jobs = envNumber('BENCH_PEERS_JOBS', 2);
    const timeout = envNumber('BENCH_PEERS_TIMEOUT', 180);
    const traces = tracesDir();
    const only = (process.env.BENCH_PEERS_TRACES ?? '').split(',').filter(Boolean);
    const files = inputFiles(traces.dir).filter((f) => only.length === 0 || only.includes(basename(f).replace(/\.csv$/i, '')));
    const dir = mkdtempSync(join(tmpdir(), 'augur-peers-'));
    const started = performance.now();
    const loadStart = loadavg()[0] as number;
    log(`augur bench --peers: ${files.length} traces from ${traces.shown}, ${origins} origins, ${jobs} Rscript at once, ${timeout} s per fit`);
    let done = 0;
    const series = await pool(files, jobs, async (f) => {
      const s = await peerSeries(f, { origins, timeout, dir });
      log(`  ${++done}/${files.length} ${s.name}${s.skipped ? ` skipped: ${s.skipped}` : ''} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      return s;
    });
    rmSync(dir, { recursive: true, force: true });
    const env = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_PEERS_')).map(([k, v]) => `${k}=${v} `).join('');
    run = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: `${env}npm run bench -- --peers`,
      machine: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length} logical CPUs (nproc), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, ${r}`,
      load: [loadStart, loadavg()[0] as number],
      seconds: (performance.now() - started) / 1000,
      traces: traces.shown,
      step: PEER_STEP,
      horizonSeconds: HORIZON_SECONDS,
      origins,
      jobs,
      timeout,
      series,
      ...(only.length > 0 ? { partial: true } : {}),
    };
    writeFileSync(LAST_RUN, JSON.stringify(run));
    log(`saved the run to ${LAST_RUN} (render it again with: npm run bench -- --peers --from ${LAST_RUN})`);
  }
  const section = renderPeers(run);
  process.stdout.write(`${section}\n`);
  if (!run.partial) writePeersSection(section);
}
