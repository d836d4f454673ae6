// `serve`: cycles on a cron schedule, never two at once, and a graceful stop that lets a running
// cycle finish (its branch push and PR update are not cut in half).
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './cycle.js';

export interface Scheduler {
  /** Runs a cycle now unless one is running; resolves when it is done. */
  trigger(reason: string): Promise<void>;
  /** Stops the schedule and waits for a running cycle (at most timeoutMs). */
  stop(timeoutMs: number): Promise<void>;
  readonly running: boolean;
}

export function startScheduler(opts: { cron: string; timezone: string; log: Logger; cycle: () => Promise<void> }): Scheduler {
  let current: Promise<void> | undefined;
  let stopped = false;
  const run = (reason: string): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (current) {
      opts.log.warn({ reason }, 'a cycle is still running: this run is skipped, not queued');
      return current;
    }
    opts.log.info({ reason }, 'cycle starting');
    current = opts
      .cycle()
      .catch((err: unknown) => opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'cycle failed; the next one runs on schedule'))
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  const task: ScheduledTask = cron.schedule(opts.cron, () => run('schedule'), { timezone: opts.timezone, noOverlap: true, name: 'augur-cycle' });
  opts.log.info({ cron: opts.cron, timezone: opts.timezone, next: task.getNextRun()?.toISOString() }, 'schedule started');
  return {
    trigger: run,
    get running() {
      return current !== undefined;
    },
    async stop(timeoutMs) {
      stopped = true;
      await task.stop();
      await task.destroy();
      if (current) {
        opts.log.info({ timeoutMs }, 'waiting for the running cycle to finish');
        await Promise.race([current, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      }
    },
  };
}
