/**
 * Delivery of one flag set's changes by the instance that holds the set's lease. The worker
 * claims the shared cursor with its fencing token, follows the store's audit log from it, and for
 * each entry delivers to every subscriber that wants it, then moves the cursor by compare-and-set
 * on the cursor document. A holder that lost the lease (paused, partitioned, expired) finds the
 * document changed by the new holder's claim, and stops without moving the cursor: the cursor
 * never goes back, and the only delivery two holders can both make is the one in flight during a
 * takeover, with the same `X-Ensign-Delivery` id.
 */
import type { AuditEntry, FlagStore, Subscription } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { ServerMetrics } from '../http/metrics/server-metrics.js';
import type { ServerState, StateDocument } from '../state/server-state.js';
import { DeliveryStoppedError, type RetryPolicy, deliverWithRetries, pause } from './deliver.js';
import { type WebhookEvent, eventOf } from './events.js';
import type { ResolvedWebhookOptions } from './options.js';
import { recordGap, settleDelivery } from './outcomes.js';
import { deliveryIdOf, payloadOf } from './payload.js';
import {
  type CursorState,
  WEBHOOK_CURSORS,
  WEBHOOK_SECRETS,
  WEBHOOK_SENT,
  type WebhookRecord,
  listWebhooks,
} from './records.js';

/** What a worker works with. */
export interface SetWorkerDeps {
  readonly state: ServerState;
  readonly store: FlagStore;
  readonly logger: Logger;
  readonly options: ResolvedWebhookOptions;
  /** This instance (the lease owner). */
  readonly owner: string;
  /** Where settled deliveries are counted, when the server keeps metrics. */
  readonly metrics?: ServerMetrics | undefined;
}

/** Raised when this instance no longer holds the set's lease. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** Entries queued before the feed is paused (a slow receiver must not fill the memory). */
const HIGH_WATER = 1_000;
/** Wait before retrying an entry after the state or the store failed. */
const RETRY_ENTRY_MS = 1_000;

/** The origin of a URL, for logs: paths of webhook URLs are often secrets (Slack). */
const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
};

/** Delivers one flag set's changes while this instance holds the set's lease. */
export class SetWorker {
  /** True once the worker ended (stopped, or found its lease lost); the dispatcher replaces it. */
  stopped = false;
  private cursor: StateDocument<CursorState> | undefined;
  private readonly queue: AuditEntry[] = [];
  private feed: Subscription | undefined;
  /** The feed's generation: entries from an earlier feed (paused, replaced) are ignored. */
  private generation = 0;
  private paused = false;
  private lastQueued = '';
  private draining: Promise<void> | undefined;
  /** Fired by a graceful stop: start nothing new, let what is in flight end. */
  private readonly stopping = new AbortController();
  /** Fired when stopping at once: cancel what is in flight. */
  private readonly abort = new AbortController();
  private validUntil: number;
  /** Subscriptions whose last delivery failed: one attempt per entry until one succeeds. */
  private readonly failing = new Set<string>();
  private readonly secrets = new Map<string, string>();
  private readonly policy: RetryPolicy;

  constructor(
    private readonly deps: SetWorkerDeps,
    readonly flagSet: string,
    /** The fencing token of the lease this worker holds. */
    readonly token: number,
    requestedAt: number,
  ) {
    this.validUntil = requestedAt + deps.options.leaseTtlMs;
    const { maxAttempts, initialBackoffMs, maxBackoffMs, timeoutMs } = deps.options;
    this.policy = { maxAttempts, initialBackoffMs, maxBackoffMs, timeoutMs };
  }

  /** The lease was renewed: it lasts `leaseTtlMs` from `requestedAt` (this instance's clock, measured before asking). */
  renew(requestedAt: number): void {
    this.validUntil = requestedAt + this.deps.options.leaseTtlMs;
  }

  /** Claims the cursor and starts following the set's audit log from it. */
  async start(): Promise<void> {
    this.cursor = await this.claim();
    await this.follow(this.cursor.value.position);
  }

  /**
   * Stops delivering, gracefully while this instance still holds the lease (a server closing):
   * nothing new starts, an attempt in flight may end and its entry's cursor move, for at most
   * `graceMs`; then whatever is left is abandoned, to be made by the next holder.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping.abort();
    this.unfollow();
    if (graceMs > 0 && this.draining) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([this.draining, grace]);
      clearTimeout(timer);
    }
    this.halt();
    await this.draining;
  }

  /** Stops at once, cancelling what is in flight (the lease is lost, or a graceful stop ran out of time). */
  halt(): void {
    this.stopping.abort();
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.unfollow();
  }

