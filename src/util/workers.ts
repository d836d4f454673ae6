// A small worker-thread pool for the commands that spread files over cores (backtest, simulate):
// each worker takes one task at a time; replies come back by task index, so the caller can keep
// its results in input order whatever the number of jobs.
import { parentPort, Worker, workerData } from 'node:worker_threads';

type Reply<R> = { index: number; result: R } | { index: number; error: string };

/**
 * A worker running the module at `entry` (a file URL). From the compiled .js it is loaded
 * directly; from .ts source (tsx) the worker registers tsx's loader first, since loader hooks are
 * not inherited by workers. `data` is the worker's workerData (merged with the loader settings).
 */
export function startModuleWorker(entry: string, data: Record<string, unknown> = {}): Worker {
  const tsx = entry.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;
  const code = `
    const { workerData } = require('node:worker_threads');
    (async () => {
      if (workerData.tsx) (await import(workerData.tsx)).register();
      await import(workerData.entry);
    })().catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(code, { eval: true, workerData: { ...data, entry, tsx } });
}

/**
 * Runs every task on `jobs` workers (largest first when `order` says so) and calls `onResult`
 * as each reply arrives; rejects on the first error or a worker that dies.
 */
export async function runOnWorkers<T, R>(
  start: () => Worker,
  tasks: readonly T[],
  opts: { jobs: number; order?: readonly number[] },
  onResult: (index: number, result: R) => void,
): Promise<void> {
  const order = opts.order ?? tasks.map((_, i) => i);
  let next = 0;
  const workers = Array.from({ length: Math.min(opts.jobs, tasks.length) }, start);
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= order.length) return resolve();
              const index = order[next++]!;
              w.postMessage({ index, task: tasks[index] });
            };
            w.on('message', (r: Reply<R>) => {
              if ('error' in r) return reject(new Error(r.error));
              onResult(r.index, r.result);
              send();
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0) reject(new Error(`a worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The worker side: answers each task with `handle`'s result or its error message. */
export function serveTasks<T, R>(handle: (task: T) => R | Promise<R>): void {
  const port = parentPort;
  if (!port) return;
  port.on('message', (m: { index: number; task: T }) => {
    Promise.resolve()
      .then(() => handle(m.task))
      .then(
        (result) => port.postMessage({ index: m.index, result } satisfies Reply<R>),
        (err: unknown) => port.postMessage({ index: m.index, error: err instanceof Error ? err.message : String(err) } satisfies Reply<R>),
      );
  });
}

/** workerData of this thread, when it is a worker started with startModuleWorker. */
export function workerDataOf<D>(): D | undefined {
  return (workerData as D | null) ?? undefined;
}
