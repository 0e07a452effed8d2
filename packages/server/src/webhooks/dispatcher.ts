/**
 * The webhook dispatcher of one server instance. Every `pollIntervalMs` it rereads the
 * subscriptions and, for each flag set with at least one, takes or renews the set's lease
 * (`webhooks:<set>`) in the shared state: the holder runs the set's {@link SetWorker}, the other
 * instances wait. A holder that stops renewing (crashed, paused, cut off) loses the lease after
 * `leaseTtlMs`, and another instance takes over from the shared cursor. On close, the leases are
 * released so that another instance takes over at its next poll.
 */
import type { FlagStore } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { ServerMetrics } from '../http/metrics/server-metrics.js';
import type { ServerState } from '../state/server-state.js';
import type { ResolvedWebhookOptions } from './options.js';
import { listWebhooks } from './records.js';
import { LeaseLostError, SetWorker } from './set-worker.js';

/** Longest wait, on close, for a poll or a worker to finish. */
const STOP_GRACE_MS = 2_000;

/** Waits for `promise` (its failure ignored), at most `ms`. */
async function within(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.resolve(promise).catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** The lease name of a flag set's delivery. */
export const leaseNameOf = (flagSet: string) => `webhooks:${flagSet}`;

/** What the dispatcher needs from the server. */
export interface DispatcherDeps {
  readonly state: ServerState;
  readonly store: FlagStore;
  readonly logger: Logger;
  /** This instance: the owner of the leases it takes. */
  readonly instanceId: string;
  /** Where deliveries are counted (the server context's metrics). */
  readonly metrics?: ServerMetrics | undefined;
}

/** Delivers the changes of the flag sets whose lease this instance holds. */
export class WebhookDispatcher {
  private readonly workers = new Map<string, SetWorker>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** The last failure logged, so an outage of the state logs one line, not one per poll. */
  private lastError = '';

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: ResolvedWebhookOptions,
  ) {}

  /** Flag sets this instance delivers right now (tests, health). */
  get holding(): readonly string[] {
    return [...this.workers].filter(([, w]) => !w.stopped).map(([set]) => set);
  }

  /** Starts polling. */
  start(): void {
    this.schedule(0);
  }

  /**
   * Stops delivering, and releases every lease this instance holds. Bounded: with the state or the
   * store unreachable, closing does not wait for them (the leases then lapse after `leaseTtlMs`).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const workers = [...this.workers];
    this.workers.clear();
    // Deliveries in flight may end (and their cursor move) within the grace: a graceful close
    // leaves nothing for the next holder to send twice.
    const stopped = Promise.all(
      workers.map(async ([flagSet, worker]) => {
        await worker.stop(STOP_GRACE_MS);
        await this.deps.state.releaseLease(leaseNameOf(flagSet), this.deps.instanceId);
      }),
    );
    await within(this.ticking, STOP_GRACE_MS);
    await within(stopped, 2 * STOP_GRACE_MS);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule(this.options.pollIntervalMs);
      });
    }, delayMs);
    // Polling alone never keeps a process alive.
    this.timer.unref?.();
  }

  private report(error: unknown, what: string): void {
    const line = `${what}: ${(error as Error)?.message ?? String(error)}`;
    if (line === this.lastError) return;
    this.lastError = line;
    this.deps.logger.error(`webhooks: ${line}`);
  }

  /** One poll: which sets have subscriptions, and which of their leases this instance holds. */
  private async tick(): Promise<void> {
    const { state, instanceId } = this.deps;
    let sets: Set<string>;
    try {
      sets = new Set([...(await listWebhooks(state)).values()].flatMap((record) => record.flagSets));
    } catch (error) {
      this.report(error, 'cannot read the subscriptions');
      return;
    }
    for (const [flagSet, worker] of this.workers) {
      if (sets.has(flagSet)) continue;
      // No subscription left: stop, and let the lease go.
      this.workers.delete(flagSet);
      await worker.stop(STOP_GRACE_MS);
      await state.releaseLease(leaseNameOf(flagSet), instanceId).catch(() => {});
    }
    for (const flagSet of sets) {
      if (this.stopped) return;
      const requestedAt = Date.now();
      let lease: Awaited<ReturnType<ServerState['acquireLease']>>;
      try {
        lease = await state.acquireLease(leaseNameOf(flagSet), instanceId, this.options.leaseTtlMs);
      } catch (error) {
        this.report(error, `cannot renew the delivery lease of flag set "${flagSet}"`);
        continue;
      }
      const worker = this.workers.get(flagSet);
      if (worker && lease && worker.token === lease.token && !worker.stopped) {
        worker.renew(requestedAt);
        continue;
      }
      if (worker) {
        this.workers.delete(flagSet);
        await worker.stop();
      }
      if (!lease) continue;
      if (this.stopped) {
        await state.releaseLease(leaseNameOf(flagSet), instanceId).catch(() => {});
        return;
      }
      const next = new SetWorker(
        { ...this.deps, owner: instanceId, options: this.options },
        flagSet,
        lease.token,
        requestedAt,
      );
      this.workers.set(flagSet, next);
      try {
        await next.start();
        if (this.stopped) {
          // Closed while this worker started: it was not among those `stop` let go.
          await next.stop();
          await state.releaseLease(leaseNameOf(flagSet), instanceId).catch(() => {});
          return;
        }
        this.lastError = '';
      } catch (error) {
        await next.stop();
        this.workers.delete(flagSet);
        // A holder that cannot deliver lets go, so that another instance may (or this one, next poll).
        await state.releaseLease(leaseNameOf(flagSet), instanceId).catch(() => {});
        if (error instanceof LeaseLostError)
          this.deps.logger.warn(`webhooks: flag set "${flagSet}": ${error.message}`);
        else this.report(error, `cannot start delivering flag set "${flagSet}"`);
      }
    }
  }
}
