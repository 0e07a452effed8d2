/**
 * The transport half of the provider: keeps one compiled flag set in step with a `FlagStore`.
 * It loads a consistent snapshot, applies announced changes, and — because pub/sub is lossy
 * across disconnects — compares versions after every reconnect and periodically. It knows nothing
 * about OpenFeature: it reports changes and connection state to a listener.
 */
import {
  type CompiledFlagSet,
  type FlagSetChanges,
  type FlagSetDocument,
  compileFlagSet,
  diffFlagSets,
} from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type { FlagSetChangeNotice, FlagSetSnapshot, FlagStore, Subscription } from '../flag-store.js';
import { IncrementalCompiler } from './compile.js';
import { withTimeout } from './timeout.js';

/** Where the flags being served came from. */
export type FlagSource = 'store' | 'bootstrap';

/** What {@link FlagSetSync} reports. Listeners must not throw (they are the provider's emitters). */
export interface FlagSetSyncListener {
  /** The served flags changed; `changes` names exactly which. Not called while recovering. */
  changed(changes: FlagSetChanges): void;
  /** The store became unreachable; the last good flags are still served. */
  stale(message: string): void;
  /**
   * The store is reachable again (or for the first time after `initialize` gave up) and the flags
   * are resynchronised; `changes` covers everything that changed meanwhile (possibly nothing).
   */
  recovered(changes: FlagSetChanges): void;
}

/** Options of {@link FlagSetSync}. */
export interface FlagSetSyncOptions {
  store: FlagStore;
  flagSet: string;
  /** Period of the version check that catches what pub/sub lost. */
  resyncIntervalMs: number;
  /** Longest wait for one store call before the check counts as failed. */
  requestTimeoutMs: number;
  logger: Logger;
  listener: FlagSetSyncListener;
}

type State = 'idle' | 'syncing' | 'live' | 'stale' | 'closed';

const NO_CHANGES: FlagSetChanges = Object.freeze({ added: [], removed: [], changed: [] }) as FlagSetChanges;

/** Total number of flags named by a change set. */
export function changeCount(changes: FlagSetChanges): number {
  return changes.added.length + changes.removed.length + changes.changed.length;
}

