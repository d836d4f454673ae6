// `serve`: cycles on a cron schedule, never two at once, and a graceful stop that lets a running
// cycle finish (its branch push and PR update are not cut in half). Webhooks ask for some
// targets now: they wait for the running cycle, then run together in one partial cycle.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../domain/ports.js';

export interface Scheduler {
  /**
   * Runs a full cycle now unless one is running (then skipped, not queued), or, with `only`, a
   * cycle of those targets after the running one. Resolves when the requested work is done.
   */
  trigger(reason: string, only?: string[]): Promise<void>;
  /** Stops the schedule and waits for a running cycle (at most timeoutMs); false when it was still running then. */
  stop(timeoutMs: number): Promise<boolean>;
  readonly running: boolean;
  /** The next `n` scheduled runs. */
  nextRuns(n: number): Date[];
  /** Replaces the schedule (a reloaded config); a running cycle goes on. */
  reschedule(cronExpr: string, timezone: string): Promise<void>;
}

export function startScheduler(opts: { cron: string; timezone: string; log: Logger; cycle: (only?: string[]) => Promise<void> }): Scheduler {
  let current: Promise<void> | undefined;
  let stopped = false;
  const pending = new Set<string>();
  let pendingDone: Promise<void> | undefined;

  const run = (reason: string, only?: string[]): Promise<void> => {
    opts.log.info({ reason, targets: only?.length ?? 'all' }, 'cycle starting');
    current = opts
      .cycle(only)
      .catch((err: unknown) => opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'cycle failed; the next one runs on schedule'))
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const trigger = (reason: string, only?: string[]): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (only && only.length === 0) return Promise.resolve();
    if (!only) {
      if (current) {
        opts.log.warn({ reason }, 'a cycle is still running: this run is skipped, not queued');
        return current;
      }
      return run(reason);
    }
    if (!current) return run(reason, only);
    for (const id of only) pending.add(id);
    // One partial cycle after the running one takes every target asked for meanwhile.
    pendingDone ??= current.then(() => {
      const ids = [...pending];
      pending.clear();
      pendingDone = undefined;
      return stopped || ids.length === 0 ? undefined : current ? current.then(() => run(`${reason} (queued)`, ids)) : run(`${reason} (queued)`, ids);
    });
    return pendingDone;
  };

  const plan = (expr: string, timezone: string): ScheduledTask => {
    const t = cron.schedule(expr, () => trigger('schedule'), { timezone, noOverlap: true, name: 'augur-cycle' });
    opts.log.info({ cron: expr, timezone, next: t.getNextRun()?.toISOString() }, 'schedule started');
    return t;
  };
  let task: ScheduledTask = plan(opts.cron, opts.timezone);
  return {
    trigger,
    get running() {
      return current !== undefined;
    },
    nextRuns: (n) => task.getNextRuns(n),
    async reschedule(expr, timezone) {
      if (stopped) return;
      await task.stop();
      await task.destroy();
      task = plan(expr, timezone);
    },
    async stop(timeoutMs) {
      stopped = true;
      await task.stop();
      await task.destroy();
      if (!current) return true;
      opts.log.info({ timeoutMs }, 'waiting for the running cycle to finish');
      const finished = await Promise.race([current.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
      return finished;
    },
  };
}