  private unfollow(): void {
    this.generation++;
    const feed = this.feed;
    this.feed = undefined;
    feed?.unsubscribe().catch(() => {});
  }

  /** Before starting anything new: stopping, or no longer holding the lease by this instance's clock. */
  private checkGoing(): void {
    if (this.stopping.signal.aborted) throw new DeliveryStoppedError('delivery stopped');
    this.checkLease();
  }

  /** Before moving the cursor: still the holder by this instance's clock (the compare-and-set checks the rest). */
  private checkLease(): void {
    if (this.stopped) throw new DeliveryStoppedError('delivery stopped');
    if (Date.now() >= this.validUntil) throw new LeaseLostError('the lease was not renewed in time');
  }

  /** Writes this holder's fencing token into the cursor, refusing a cursor claimed by a later holder. */
  private async claim(): Promise<StateDocument<CursorState>> {
    const { state, store, owner, logger } = this.deps;
    for (let attempt = 0; attempt < 20; attempt++) {
      const doc = await state.get<CursorState>(WEBHOOK_CURSORS, this.flagSet);
      if (doc?.value.holder && doc.value.holder.token > this.token)
        throw new LeaseLostError(`the cursor was claimed by a later holder (${doc.value.holder.owner})`);
      let base = doc?.value;
      if (!base) {
        // Subscriptions exist but their cursor does not (removed by hand): start from now, for all.
        const snapshot = await store.load(this.flagSet);
        const subscribers: Record<string, number> = {};
        for (const record of (await listWebhooks(state)).values())
          if (record.flagSets.includes(this.flagSet)) subscribers[record.id] = snapshot.version;
        logger.warn(
          `webhooks: flag set "${this.flagSet}" had no delivery cursor; delivering from version ${snapshot.version}`,
        );
        base = { position: snapshot.position, version: snapshot.version, subscribers };
      }
      const value: CursorState = { ...base, holder: { owner, token: this.token } };
      const version = await state.put(WEBHOOK_CURSORS, this.flagSet, value, {
        expectedVersion: doc?.version ?? 0,
      });
      if (version !== undefined) return { value, version };
    }
    throw new Error(
      `webhooks: could not claim the cursor of flag set "${this.flagSet}" (too much contention)`,
    );
  }

  private async follow(position: string): Promise<void> {
    const generation = ++this.generation;
    this.paused = false;
    this.feed = await this.deps.store.follow(
      this.flagSet,
      position,
      (entry) => {
        if (generation !== this.generation || this.stopping.signal.aborted) return;
        this.queue.push(entry);
        this.lastQueued = entry.id;
        if (this.queue.length >= HIGH_WATER && !this.paused) {
          // Stop reading until the queue drains; resume from the last entry queued.
          this.paused = true;
          const feed = this.feed;
          this.feed = undefined;
          feed?.unsubscribe().catch(() => {});
        }
        this.kick();
      },
      {
        onInterrupt: (error) =>
          this.deps.logger.debug?.(
            `webhooks: the change feed of "${this.flagSet}" is interrupted: ${error?.message}`,
          ),
      },
    );
    if (this.stopping.signal.aborted) this.unfollow();
  }

