/**
 * What a {@link FlagSetSync} reports about itself for health checks and metrics: its state, the
 * version and size of the flags it serves, when they last changed, and counters of what it did
 * with the change feed. Everything here is updated on sync transitions (an entry, a reload, an
 * interruption), never on the evaluation path, and read as a copy.
 */
import type { FlagSource } from './sync-options.js';

/**
 * The sync's state: `idle` before `start`, `syncing` until the first snapshot is in and the feed
 * followed, `live` while following the store, `stale` while it cannot (the last good flags are
 * served), `closed` after `close`.
 */
export type SyncState = 'idle' | 'syncing' | 'live' | 'stale' | 'closed';

/**
 * Why a full reload ran: `gap` (versions missing from the log, e.g. trimmed), `rejected-entry`
 * (an entry that could not be applied), `not-in-step` (an entry arrived while serving a
 * bootstrap document or last-good flags), `feed-resumed` (after an interruption),
 * `feed-behind` (the version check found a newer version the feed had not delivered),
 * `store-went-back` (the store's version went down: restarted without its data), `recovery`
 * (stale, the store answers again), `verify` (the periodic content comparison).
 */
export type ReloadCause =
  | 'gap'
  | 'rejected-entry'
  | 'not-in-step'
  | 'feed-resumed'
  | 'feed-behind'
  | 'store-went-back'
  | 'recovery'
  | 'verify';

/** Every {@link ReloadCause}, in a stable order (for metrics). */
export const RELOAD_CAUSES: readonly ReloadCause[] = [
  'gap',
  'rejected-entry',
  'not-in-step',
  'feed-resumed',
  'feed-behind',
  'store-went-back',
  'recovery',
  'verify',
];

/** What became of the change-feed entries the sync received. */
export interface FeedEntryCounts {
  /** Applied on top of the served flags. */
  applied: number;
  /** Already in the served content (the feed repeats a few after a snapshot); ignored. */
  duplicate: number;
  /** Ignored because a reload was running or the flags were not in step; the reload re-reads them. */
  dropped: number;
  /** After a gap in versions: the sync reloaded the whole set (repaired). */
  gap: number;
  /** Could not be applied: the sync reloaded the whole set (repaired). */
  rejected: number;
}

/** Counters of a sync since it was created. */
export interface FlagSetSyncCounters {
  readonly entries: Readonly<FeedEntryCounts>;
  /** Full reloads started after the first sync, by cause. */
  readonly reloads: Readonly<Record<ReloadCause, number>>;
  /** Reload attempts that failed (each retried). */
  readonly reloadFailures: number;
  /** Periodic version checks answered by the store. */
  readonly checks: number;
  /** Periodic version checks that failed or timed out. */
  readonly checkFailures: number;
  /** Times the change feed reported an interruption. */
  readonly interruptions: number;
  /** Times the sync went from live to stale. */
  readonly staleEpisodes: number;
  /** Content found changed at an unchanged version (edited around the write path). */
  readonly handEdits: number;
}

/** A snapshot of one sync. */
export interface FlagSetSyncStatus {
  readonly flagSet: string;
  readonly state: SyncState;
  /** Where the served flags came from; `undefined` before any are served. */
  readonly source: FlagSource | undefined;
  /** The store version being served; -1 while serving a bootstrap document or nothing. */
  readonly version: number;
  /** Flags in the served set. */
  readonly flagCount: number;
  /** When the served flags last changed, in ms since the epoch; `undefined` before any were served. */
  readonly lastChangeAt: number | undefined;
  /** When the sync went stale, in ms since the epoch; `undefined` unless it is stale now. */
  readonly staleSince: number | undefined;
  readonly counters: FlagSetSyncCounters;
}

/** The mutable counters behind {@link FlagSetSyncCounters}. @internal */
export class SyncCounters {
  readonly entries: FeedEntryCounts = { applied: 0, duplicate: 0, dropped: 0, gap: 0, rejected: 0 };
  private readonly reloads = Object.fromEntries(RELOAD_CAUSES.map((cause) => [cause, 0])) as Record<
    ReloadCause,
    number
  >;
  reloadFailures = 0;
  checks = 0;
  checkFailures = 0;
  interruptions = 0;
  staleEpisodes = 0;
  handEdits = 0;

  reload(cause: ReloadCause): void {
    this.reloads[cause]++;
  }

  snapshot(): FlagSetSyncCounters {
    return {
      entries: { ...this.entries },
      reloads: { ...this.reloads },
      reloadFailures: this.reloadFailures,
      checks: this.checks,
      checkFailures: this.checkFailures,
      interruptions: this.interruptions,
      staleEpisodes: this.staleEpisodes,
      handEdits: this.handEdits,
    };
  }
}
