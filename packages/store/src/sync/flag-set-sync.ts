/**
 * The transport half of the provider: keeps one compiled flag set in step with a `FlagStore`.
 * It loads a consistent snapshot, then follows the set's audit log from the snapshot's position,
 * applying each entry's after-state in version order. The log is written only by the store's
 * write path, so nothing a third party publishes can make it skip or invent a change; a gap in
 * versions, a store that went backwards, or content that differs from what was applied leads to
 * a full, consistent reload. It knows nothing about OpenFeature: it reports changes and
 * connection state to a listener.
 */
import type { CompiledFlagSet, FlagSetDocument } from '@ensign/core';
import type { AuditEntry, FlagSetSnapshot } from '../flag-store.js';
import { ChangeAnnouncements } from './change-announcements.js';
import { FeedSubscription } from './feed-subscription.js';
import { changeCount, flagsChanged } from './flag-changes.js';
import { ReloadQueue, type ReloadRequest } from './reload-queue.js';
import { ServedFlags } from './served-flags.js';
import type { FlagSetSyncOptions } from './sync-options.js';
import { type FlagSetSyncStatus, SyncCounters, type SyncState } from './sync-status.js';
import { SyncTimers } from './sync-timers.js';
import { withTimeout } from './timeout.js';

type State = SyncState;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Keeps `flags` equal to the store's copy of one flag set. `flags` is swapped atomically, so a
 * reader always sees one whole version.
 */
export class FlagSetSync extends ServedFlags {
  /** The last failure of the first sync, for the error `initialize` reports. */
  lastError: unknown;

  /** The store version the followed content belongs to (differs from `version` while last-good flags are kept). */
  private storeVersion = -1;
  /** Feed position of `storeVersion`: the follow subscription starts after it. */
  private position = '';
  /**
   * Whether `flags` are exactly the store's content at `storeVersion`, so that the next log entry
   * can be applied on top of them. False for a bootstrap document, or last-good flags kept over a
   * store that reads empty: the next entry then triggers a full reload instead.
   */
  private inStep = false;
  private state: State = 'idle';
  /** The last version check failed. */
  private checkFailing = false;
  private readonly reloads: ReloadQueue;
  private checking: Promise<void> | undefined;
  /** The periodic checks, and pending waits (retry backoff, catch-up grace) that `close` ends at once. */
  private readonly timers = new SyncTimers();
  private readonly feed: FeedSubscription;
  /** Entries ignored while a reload ran: the reload must follow the feed again from its snapshot. */
  private droppedDuringReload = false;
  private firstSync: Promise<void> | undefined;
  private warnedEmpty = false;
  private readonly announcements: ChangeAnnouncements;

  /** What the sync did, for telemetry; updated on transitions only, never per evaluation. */
  private readonly counters = new SyncCounters();
  /** When the sync last went stale (ms since the epoch); `undefined` while not stale. */
  private staleSince: number | undefined;

  constructor(private readonly options: FlagSetSyncOptions) {
    super(options.flagSet, options.logger);
    this.feed = new FeedSubscription(
      options.store,
      options.flagSet,
      {
        entry: (entry) => this.onEntry(entry),
        interrupted: (error, first) => this.onFeedInterrupted(error, first),
        resumed: () => this.onFeedResumed(),
      },
      () => this.closed,
    );
    this.reloads = new ReloadQueue({
      started: (cause) => this.counters.reload(cause),
      run: (request) => this.runReload(request),
      settled: () => this.maybeRecover(),
      closed: () => this.closed,
    });
    this.announcements = new ChangeAnnouncements(
      () => this.flags,
      () => this.state === 'live',
      options.listener,
    );
  }

  /** True while following the store (not stale, not closed). */
  get live(): boolean {
    return this.state === 'live';
  }

  /**
   * What the sync is doing and has done (a copy): state, served version and flag count, when
   * the served flags last changed, and counters of entries, reloads and interruptions. Cheap:
   * for health checks and metrics, read as often as they like.
   */
  status(): FlagSetSyncStatus {
    return {
      flagSet: this.options.flagSet,
      state: this.state,
      source: this.source,
      version: this.version,
      flagCount: this.flags?.size ?? 0,
      lastChangeAt: this.lastChangeAt,
      staleSince: this.staleSince,
      counters: this.counters.snapshot(),
    };
  }

  /** Serves a document until the store can be read (the `bootstrap` option). */
  useBootstrap(document: FlagSetDocument): void {
    this.install(this.compile(document, -1, 'bootstrap'), -1, 'bootstrap');
    this.announcements.markAnnounced();
  }

