// Model selection on worker threads: the backtests of every candidate are most of a first cycle's
// CPU, and one event loop uses one core. The pool starts its workers on the first selection (a
// cycle that only refits never starts one: handing refits over was measured, and on two cores
// shared with Prometheus the workers took the event loop's core as much as they saved it), hands
// each one selection at a time, and is closed at the end of the cycle. This module is also the
// workers' entry: in a worker it answers selections with selectPruned, the same pure function the
// main thread would run, so the results are identical.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Forecast } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { defaultCandidatesOnly, selectPruned, type Prune } from '../forecast/registry.js';
import type { SelectOptions } from '../forecast/select.js';
import { serveTasks, startModuleWorker, workerDataOf } from '../util/workers.js';

/** What a worker is given: the history, the options without candidates (the worker's own defaults) and which of them to backtest. */
interface Task {
  history: PackedSeries;
  opts: Omit<SelectOptions, 'candidates' | 'warmStart'>;
  prune?: Prune;
}

/**
 * A series as a worker is sent it: typed arrays, whose buffers are moved to the worker, not copied.
 * Copying arrays of 4,000 numbers each (structured clone walks them value by value) took about
 * 0.7 ms of the event loop's time per task.
 */
interface PackedSeries {
  timestamps: Float64Array;
  values: Float64Array;
  stepSeconds: number;
}

type Reply = { index: number; result: Forecast } | { index: number; error: string };

export class SelectionPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { task: Task; resolve: (f: Forecast) => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { resolve: (f: Forecast) => void; reject: (e: Error) => void }>();
  /** The task each busy worker is running. */
  private readonly busy = new Map<Worker, number>();
  private next = 0;
  private closed = false;
  /** Selections run on the workers so far. */
  selections = 0;

  /** `size` workers at most (default: the CPUs this process may use). */
  constructor(readonly size = availableParallelism()) {}

  /**
   * Whether a selection with these options can run on a worker: only among Augur's default
   * candidates (a registered extra model, e.g. the neural one, lives in the main thread's registry).
   */
  static canSelect(history: Series, opts: SelectOptions): boolean {
    return defaultCandidatesOnly(history, opts);
  }

  /** selectPruned(history, opts, prune) on a worker thread. */
  select(history: Series, opts: SelectOptions, prune?: Prune): Promise<Forecast> {
    if (this.closed) return Promise.reject(new Error('the selection pool is closed'));
    const { candidates: _c, warmStart: _w, ...rest } = opts;
    const task: Task = { history: packed(history), opts: rest, ...(prune ? { prune } : {}) };
    return new Promise<Forecast>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; selections still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('the selection pool was closed'));
    for (const p of this.pending.values()) p.reject(new Error('the selection pool was closed'));
    this.pending.clear();
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const w = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (!w) return;
      const job = this.queue.shift()!;
      const index = this.next++;
      this.pending.set(index, job);
      this.busy.set(w, index);
      w.postMessage({ index, task: job.task }, [job.task.history.timestamps.buffer as ArrayBuffer, job.task.history.values.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Worker {
    const w = startModuleWorker(import.meta.url, { role: 'augur-select' });
    w.on('message', (r: Reply) => {
      const p = this.pending.get(r.index);
      this.pending.delete(r.index);
      this.busy.delete(w);
      this.idle.push(w);
      if (p) {
        if ('error' in r) p.reject(new Error(r.error));
        else {
          this.selections++;
          p.resolve(r.result);
        }
      }
      this.dispatch();
    });
    w.on('error', (err) => this.fail(w, err));
    w.on('exit', (code) => {
      if (code !== 0 && !this.closed) this.fail(w, new Error(`a selection worker exited with code ${code}`));
    });
    this.all.push(w);
    return w;
  }

  /** A worker that died fails what it was doing; the others go on, and a new one may start. */
  private fail(w: Worker, err: Error): void {
    const i = this.all.indexOf(w);
    if (i >= 0) this.all.splice(i, 1);
    const index = this.busy.get(w);
    this.busy.delete(w);
    const p = index === undefined ? undefined : this.pending.get(index);
    if (index !== undefined) this.pending.delete(index);
    p?.reject(err);
    if (!this.closed) this.dispatch();
  }
}

/** The series alone (a Series may carry more fields than a worker needs), packed. */
function packed(history: Series): PackedSeries {
  return { timestamps: Float64Array.from(history.timestamps), values: Float64Array.from(history.values), stepSeconds: history.stepSeconds };
}

/** The series a packed one holds, as the main thread had it (arrays of numbers). */
function unpacked(s: PackedSeries): Series {
  return { timestamps: Array.from(s.timestamps), values: Array.from(s.values), stepSeconds: s.stepSeconds };
}

if (workerDataOf<{ role?: string }>()?.role === 'augur-select') {
  serveTasks<Task, Forecast>((t) => selectPruned(unpacked(t.history), t.opts, t.prune));
}
