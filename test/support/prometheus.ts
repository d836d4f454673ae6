// Test harness: a real Prometheus server, backfilled from trace CSV files, on a free loopback port.
//
// The traces are converted to OpenMetrics (gauges), turned into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics`, and served by `prometheus` with a config that
// scrapes nothing. Needs `prometheus` and `promtool` on PATH (scripts/ensure-test-deps.sh).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseTraceCsv, weeksShiftSeconds } from '../../src/metrics/file.js';

const execFileAsync = promisify(execFile);

export interface BackfillSeries {
  /** Metric name, e.g. "augur_test_cpu". */
  name: string;
  labels?: Record<string, string>;
  /** A `timestamp,value` CSV (see parseTraceCsv). */
  csvPath: string;
  /** Unix seconds: shift the trace by whole weeks so its last sample is at or just before this. */
  shiftToNow?: number;
}

export interface LoadedSeries {
  name: string;
  labels: Record<string, string>;
  /** Seconds added to every timestamp of the CSV (a whole number of weeks, 0 without shiftToNow). */
  shiftSeconds: number;
  /** First and last sample after the shift, Unix seconds. */
  first: number;
  last: number;
  samples: number;
}

export interface RunningPrometheus {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  series: LoadedSeries[];
  /** SIGTERM, SIGKILL after a timeout, then removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Children still running, killed if the test process exits without calling stop(). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startPrometheus(opts: {
  series: BackfillSeries[];
  readyTimeoutMs?: number;
}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'augur-prometheus-'));
  const dataDir = path.join(dir, 'data');
  try {
    const { text, loaded } = await toOpenMetrics(opts.series);
    const omFile = path.join(dir, 'backfill.om');
    await writeFile(omFile, text);
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', omFile, dataDir]);
    await rm(omFile, { force: true });

    const config = path.join(dir, 'prometheus.yml');
    await writeFile(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');

    // Binding port 0 first and releasing it leaves a tiny race; retry on "address already in use".
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(
        'prometheus',
        [
          `--storage.tsdb.path=${dataDir}`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--config.file=${config}`,
          '--storage.tsdb.retention.time=100y',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      track(child);
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => {
        stderr = (stderr + d).slice(-8000);
      });
      const ready = await waitReady(url, child, opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
      if (ready === 'ready') {
        let stopped = false;
        return {
          url,
          dataDir,
          series: loaded,
          async stop() {
            if (stopped) return;
            stopped = true;
            await terminate(child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await terminate(child);
      if (/address already in use/i.test(stderr) && attempt < 3) continue;
      throw new Error(`prometheus did not become ready on ${url} (${ready}); its stderr:\n${stderr.trim()}`);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** OpenMetrics text: one gauge family per metric name, samples in seconds, `# EOF` at the end. */
export async function toOpenMetrics(series: BackfillSeries[]): Promise<{ text: string; loaded: LoadedSeries[] }> {
  const families = new Map<string, string[]>();
  const loaded: LoadedSeries[] = [];
  for (const s of series) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.name)) throw new Error(`invalid metric name ${JSON.stringify(s.name)}`);
    const labels = s.labels ?? {};
    for (const k of Object.keys(labels)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)}`);
    }
    // parseTraceCsv sorts rows and keeps the last of repeated timestamps, as OpenMetrics requires.
    const data = parseTraceCsv(await readFile(s.csvPath, 'utf8'), s.csvPath);
    const last = data.timestamps[data.timestamps.length - 1] ?? 0;
    const shift = s.shiftToNow === undefined ? 0 : weeksShiftSeconds(last, s.shiftToNow);
    const labelText = Object.keys(labels).length
      ? `{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
          .join(',')}}`
      : '';
    const lines = families.get(s.name) ?? [];
    families.set(s.name, lines);
    for (let i = 0; i < data.timestamps.length; i++) {
      const t = (data.timestamps[i] ?? 0) + shift;
      const v = data.values[i] ?? NaN;
      lines.push(`${s.name}${labelText} ${Number.isNaN(v) ? 'NaN' : String(v)} ${t}`);
    }
    loaded.push({
      name: s.name,
      labels,
      shiftSeconds: shift,
      first: (data.timestamps[0] ?? 0) + shift,
      last: last + shift,
      samples: data.timestamps.length,
    });
  }
  const out: string[] = [];
  for (const [name, lines] of families) {
    out.push(`# TYPE ${name} gauge`, ...lines);
  }
  out.push('# EOF', '');
  return { text: out.join('\n'), loaded };
}

async function run(cmd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`${cmd} is not on PATH; run scripts/ensure-test-deps.sh (installs the Debian package prometheus)`);
    }
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').trim()}`);
  }
}

/** A loopback port nobody listens on right now (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  while (Date.now() < deadline) {
    if (spawnError) {
      return (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'prometheus is not on PATH; run scripts/ensure-test-deps.sh'
        : `could not start: ${spawnError.message}`;
    }
    if (child.exitCode !== null || child.signalCode !== null) return `exited with ${child.exitCode ?? child.signalCode}`;
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return 'ready';
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return `not ready after ${timeoutMs} ms`;
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}