  /**
   * Loads the first snapshot and follows the change feed from it, retrying until it succeeds or
   * the sync is closed. Resolves once the store's flags are served; never rejects (failed attempts
   * are logged at debug level and retried).
   */
  start(): Promise<void> {
    if (this.firstSync) return this.firstSync;
    this.state = 'syncing';
    this.firstSync = this.syncUntilDone();
    return this.firstSync;
  }

  /** Stops the timers and the subscription; `flags` stays readable. */
  async close(): Promise<void> {
    this.state = 'closed';
    // A sync waiting to retry ends now (and `start()` resolves).
    this.timers.stop();
    await this.feed.stop();
  }

  private get closed(): boolean {
    return this.state === 'closed';
  }

  private async syncUntilDone(): Promise<void> {
    let delayMs = 50;
    for (;;) {
      if (this.closed) return;
      try {
        const snapshot = await this.options.store.load(this.options.flagSet);
        if (this.closed) return;
        this.applySnapshot(snapshot, false);
        await this.feed.follow(snapshot.position);
        break;
      } catch (error) {
        if (this.closed) return;
        this.lastError = error;
        this.options.logger.debug(`flag set "${this.options.flagSet}": first sync failed, retrying:`, error);
        await this.timers.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, this.options.resyncIntervalMs);
      }
    }
    if (this.closed) return;
    this.state = 'live';
    this.timers.every(this.options.resyncIntervalMs, () => void this.check());
    this.timers.every(
      this.options.verifyIntervalMs,
      () => void this.reload({ force: true, cause: 'verify' }).catch(() => {}),
    );
    // The first snapshot replaces a bootstrap document: announce what it changed.
    this.announcements.notify();
    if (this.feed.down) this.markStale('change feed interrupted');
  }

  /** One entry of the audit log: applied on top of the served flags when it is the next version. */
  private onEntry(entry: AuditEntry): void {
    if (this.closed || entry.flagSet !== this.options.flagSet) return;
    if (this.reloads.running) {
      this.droppedDuringReload = true;
      this.counters.entries.dropped++;
      return;
    }
    if (!this.inStep) {
      this.counters.entries.dropped++;
      void this.reload({ force: true, cause: 'not-in-step' });
      return;
    }
    // Already in the served content: a snapshot's position may lie before the entry of its version
    // (a set last written by the previous release records none), so the feed can repeat a few.
    // A store that went back (restarted empty) is caught by the version check and on resume.
    if (entry.version <= this.storeVersion) {
      this.counters.entries.duplicate++;
      return;
    }
    if (entry.version !== this.storeVersion + 1) {
      this.counters.entries.gap++;
      this.options.logger.debug(
        `flag set "${this.options.flagSet}": versions ${this.storeVersion + 1}..${entry.version - 1} are not in the log (trimmed?); reloading`,
      );
      void this.reload({ force: false, cause: 'gap' });
      return;
    }
    let next: CompiledFlagSet;
    try {
      next = this.compileEntry(entry);
    } catch (error) {
      this.options.logger.debug(
        `flag set "${this.options.flagSet}": cannot apply log entry ${entry.id}:`,
        error,
      );
      this.counters.entries.rejected++;
      void this.reload({ force: true, cause: 'rejected-entry' });
      return;
    }
    this.installEntry(entry, next);
    this.counters.entries.applied++;
    this.storeVersion = entry.version;
    this.position = entry.id;
    this.announcements.schedule();
  }

  /** Asks for a full reload ({@link runReload}); one runs at a time, see {@link ReloadQueue}. */
  private reload(request: ReloadRequest): Promise<void> {
    return this.reloads.request(request);
  }

  /**
   * Loads the whole set, swaps it in and follows the feed from its position; retried with backoff
   * until it succeeds. A reload that fails (or takes longer than `requestTimeoutMs`) makes the
   * sync stale; the one that succeeds recovers it. `force` compares content even when the version
   * is unchanged (after a reconnect, and on the periodic content check).
   */
  private async runReload(mode: ReloadRequest): Promise<void> {
    let delayMs = 50;
    for (;;) {
      if (this.closed) return;
      try {
        const snapshot = await withTimeout(
          this.options.store.load(this.options.flagSet),
          this.options.requestTimeoutMs,
          () =>
            `loading flag set "${this.options.flagSet}" took longer than ${this.options.requestTimeoutMs} ms`,
        );
        if (this.closed) return;
        const followedFrom = this.position;
        this.applySnapshot(snapshot, mode.force);
        // Follow from the snapshot unless the subscription is exactly there already: entries it
        // delivered during the load were ignored, and ones older than the snapshot must not come.
        if (this.droppedDuringReload || followedFrom !== snapshot.position || !this.feed.active) {
          this.droppedDuringReload = false;
          this.position = snapshot.position;
          await this.feed.follow(snapshot.position);
        }
        return;
      } catch (error) {
        if (this.closed) return;
        this.counters.reloadFailures++;
        this.markStale(`flag store unreachable: ${describeError(error)}`);
        this.options.logger.debug(`flag set "${this.options.flagSet}": reload failed, retrying:`, error);
        await this.timers.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, this.options.resyncIntervalMs);
      }
    }
  }

  /** Swaps a snapshot in; returns whether the served state moved to it. */
  private applySnapshot(snapshot: FlagSetSnapshot, force: boolean): boolean {
    if (!force && this.inStep && snapshot.version === this.storeVersion) return false;
    const flagCount = Object.keys(snapshot.document.flags ?? {}).length;
    if (snapshot.version === 0 && flagCount === 0 && this.flags && this.flags.size > 0) {
      // A set at version 0 was never written, or its keys were lost (a Redis restarted without
      // persistence): serving nothing would turn every flag off at once, so keep the last good set.
      if (!this.warnedEmpty) {
        this.options.logger.warn(
          `flag set "${this.options.flagSet}" is empty at version 0 in the store; ` +
            `keeping the last good flags (${this.source} version ${this.version}) until it is written`,
        );
        this.warnedEmpty = true;
      }
      this.storeVersion = 0;
      this.position = snapshot.position;
      this.inStep = false;
      return true;
    }
    this.warnedEmpty = false;
    let next: CompiledFlagSet;
    try {
      next = this.compile(snapshot.document, snapshot.version, 'store');
    } catch (error) {
      this.options.logger.error(
        `flag set "${this.options.flagSet}" version ${snapshot.version} is not a flag set; keeping version ${this.version}:`,
        describeError(error),
      );
      return false;
    }
    const sameVersion = this.inStep && snapshot.version === this.storeVersion;
    const changes = this.install(next, snapshot.version, 'store');
    if (sameVersion && changeCount(changes) > 0) {
      this.counters.handEdits++;
      this.options.logger.warn(
        `flag set "${this.options.flagSet}" changed at version ${snapshot.version} without a write through the store ` +
          `(edited by hand?): ${flagsChanged(changes).join(', ')}; serving what is stored`,
      );
    }
    this.storeVersion = snapshot.version;
    this.position = snapshot.position;
    this.inStep = true;
    this.announcements.schedule();
    return true;
  }

  /** The periodic version check: catches a feed that fell behind and a store that went back. */
  private check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    if (this.closed || this.reloads.running) return;
    let version: number;
    try {
      version = await withTimeout(
        this.options.store.version(this.options.flagSet),
        this.options.requestTimeoutMs,
        () => `the version check took longer than ${this.options.requestTimeoutMs} ms`,
      );
    } catch (error) {
      this.checkFailing = true;
      this.counters.checkFailures++;
      this.markStale(`flag store unreachable: ${describeError(error)}`);
      return;
    }
    this.checkFailing = false;
    this.counters.checks++;
    if (this.closed) return;
    if (version < this.storeVersion) {
      await this.reload({ force: true, cause: 'store-went-back' });
    } else if (version > this.storeVersion) {
      // The feed normally delivers within milliseconds; give it the catch-up bound, then reload.
      await this.timers.sleep(this.options.requestTimeoutMs);
      if (!this.closed && this.storeVersion < version) {
        this.options.logger.debug(
          `flag set "${this.options.flagSet}": version ${version} in the store, ${this.storeVersion} applied; reloading`,
        );
        await this.reload({ force: false, cause: 'feed-behind' });
      }
    } else if (this.state === 'stale') {
      await this.reload({ force: true, cause: 'recovery' });
    }
    this.maybeRecover();
  }

  private onFeedInterrupted(error: Error | undefined, first: boolean): void {
    if (first) this.counters.interruptions++;
    this.markStale(`change feed interrupted${error ? ` (${error.message})` : ''}`);
  }

  /** The feed reads again: the store may have restarted empty meanwhile, so compare content. */
  private onFeedResumed(): void {
    if (this.state === 'stale' || this.state === 'live')
      void this.reload({ force: true, cause: 'feed-resumed' });
  }

  private markStale(message: string): void {
    if (this.state !== 'live') return;
    this.state = 'stale';
    this.staleSince = Date.now();
    this.counters.staleEpisodes++;
    this.options.logger.error(`flag set "${this.options.flagSet}": ${message}; serving the last good flags`);
    this.options.listener.stale(message);
  }

  /** Back to live once the feed reads and the store answers; announces what changed meanwhile. */
  private maybeRecover(): void {
    if (this.state !== 'stale' || this.feed.down || this.checkFailing || this.reloads.running) return;
    this.state = 'live';
    this.staleSince = undefined;
    this.options.logger.info(`flag set "${this.options.flagSet}": back in step at version ${this.version}`);
    this.options.listener.recovered(this.announcements.takeUnannounced());
  }
}
