/**
 * The store contract shared by every flag store (`MemoryFlagStore` here, `RedisFlagStore`,
 * `FirestoreFlagStore`): flag sets in flagd's format, versioned, written atomically with
 * compare-and-set, audited, and followed through the audit log itself. One conformance suite
 * (`@ensign/store/testing`) runs against every implementation.
 */
import type { FlagDefinition, FlagSetDocument, JsonValue, MetadataValue, TargetingRule } from '@ensign/core';

/** A consistent copy of one flag set at one version. */
export interface FlagSetSnapshot {
  /** The set's id (Redis hash tag). */
  readonly flagSet: string;
  /** Incremented by every write; 0 for a set never written. */
  readonly version: number;
  /**
   * The set as stored. A flag written by hand that is not valid JSON (or nested beyond any valid
   * flag) appears here as the raw string it holds, so the evaluator isolates it instead of losing
   * the set.
   */
  readonly document: FlagSetDocument;
  /**
   * Where this version stands in the set's change feed: {@link FlagStore.follow} from here
   * delivers every write after this snapshot and none before. Opaque (a Redis stream id, a log
   * index); `''` for a set whose log holds nothing.
   */
  readonly position: string;
}

/** Who made a write and why: recorded in the audit log. */
export interface WriteOptions {
  /**
   * Compare-and-set: the write is refused with `VersionConflictError` unless the set is at this
   * version. Omit to write whatever the current version is.
   */
  expectedVersion?: number;
  /**
   * Compare-and-set on the one flag a single-flag write touches: the write is refused with
   * `FlagConflictError` unless the flag's current ETag (`flagEtag`) is this one, or
   * `ABSENT_FLAG_ETAG` for "the flag must not exist yet". Unlike `expectedVersion`, a change to
   * another flag of the set does not refuse the write. Not for whole-set writes.
   */
  ifMatch?: string;
  /** Who is writing (user, service). @default 'unknown' */
  actor?: string;
  /** Free-text reason, e.g. an incident number. */
  reason?: string;
}

/** The outcome of a write. */
export interface WriteResult {
  /** The set's version after the write. */
  readonly version: number;
}

/**
 * A partial change to one flag: each top-level field given replaces the stored one; `null`
 * removes an optional field (`targeting`, `defaultVariant`, `metadata`).
 */
export interface FlagPatch {
  state?: 'ENABLED' | 'DISABLED';
  variants?: Record<string, JsonValue>;
  defaultVariant?: string | null;
  targeting?: TargetingRule | null;
  metadata?: Record<string, MetadataValue> | null;
}

/** The kinds of write, as recorded in the audit log. */
export type WriteOperation = 'put' | 'delete' | 'patch' | 'replace' | 'revert';

/**
 * One audit-log entry: who changed what, when, with the state before and after. The log is also
 * the change feed: only a store's write path appends to it, one entry per version, so a reader
 * that applies every entry's `after` in order holds exactly the stored set.
 */
export interface AuditEntry {
  /** Position in the log (a Redis stream id for `RedisFlagStore`): follow from here. */
  readonly id: string;
  readonly flagSet: string;
  /** The set's version after this write. */
  readonly version: number;
  readonly operation: WriteOperation;
  /** The flag written; absent for whole-set operations (`replace`, `revert`). */
  readonly flagKey?: string;
  readonly actor: string;
  readonly reason?: string;
  /** ISO-8601 time of the write (the store's clock). */
  readonly at: string;
  /** The flag (or, for whole-set operations, the document) before the write; `null` if absent. */
  readonly before: FlagDefinition | FlagSetDocument | null;
  /** The flag (or document) after the write; `null` when deleted. */
  readonly after: FlagDefinition | FlagSetDocument | null;
}

/** Options for reading history. */
export interface HistoryOptions {
  /** Only entries about this flag (whole-set operations that changed it included). */
  flagKey?: string;
  /** Most entries to return, newest first. @default 100 */
  limit?: number;
}

/**
 * Hooks on the health of a change feed. While the feed is interrupted nothing is lost (it resumes
 * from the last entry delivered), but nothing arrives either: a reader reports itself stale.
 */
export interface FollowOptions {
  /** The feed cannot be read (connection lost, stalled, refused); it keeps retrying. */
  onInterrupt?(error?: Error): void;
  /**
   * The feed is read again after an interruption. The store behind it may have restarted without
   * its data meanwhile: a reader compares content, not only versions, now.
   */
  onResume?(): void;
}

/** A live subscription to a change feed. */
export interface Subscription {
  /** Stops delivery and releases what the subscription holds. */
  unsubscribe(): Promise<void>;
}

/** Where flag sets live. Implementations: `MemoryFlagStore`, `RedisFlagStore`, `FirestoreFlagStore`. */
export interface FlagStore {
  /**
   * A short name of the backend (`memory`, `redis`, `firestore`): the provider over this store
   * calls itself `ensign-<name>` in its OpenFeature metadata.
   */
  readonly name?: string;
  /**
   * Where the store reads from, for error messages (host and port, never credentials), e.g.
   * `redis://10.0.0.5:6379`.
   */
  readonly address?: string;
  /** Reads a consistent snapshot of one set, with its position in the change feed. */
  load(flagSet: string): Promise<FlagSetSnapshot>;
  /** The set's current version (cheap; used for periodic resynchronisation checks). */
  version(flagSet: string): Promise<number>;
  /** Creates or replaces one flag. Validated first: an invalid flag is refused, nothing written. */
  putFlag(
    flagSet: string,
    flagKey: string,
    flag: FlagDefinition,
    options?: WriteOptions,
  ): Promise<WriteResult>;
  /** Removes one flag. */
  deleteFlag(flagSet: string, flagKey: string, options?: WriteOptions): Promise<WriteResult>;
  /** Changes part of one flag (enable, disable = kill switch, targeting, weights). Validated first. */
  patchFlag(flagSet: string, flagKey: string, patch: FlagPatch, options?: WriteOptions): Promise<WriteResult>;
  /** Replaces the whole set (import). Validated first. */
  replaceFlagSet(flagSet: string, document: FlagSetDocument, options?: WriteOptions): Promise<WriteResult>;
  /** Audit log, newest first. */
  history(flagSet: string, options?: HistoryOptions): Promise<AuditEntry[]>;
  /** Restores the set as it was at `version`; itself a recorded write (`revert`). */
  revert(flagSet: string, version: number, options?: WriteOptions): Promise<WriteResult>;
  /**
   * The change feed: calls `listener` with every audit entry after `position` (a snapshot's
   * `position`, or an entry's `id`), oldest first, then with each new entry as it is written.
   * Entries come from the log only the write path appends to, never from a message anyone could
   * publish. When the log was trimmed past `position`, delivery starts at the oldest entry kept,
   * so the reader sees a gap in versions and reloads. `options` reports interruptions.
   */
  follow(
    flagSet: string,
    position: string,
    listener: (entry: AuditEntry) => void,
    options?: FollowOptions,
  ): Promise<Subscription>;
  /** Releases connections and timers the store opened itself. */
  close(): Promise<void>;
}
