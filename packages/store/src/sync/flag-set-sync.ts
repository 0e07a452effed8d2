/**
 * The transport half of the provider: keeps one compiled flag set in step with a `FlagStore`.
 * It loads a consistent snapshot, then follows the set's audit log from the snapshot's position,
 * applying each entry's after-state in version order. The log is written only by the store's
 * write path, so nothing a third party publishes can make it skip or invent a change; a gap in
 * versions, a store that went backwards, or content that differs from what was applied leads to
 * a full, consistent reload. It knows nothing about OpenFeature: it reports changes and
 * connection state to a listener.
 */
import { type CompiledFlagSet, type FlagSetChanges, type FlagSetDocument, diffFlagSets } from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type { AuditEntry, FlagSetSnapshot, FlagStore, Subscription } from '../flag-store.js';
import { IncrementalCompiler } from './compile.js';
import { type FlagSetSyncStatus, type ReloadCause, SyncCounters, type SyncState } from './sync-status.js';
import { withTimeout } from './timeout.js';

/** Where the flags being served came from. */
export type FlagSource = 'store' | 'bootstrap';

/** What {@link FlagSetSync} reports. Listeners must not throw (they are the provider's emitters). */
export interface FlagSetSyncListener {
  /** The served flags changed; `changes` names exactly which. Not called while stale. */
  changed(changes: FlagSetChanges): void;
  /** The store cannot be followed (feed interrupted, reads failing); the last good flags are still served. */
  stale(message: string): void;
  /**
   * The store is followed again (or for the first time after `initialize` gave up) and the flags
   * are resynchronised; `changes` covers everything that changed meanwhile (possibly nothing).
   */
  recovered(changes: FlagSetChanges): void;
}

/** Options of {@link FlagSetSync}. */
export interface FlagSetSyncOptions {
  store: FlagStore;
  flagSet: string;
  /** Period of the version check that catches a feed that fell behind or a store that was reset. */
  resyncIntervalMs: number;
  /** Period of the full content comparison that catches changes made around the write path. */
  verifyIntervalMs: number;
  /**
   * Longest wait for one store call after start, and the bound on catching up: a change the
   * sync knows of but cannot apply within this time makes it stale.
   */
  requestTimeoutMs: number;
  logger: Logger;
  listener: FlagSetSyncListener;
}

type State = SyncState;

const NO_CHANGES: FlagSetChanges = Object.freeze({ added: [], removed: [], changed: [] }) as FlagSetChanges;

/** Total number of flags named by a change set. */
export function changeCount(changes: FlagSetChanges): number {
  return changes.added.length + changes.removed.length + changes.changed.length;
}

