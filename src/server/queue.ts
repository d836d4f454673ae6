// The bounded, de-duplicated, rate-limited queue of re-evaluations, and the log of webhook
// deliveries seen recently (a replay is refused).
import type { Logger } from '../domain/ports.js';
import { message } from './reply.js';
import type { PullRequestClosedEvent } from '../domain/forge.js';

export interface WebhookEvents {
  /**
   * Re-evaluate these targets ("Kind/namespace/name") now. Called with de-duplicated,
   * rate-limited batches. When it returns a promise, no other batch starts until it settles:
   * targets that arrive meanwhile wait in the bounded queue and go together in the next batch.
   */
  reevaluate(targets: string[], reason: string): void | Promise<void>;
  /** An Augur PR was closed: merged (start the cooldown) or not (back the recommendation off). */
  pullRequestClosed(e: PullRequestClosedEvent): void | Promise<void>;
}

/** Delivery ids remembered at most (oldest forgotten first), whatever the replay window. */
const MAX_DELIVERIES = 10_000;

export type Offer = { result: 'queued' | 'alreadyQueued' | 'overflow' } | { result: 'rateLimited'; retryAfter: number };

export class ReevaluationQueue {
  /** Target ids waiting, in arrival order, with the reasons they were asked for. */
  private readonly pending = new Map<string, Set<string>>();
  /** When each target was last accepted into the queue (unix seconds). */
  private readonly last = new Map<string, number>();
  private busy = false;

  constructor(
    private readonly limit: number,
    private readonly interval: number,
    private readonly now: () => number,
    private readonly events: WebhookEvents,
    private readonly log: Logger | undefined,
  ) {}

  offer(id: string, reason: string): Offer {
    const waiting = this.pending.get(id);
    if (waiting) {
      waiting.add(reason);
      return { result: 'alreadyQueued' };
    }
    const t = this.now();
    const last = this.last.get(id);
    if (last !== undefined && t - last < this.interval) return { result: 'rateLimited', retryAfter: Math.ceil(last + this.interval - t) };
    if (this.pending.size >= this.limit) return { result: 'overflow' };
    this.pending.set(id, new Set([reason]));
    this.last.set(id, t);
    return { result: 'queued' };
  }

  /** Hands the waiting targets to `reevaluate` in one batch, unless a batch is still running. */
  flush(): void {
    if (this.busy || this.pending.size === 0) return;
    const batch = [...this.pending.keys()];
    const reasons = new Set<string>();
    for (const r of this.pending.values()) for (const x of r) reasons.add(x);
    this.pending.clear();
    const reason = [...reasons].join('; ');
    this.busy = true;
    let result: void | Promise<void>;
    try {
      result = this.events.reevaluate(batch, reason);
    } catch (err) {
      this.log?.error({ err: message(err), targets: batch }, 're-evaluation failed');
      result = undefined;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      Promise.resolve(result)
        .catch((err: unknown) => this.log?.error({ err: message(err), targets: batch }, 're-evaluation failed'))
        .finally(() => {
          this.busy = false;
          this.flush();
        });
    } else {
      this.busy = false;
    }
  }
}


/** Forge delivery ids seen recently, to refuse replays. */
export class DeliveryLog {
  private readonly seenAt = new Map<string, number>();

  constructor(
    private readonly window: number,
    private readonly now: () => number,
  ) {}

  seen(id: string): boolean {
    this.prune();
    return this.seenAt.has(id);
  }

  record(id: string): void {
    this.seenAt.delete(id);
    this.seenAt.set(id, this.now());
    while (this.seenAt.size > MAX_DELIVERIES) {
      const oldest = this.seenAt.keys().next();
      if (oldest.done) break;
      this.seenAt.delete(oldest.value);
    }
  }

  forget(id: string): void {
    this.seenAt.delete(id);
  }

  private prune(): void {
    const cutoff = this.now() - this.window;
    // Insertion order is arrival order: stop at the first one still inside the window.
    for (const [id, at] of this.seenAt) {
      if (at > cutoff) break;
      this.seenAt.delete(id);
    }
  }
}