/** Every flag key a change set names, in one list (OpenFeature's `flagsChanged`). */
export function flagsChanged(changes: FlagSetChanges): string[] {
  return [...changes.added, ...changes.removed, ...changes.changed];
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
  /**
   * The version last read from the store (notices and checks compare against it). It differs
   * from `version` while the last good flags are kept over an empty set (see `apply`).
   */
  private storeVersion = -1;
  /** The next load compares content even if the version is unchanged (after a reconnect). */
  private forceCompare = false;
  /** The next refresh loads the whole set (a version check or reconnect asked for it). */
  private fullLoadRequested = false;
  /** Notices not yet applied. */
  private readonly notices: FlagSetChangeNotice[] = [];
  /** Where `flags` came from. */
  source: FlagSource | undefined;
  /** The last failure of the first sync, for the error `initialize` reports. */
  lastError: unknown;

  private state: State = 'idle';
  private subscription: Subscription | undefined;
  private subscribing: Promise<void> | undefined;
  private refreshRequested = false;
  private refreshing: Promise<boolean> | undefined;
  private checking: Promise<void> | undefined;
  private recovering: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private firstSync: Promise<void> | undefined;
  private warnedEmpty = false;
  /** The flags listeners last heard about: changes are announced relative to these. */
  private announced: CompiledFlagSet | undefined;

  private readonly compiler: IncrementalCompiler;
  /** Set-level problems (not tied to a flag) already logged. */
  private readonly warnedIssues = new Set<string>();

  constructor(private readonly options: FlagSetSyncOptions) {
    this.compiler = new IncrementalCompiler(options.flagSet);
  }

  /** True while connected and in step (not stale, not closed). */
  get live(): boolean {
    return this.state === 'live';
  }

  /** Serves a document until the store can be read (the `bootstrap` option). */
  useBootstrap(document: FlagSetDocument): void {
    this.install(this.compile(document, -1, 'bootstrap'), -1, 'bootstrap');
    this.announced = this.flags;
  }

  /**
   * Subscribes to the change feed and loads the first snapshot, retrying until it succeeds or
   * the sync is closed. Resolves once the store's flags are served; never rejects (failed
   * attempts are logged at debug level and retried).
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
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // A first sync waiting to retry ends now (and `start()` resolves).
    this.wake?.();
    this.timer = undefined;
    this.retryTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) await subscription.unsubscribe().catch(() => {});
  }

  private get closed(): boolean {
    return this.state === 'closed';
  }

  private async syncUntilDone(): Promise<void> {
    let delayMs = 50;
    for (;;) {
      if (this.closed) return;
      try {
        await this.ensureSubscribed();
        await this.refresh({ initial: true });
        break;
      } catch (error) {
        if (this.closed) return;
        this.lastError = error;
        this.options.logger.debug(`flag set "${this.options.flagSet}": first sync failed, retrying:`, error);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.retryTimer = setTimeout(resolve, delayMs);
          this.retryTimer.unref?.();
        });
        this.wake = undefined;
        delayMs = Math.min(delayMs * 2, this.options.resyncIntervalMs);
      }
    }
    if (this.closed) return;
    this.state = 'live';
    this.timer = setInterval(() => void this.check(), this.options.resyncIntervalMs);
    this.timer.unref?.();
    // The first snapshot replaces a bootstrap document: announce what it changed.
    this.notify(this.takeUnannounced());
  }

  /** What changed since listeners last heard, and marks the current flags as announced. */
  private takeUnannounced(): FlagSetChanges {
    const changes = this.announced && this.flags ? diffFlagSets(this.announced, this.flags) : NO_CHANGES;
    this.announced = this.flags;
    return changes;
  }

  private ensureSubscribed(): Promise<void> {
    if (this.subscription) return Promise.resolve();
    this.subscribing ??= this.options.store
      .subscribe(this.options.flagSet, (notice) => this.onNotice(notice), {
        onInterrupt: (error) =>
          this.onConnectionDown(`change feed interrupted${error ? ` (${error.message})` : ''}`),
        onResume: () => this.onFeedResumed(),
      })
      .then(
        async (subscription) => {
          if (this.closed) await subscription.unsubscribe().catch(() => {});
          else this.subscription = subscription;
        },
        (error: unknown) => {
          throw new Error(`could not subscribe to flag set "${this.options.flagSet}"`, { cause: error });
        },
      )
      .finally(() => {
        this.subscribing = undefined;
      });
    return this.subscribing;
  }

  private onNotice(notice: FlagSetChangeNotice): void {
    if (this.closed || notice.flagSet !== this.options.flagSet) return;
    if (notice.version === this.storeVersion) return;
    this.notices.push(notice);
    this.refresh({ fromNotice: true }).catch((error: unknown) => {
      // The periodic check retries; one line, details at debug level.
      this.options.logger.debug(`flag set "${this.options.flagSet}": refresh after a notice failed:`, error);
    });
  }

  /**
   * Loads the snapshot and swaps it in; one load at a time, and a request made during a load
   * triggers one more load after it (so the last announced change is always fetched).
   * Resolves with whether the flags changed since the call.
   */
  private refresh(mode: { initial?: boolean; force?: boolean; fromNotice?: boolean } = {}): Promise<boolean> {
    this.refreshRequested = true;
    if (mode.force) this.forceCompare = true;
    if (!mode.fromNotice) this.fullLoadRequested = true;
    const initial = mode.initial ?? false;
    this.refreshing ??= this.refreshLoop(initial).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshLoop(initial: boolean): Promise<boolean> {
    let changedAny = false;
    while (this.refreshRequested && !this.closed) {
      this.refreshRequested = false;
      const notices = this.notices.splice(0);
      const full = this.fullLoadRequested || this.forceCompare;
      this.fullLoadRequested = false;
      if (!full) {
        const outcome = await this.applyNotices(notices);
        if (outcome !== 'reload') {
          if (outcome === 'changed') changedAny = true;
          continue;
        }
      }
      const snapshot = await withTimeout(
        this.options.store.load(this.options.flagSet),
        initial ? Number.POSITIVE_INFINITY : this.options.requestTimeoutMs,
        () =>
          `loading flag set "${this.options.flagSet}" took longer than ${this.options.requestTimeoutMs} ms`,
      );
      if (this.closed) break;
      if (this.apply(snapshot)) changedAny = true;
    }
    return changedAny;
  }

  /**
   * Applies single-flag notices by reading only those flags (`FlagStore.loadFlags`), when they
   * follow the served version without a gap; `'reload'` when a full load is needed instead.
   */
  private async applyNotices(notices: FlagSetChangeNotice[]): Promise<'changed' | 'unchanged' | 'reload'> {
    const store = this.options.store;
    if (!store.loadFlags || !this.flags || this.source !== 'store' || this.version !== this.storeVersion) {
      return 'reload';
    }
    const fresh = notices.filter((n) => n.version > this.storeVersion).sort((a, b) => a.version - b.version);
    if (fresh.length === 0) return 'unchanged';
    const keys = new Set<string>();
    let expected = this.storeVersion + 1;
    for (const notice of fresh) {
      if (notice.version !== expected || !notice.flagKeys) return 'reload';
      for (const key of notice.flagKeys) keys.add(key);
      expected++;
    }
    const part = await withTimeout(
      store.loadFlags(this.options.flagSet, [...keys]),
      this.options.requestTimeoutMs,
      () => `reading flags of "${this.options.flagSet}" took longer than ${this.options.requestTimeoutMs} ms`,
    );
    if (this.closed) return 'unchanged';
    // Another write landed meanwhile (its notice is on the way) or one was missed: reload.
    if (part.version !== expected - 1 || this.version !== this.storeVersion) return 'reload';
    this.storeVersion = part.version;
    const previous = this.flags;
    const next = this.compiler.patch(part.flags, part.version);
    this.warnIssues(previous, next, 'store');
    const changes = this.install(next, part.version, 'store');
    if (this.state === 'live') this.notify(this.takeUnannounced());
    return changeCount(changes) > 0 ? 'changed' : 'unchanged';
  }

  /** Swaps a snapshot in; returns whether any flag changed (and notifies unless recovering). */
  private apply(snapshot: FlagSetSnapshot): boolean {
    const force = this.forceCompare;
    this.forceCompare = false;
    if (!force && snapshot.version === this.storeVersion) return false;
    this.storeVersion = snapshot.version;
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
      return false;
    }
    this.warnedEmpty = false;
    let next: CompiledFlagSet;
    try {
      next = this.compile(snapshot.document, snapshot.version, 'store');
    } catch (error) {
      this.options.logger.error(
        `flag set "${this.options.flagSet}" version ${snapshot.version} is not a flag set; keeping version ${this.version}:`,
        error instanceof Error ? error.message : error,
      );
      return false;
    }
    const changes = this.install(next, snapshot.version, 'store');
    // While syncing or stale, changes pile up and are announced at once when live again.
    if (this.state === 'live') this.notify(this.takeUnannounced());
    return changeCount(changes) > 0;
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
    this.flags = next;
    this.version = version;
    this.source = source;
    return changes;
  }

  private notify(changes: FlagSetChanges): void {
    if (changeCount(changes) > 0) this.options.listener.changed(changes);
  }

  /** The periodic version check; also the recovery path for stores without connection events. */
  private check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    if (this.closed || this.recovering) return;
    let version: number;
    try {
      version = await withTimeout(
        this.options.store.version(this.options.flagSet),
        this.options.requestTimeoutMs,
        () => `the version check took longer than ${this.options.requestTimeoutMs} ms`,
      );
    } catch (error) {
      this.onConnectionDown(`flag store unreachable: ${describeError(error)}`);
      return;
    }
    if (this.closed) return;
    if (this.state === 'stale') {
      // The store answers again (its feed may not report resumption, or reported it too early).
      await this.recover();
      return;
    }
    if (version !== this.storeVersion) {
      this.options.logger.debug(
        `flag set "${this.options.flagSet}": version ${version} in the store, ${this.version} served; resynchronising`,
      );
      await this.refresh().catch((error: unknown) => {
        this.options.logger.debug(`flag set "${this.options.flagSet}": resync failed:`, error);
      });
    }
  }

  private onConnectionDown(message: string): void {
    if (this.state !== 'live') return;
    this.state = 'stale';
    this.options.logger.error(`flag set "${this.options.flagSet}": ${message}; serving the last good flags`);
    this.options.listener.stale(message);
  }

  /** Notices may have been lost while the feed was down: recover, or compare versions now. */
  private onFeedResumed(): void {
    if (this.state === 'stale') void this.recover();
    else if (this.state === 'live') void this.check();
  }

  /** Resynchronises after a disconnect, then reports READY with everything that changed meanwhile. */
  private recover(): Promise<void> {
    this.recovering ??= this.runRecovery().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private async runRecovery(): Promise<void> {
    try {
      await this.ensureSubscribed();
      // Load again even if a load is under way (it may predate the reconnect), and compare
      // content, not only versions: a Redis restarted empty counts versions from 0 again.
      if (this.refreshing) await this.refreshing.catch(() => {});
      await this.refresh({ force: true });
    } catch (error) {
      this.options.logger.debug(`flag set "${this.options.flagSet}": resync after reconnect failed:`, error);
      return;
    }
    if (this.state !== 'stale') return;
    this.state = 'live';
    const changes = this.takeUnannounced();
    this.options.logger.info(`flag set "${this.options.flagSet}": back in step at version ${this.version}`);
    this.options.listener.recovered(changes);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