  /** Starts draining the queue unless it is being drained (then the drain's end looks again). */
  private kick(): void {
    if (this.draining || this.stopping.signal.aborted) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopping.signal.aborted && this.queue.length > 0) {
      try {
        await this.process(this.queue[0]!);
        this.queue.shift();
      } catch (error) {
        if (error instanceof LeaseLostError || error instanceof DeliveryStoppedError) {
          if (error instanceof LeaseLostError)
            this.deps.logger.warn(
              `webhooks: stopped delivering flag set "${this.flagSet}": ${error.message}`,
            );
          this.halt();
          return;
        }
        this.deps.logger.error(`webhooks: delivering flag set "${this.flagSet}" failed; retrying`, error);
        await pause(RETRY_ENTRY_MS, this.stopping.signal).catch(() => {});
      }
      if (this.paused && this.queue.length === 0 && !this.stopping.signal.aborted)
        await this.follow(this.lastQueued).catch((error: unknown) => {
          this.deps.logger.error(`webhooks: cannot follow flag set "${this.flagSet}" again`, error);
          this.halt();
        });
    }
  }

  /** Delivers one entry to every subscriber that wants it, then moves the cursor past it. */
  private async process(entry: AuditEntry): Promise<void> {
    const { state, owner } = this.deps;
    let cursor = this.cursor!;
    const event = eventOf(entry);
    let records = await listWebhooks(state);
    const done = new Set<string>();
    let reset = false;
    for (;;) {
      let subscribers = cursor.value.subscribers;
      if (entry.version <= cursor.value.version) {
        // The store went back (restarted without its data): versions count again from 1.
        if (!reset)
          this.deps.logger.warn(`webhooks: flag set "${this.flagSet}" went back to version ${entry.version}`);
        reset = true;
        subscribers = Object.fromEntries(Object.keys(subscribers).map((id) => [id, 0]));
      }
      const gapFrom = cursor.value.version + 1;
      const targets: [WebhookRecord, number][] = [];
      for (const [id, start] of Object.entries(subscribers)) {
        const record = records.get(id);
        if (record && start < entry.version && !done.has(id) && wants(record, this.flagSet, event))
          targets.push([record, start]);
      }
      const settled = await Promise.allSettled(
        targets.map(async ([record, start]) => {
          if (!reset && cursor.value.position !== '' && entry.version > gapFrom && start < entry.version - 1)
            await recordGap(state, record.id, this.flagSet, {
              from: Math.max(gapFrom, start + 1),
              to: entry.version - 1,
            });
          await this.deliverTo(record, entry, event);
          done.add(record.id);
        }),
      );
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      this.checkLease();
      const kept = Object.entries(subscribers).filter(([id]) => records.has(id));
      const next: CursorState = {
        position: entry.id,
        version: entry.version,
        holder: { owner, token: this.token },
        subscribers: Object.fromEntries(kept),
      };
      const version = await state.put(WEBHOOK_CURSORS, this.flagSet, next, {
        expectedVersion: cursor.version,
      });
      if (version !== undefined) {
        this.cursor = { value: next, version };
        return;
      }
      // Changed since read: a subscription joined or left (deliver this entry to newcomers too), or
      // another instance claimed the cursor (then this one lost the lease: stop, move nothing).
      const now = await state.get<CursorState>(WEBHOOK_CURSORS, this.flagSet);
      if (!now || now.value.holder?.owner !== owner || now.value.holder.token !== this.token)
        throw new LeaseLostError('another instance claimed the cursor');
      cursor = now;
      this.cursor = now;
      records = await listWebhooks(state);
    }
  }

  private async deliverTo(record: WebhookRecord, entry: AuditEntry, event: WebhookEvent): Promise<void> {
    const { state, options, logger } = this.deps;
    const deliveryId = deliveryIdOf(entry, record.id);
    // Delivered by an earlier holder that stopped before moving the cursor: not again.
    if (await state.get(WEBHOOK_SENT, deliveryId)) return;
    const secret = await this.secretOf(record.id);
    if (secret === undefined) return; // deleted meanwhile
    const body = JSON.stringify(payloadOf(entry, event, record.id));
    this.checkGoing();
    const policy = this.failing.has(record.id) ? { ...this.policy, maxAttempts: 1 } : this.policy;
    const outcome = await deliverWithRetries({ url: record.url, body, secret, deliveryId, event }, policy, {
      stopping: this.stopping.signal,
      abort: this.abort.signal,
    });
    this.deps.metrics?.webhook(outcome.delivered ? 'delivered' : 'failed', outcome.attempts);
    if (outcome.delivered) {
      if (this.failing.delete(record.id))
        logger.info?.(`webhooks: ${record.id} (${originOf(record.url)}) receives deliveries again`);
    } else if (!this.failing.has(record.id)) {
      this.failing.add(record.id);
      logger.warn(
        `webhooks: delivery ${deliveryId} to ${originOf(record.url)} failed after ${outcome.attempts} attempts (${outcome.error}); listed under GET /api/v1/webhooks/${record.id}/failures`,
      );
    }
    await settleDelivery(
      state,
      {
        subscriptionId: record.id,
        deliveryId,
        event,
        flagSet: entry.flagSet,
        version: entry.version,
        ...(entry.flagKey !== undefined && { flagKey: entry.flagKey }),
        body,
        outcome,
      },
      options.deliveryHistory,
    );
  }

  private async secretOf(id: string): Promise<string | undefined> {
    const cached = this.secrets.get(id);
    if (cached !== undefined) return cached;
    const doc = await this.deps.state.get<{ secret: string }>(WEBHOOK_SECRETS, id);
    if (doc) this.secrets.set(id, doc.value.secret);
    return doc?.value.secret;
  }
}

/** Does subscription `record` want `event` of `flagSet`? */
export function wants(record: WebhookRecord, flagSet: string, event: WebhookEvent): boolean {
  return record.flagSets.includes(flagSet) && (record.events.includes('*') || record.events.includes(event));
}