/** Every flag key a change set names, in one list (OpenFeature's `flagsChanged`). */
export function flagsChanged(changes: FlagSetChanges): string[] {
  return [...changes.added, ...changes.removed, ...changes.changed];
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isDocument(value: unknown): value is FlagSetDocument {
  const flags = (value as { flags?: unknown } | null)?.flags;
  return typeof flags === 'object' && flags !== null && !Array.isArray(flags);
}

/**
 * Keeps `flags` equal to the store's copy of one flag set. `flags` is swapped atomically, so a
 * reader always sees one whole version.
 */
export class FlagSetSync {
  /** The flags being served; `undefined` until a snapshot or a bootstrap document is in. */
  flags: CompiledFlagSet | undefined;
  /** The store version of `flags`; -1 while serving a bootstrap document. */
  version = -1;
  /** Where `flags` came from. */
  source: FlagSource | undefined;
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
  /** The change feed reported an interruption and has not resumed. */
  private feedDown = false;
  /** The last version check failed. */
  private checkFailing = false;
  private subscription: Subscription | undefined;
  /** Counts follow subscriptions, so entries of a replaced one are ignored. */
  private generation = 0;
  private reloading: Promise<void> | undefined;
  /** A reload was asked for while one ran: run once more (it may predate what asked). */
  private reloadAgain: { force: boolean; cause: ReloadCause } | undefined;
  private checking: Promise<void> | undefined;
  private timers: ReturnType<typeof setInterval>[] = [];
  /** Pending waits (retry backoff, catch-up grace), ended at once by `close`. */
  private readonly sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  /** Entries ignored while a reload ran: the reload must follow the feed again from its snapshot. */
  private droppedDuringReload = false;
  private firstSync: Promise<void> | undefined;
  private warnedEmpty = false;
  private notifyScheduled = false;
  /** The flags listeners last heard about: changes are announced relative to these. */
  private announced: CompiledFlagSet | undefined;

  private readonly compiler: IncrementalCompiler;
  /** Set-level problems (not tied to a flag) already logged. */
  private readonly warnedIssues = new Set<string>();
  /** What the sync did, for telemetry; updated on transitions only, never per evaluation. */
  private readonly counters = new SyncCounters();
  /** When the served flags last changed (ms since the epoch). */
  private lastChangeAt: number | undefined;
  /** When the sync last went stale (ms since the epoch); `undefined` while not stale. */
  private staleSince: number | undefined;
  /** The audit time of the last applied entry per flag, for how long a switch has been off. */
  private readonly changedAt = new Map<string, string>();

  constructor(private readonly options: FlagSetSyncOptions) {
    this.compiler = new IncrementalCompiler(options.flagSet);
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

  /** The audit time (ISO-8601) of the last entry this sync applied to `flagKey`, if it applied one. */
  changedAtOf(flagKey: string): string | undefined {
    return this.changedAt.get(flagKey);
  }

  /** Serves a document until the store can be read (the `bootstrap` option). */
  useBootstrap(document: FlagSetDocument): void {
    this.install(this.compile(document, -1, 'bootstrap'), -1, 'bootstrap');
    this.announced = this.flags;
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
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    // A sync waiting to retry ends now (and `start()` resolves).
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    const subscription = this.subscription;
    this.subscription = undefined;
    this.generation++;
    if (subscription) await subscription.unsubscribe().catch(() => {});
  }

  private get closed(): boolean {
    return this.state === 'closed';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleeper.timer.unref?.();
      this.sleepers.add(sleeper);
    });
  }

  private async syncUntilDone(): Promise<void> {
    let delayMs = 50;
    for (;;) {
      if (this.closed) return;
      try {
        const snapshot = await this.options.store.load(this.options.flagSet);
        if (this.closed) return;
        this.applySnapshot(snapshot, false);
        await this.follow(snapshot.position);
        break;
      } catch (error) {
        if (this.closed) return;
        this.lastError = error;
        this.options.logger.debug(`flag set "${this.options.flagSet}": first sync failed, retrying:`, error);
        await this.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, this.options.resyncIntervalMs);
      }
    }
    if (this.closed) return;
    this.state = 'live';
    this.every(this.options.resyncIntervalMs, () => void this.check());
    this.every(
      this.options.verifyIntervalMs,
      () => void this.reload({ force: true, cause: 'verify' }).catch(() => {}),
    );
    // The first snapshot replaces a bootstrap document: announce what it changed.
    this.notify();
    if (this.feedDown) this.markStale('change feed interrupted');
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref?.();
    this.timers.push(timer);
  }

  /** (Re)starts following the feed after `position`, replacing any earlier subscription. */
  private async follow(position: string): Promise<void> {
    const generation = ++this.generation;
    const previous = this.subscription;
    this.subscription = undefined;
    if (previous) await previous.unsubscribe().catch(() => {});
    let subscription: Subscription;
    try {
      subscription = await this.options.store.follow(
        this.options.flagSet,
        position,
        (entry) => {
          if (generation === this.generation) this.onEntry(entry);
        },
        {
          onInterrupt: (error) => {
            if (generation === this.generation) this.onFeedInterrupted(error);
          },
          onResume: () => {
            if (generation === this.generation) this.onFeedResumed();
          },
        },
      );
    } catch (error) {
      throw new Error(`could not follow the change feed of flag set "${this.options.flagSet}"`, {
        cause: error,
      });
    }
    if (this.closed || generation !== this.generation) {
      await subscription.unsubscribe().catch(() => {});
      return;
    }
    this.subscription = subscription;
    // A new subscription reads the feed (a refused read fails `follow` itself). An interruption
    // of the one it replaced is over: that one will never report its resumption.
    this.feedDown = false;
  }

  /** One entry of the audit log: applied on top of the served flags when it is the next version. */
  private onEntry(entry: AuditEntry): void {
    if (this.closed || entry.flagSet !== this.options.flagSet) return;
    if (this.reloading) {
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
      if (entry.flagKey !== undefined) {
        next = this.compiler.patch({ [entry.flagKey]: entry.after }, entry.version);
      } else if (isDocument(entry.after)) {
        next = this.compile(entry.after, entry.version, 'store');
      } else {
        throw new Error(`entry ${entry.id} holds no flag-set document`);
      }
    } catch (error) {
      this.options.logger.debug(
        `flag set "${this.options.flagSet}": cannot apply log entry ${entry.id}:`,
        error,
      );
      this.counters.entries.rejected++;
      void this.reload({ force: true, cause: 'rejected-entry' });
      return;
    }
    this.warnIssues(this.flags, next, 'store');
    this.install(next, entry.version, 'store');
    this.counters.entries.applied++;
    if (entry.flagKey !== undefined) this.changedAt.set(entry.flagKey, entry.at);
    this.storeVersion = entry.version;
    this.position = entry.id;
    this.scheduleNotify();
  }

  /**
   * Loads the whole set, swaps it in and follows the feed from its position; retried with backoff
   * until it succeeds. A reload that fails (or takes longer than `requestTimeoutMs`) makes the
   * sync stale; the one that succeeds recovers it. `force` compares content even when the version
   * is unchanged (after a reconnect, and on the periodic content check).
   */
  private reload(mode: { force: boolean; cause: ReloadCause }): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = {
        force: mode.force || (this.reloadAgain?.force ?? false),
        cause: this.reloadAgain?.cause ?? mode.cause,
      };
      return this.reloading;
    }
    this.counters.reload(mode.cause);
    this.reloading = this.runReload(mode).finally(() => {
      this.reloading = undefined;
      const again = this.reloadAgain;
      this.reloadAgain = undefined;
      if (again && !this.closed) void this.reload(again);
      else this.maybeRecover();
    });
    return this.reloading;
  }

  private async runReload(mode: { force: boolean; cause: ReloadCause }): Promise<void> {
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
        if (this.droppedDuringReload || followedFrom !== snapshot.position || !this.subscription) {
          this.droppedDuringReload = false;
          this.position = snapshot.position;
          await this.follow(snapshot.position);
        }
        return;
      } catch (error) {
        if (this.closed) return;
        this.counters.reloadFailures++;
        this.markStale(`flag store unreachable: ${describeError(error)}`);
        this.options.logger.debug(`flag set "${this.options.flagSet}": reload failed, retrying:`, error);
        await this.sleep(delayMs);
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
    this.scheduleNotify();
    return true;
  }

  private compile(document: FlagSetDocument, version: number, source: FlagSource): CompiledFlagSet {
    const previous = this.flags;
    const compiled = this.compiler.compile(document, version);
    this.warnIssues(previous, compiled, source);
    return compiled;
  }

  /** Warns once per broken definition, not on every reload of an unchanged set. */
  private warnIssues(
    previous: CompiledFlagSet | undefined,
    compiled: CompiledFlagSet,
    source: FlagSource,
  ): void {
    for (const issue of compiled.issues) {
      const key = issue.flagKey;
      const id = `${issue.path}\u0000${issue.message}`;
      if (
        key === undefined
          ? this.warnedIssues.has(id)
          : previous?.get(key)?.program === compiled.get(key)?.program
      ) {
        continue;
      }
      if (key === undefined) this.warnedIssues.add(id);
      this.options.logger.warn(
        `flag set "${this.options.flagSet}" (${source}): ${key === undefined ? '' : `flag "${key}" evaluates to PARSE_ERROR: `}` +
          `${issue.path}: ${issue.message}`,
      );
    }
  }

  private install(next: CompiledFlagSet, version: number, source: FlagSource): FlagSetChanges {
    const changes = this.flags ? diffFlagSets(this.flags, next) : NO_CHANGES;
    if (this.flags === undefined || version !== this.version || changeCount(changes) > 0)
      this.lastChangeAt = Date.now();
    this.flags = next;
    this.version = version;
    this.source = source;
    return changes;
  }

  /** Announces what changed once the current burst of entries is applied (one event per batch). */
  private scheduleNotify(): void {
    if (this.notifyScheduled || this.state !== 'live') return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      if (this.state === 'live') this.notify();
    });
  }

  /** Tells listeners what changed since they last heard, and marks the current flags as announced. */
  private notify(): void {
    const changes = this.takeUnannounced();
    if (changeCount(changes) > 0) this.options.listener.changed(changes);
  }

  private takeUnannounced(): FlagSetChanges {
    const changes = this.announced && this.flags ? diffFlagSets(this.announced, this.flags) : NO_CHANGES;
    this.announced = this.flags;
    return changes;
  }

  /** The periodic version check: catches a feed that fell behind and a store that went back. */
  private check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    if (this.closed || this.reloading) return;
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
      await this.sleep(this.options.requestTimeoutMs);
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

  private onFeedInterrupted(error?: Error): void {
    if (!this.feedDown) this.counters.interruptions++;
    this.feedDown = true;
    this.markStale(`change feed interrupted${error ? ` (${error.message})` : ''}`);
  }

  /** The feed reads again: the store may have restarted empty meanwhile, so compare content. */
  private onFeedResumed(): void {
    this.feedDown = false;
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
    if (this.state !== 'stale' || this.feedDown || this.checkFailing || this.reloading) return;
    this.state = 'live';
    this.staleSince = undefined;
    this.options.logger.info(`flag set "${this.options.flagSet}": back in step at version ${this.version}`);
    this.options.listener.recovered(this.takeUnannounced());
  }
}
