// How hard one cycle may insist: every outbound call (Prometheus, the forge, git) draws its retries
// from one budget per cycle, waits at most `maxWaitMs` for a Retry-After or a rate-limit reset, and
// stops at the cycle's deadline (`signal`). A call that cannot retry says why, in its error.

export class RetryBudget {
  private usedCount = 0;
  /** What the retries were for, for the cycle's log line. */
  readonly spentOn: string[] = [];

  constructor(
    readonly limit: number,
    readonly maxWaitMs: number,
    /** Aborted when the cycle's deadline passes (or the process stops). */
    readonly signal?: AbortSignal,
  ) {}

  get used(): number {
    return this.usedCount;
  }

  get left(): number {
    return Math.max(0, this.limit - this.usedCount);
  }

  /** Takes one retry; false when the cycle has none left. */
  take(what: string): boolean {
    if (this.usedCount >= this.limit) return false;
    this.usedCount++;
    this.spentOn.push(what);
    return true;
  }

  /** Why a retry is not made: the budget is used up, or the wait asked for is too long. Undefined: retry after `waitMs`. */
  refusal(waitMs: number, what: string): string | undefined {
    if (this.signal?.aborted) return "the cycle's deadline has passed";
    if (waitMs > this.maxWaitMs) return `asked to wait ${Math.ceil(waitMs / 1000)} s, more than retries.maxWait (${Math.round(this.maxWaitMs / 1000)} s): not waiting this cycle`;
    if (!this.take(what)) return `the cycle's retry budget (retries.budget: ${this.limit}) is used up`;
    return undefined;
  }
}

/** A budget that never retries, for one-off calls outside a cycle. */
export const noRetries = (): RetryBudget => new RetryBudget(0, 0);

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
