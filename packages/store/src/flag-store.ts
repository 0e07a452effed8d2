/**
 * The store contract shared by every flag store (`MemoryFlagStore` here, `RedisFlagStore`,
 * `FirestoreFlagStore`): flag sets in flagd's format, versioned, written atomically with
 * compare-and-set, audited, and announced on a change feed. One conformance suite
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
   * The set as stored. A flag written by hand that is not valid JSON appears here as the raw
   * string it holds (`unknown`), so the evaluator isolates it instead of losing the set.
   */
  readonly document: FlagSetDocument;
}

/** Some flags of a set, read consistently with the set's version. */
export interface FlagSetPart {
  readonly flagSet: string;
  /** The set's version when the flags were read. */
  readonly version: number;
  /**
   * Each requested flag as stored (a flag that is not valid JSON as its raw string, like in
   * `load`), or `null` when the set does not hold it.
   */
  readonly flags: Readonly<Record<string, FlagDefinition | null>>;
}

/** Who made a write and why: recorded in the audit log. */
export interface WriteOptions {
  /**
   * Compare-and-set: the write is refused with `VersionConflictError` unless the set is at this
   * version. Omit to write whatever the current version is.
   */
  expectedVersion?: number;
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

/** The kinds of write, as recorded in the audit log and announced on the change feed. */
export type WriteOperation = 'put' | 'delete' | 'patch' | 'replace' | 'revert';

/** One audit-log entry: who changed what, when, with the state before and after. */
export interface AuditEntry {
  /** Position in the log (a Redis stream id for `RedisFlagStore`). */
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

/** A change notice from the feed: enough to fetch the change, not the change itself. */
export interface FlagSetChangeNotice {
  readonly flagSet: string;
  readonly version: number;
  readonly operation: WriteOperation;
  /** Flags the write touched; absent for whole-set operations. */
  readonly flagKeys?: readonly string[];
}

/** Options for reading history. */
export interface HistoryOptions {
  /** Only entries about this flag (whole-set operations that changed it included). */
  flagKey?: string;
  /** Most entries to return, newest first. @default 100 */
  limit?: number;
}

/**
 * Hooks on the health of a change feed. Pub/sub loses what is published while a subscriber is
 * disconnected, so a reader resynchronises (compares `version`) when the feed resumes.
 */
export interface SubscribeOptions {
  /** The feed's connection dropped: notices published from now until `onResume` are lost. */
  onInterrupt?(error?: Error): void;
  /** The feed is live again after an interruption (resubscribed): resynchronise now. */
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
  /** Reads a consistent snapshot of one set. */
  load(flagSet: string): Promise<FlagSetSnapshot>;
  /**
   * Reads only some flags, with the version they belong to: enough to apply a single-flag change
   * notice (`notice.flagKeys`) without reloading the whole set. When the returned version is not
   * the notice's, reload with `load`. Optional: readers fall back to `load` when absent.
   */
  loadFlags?(flagSet: string, flagKeys: readonly string[]): Promise<FlagSetPart>;
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
   * Calls `listener` for every change to the set, from the moment the returned promise resolves.
   * `options` reports when the feed is interrupted and resumes (Redis connection loss).
   */
  subscribe(
    flagSet: string,
    listener: (notice: FlagSetChangeNotice) => void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Releases connections and timers the store opened itself. */
  close(): Promise<void>;
}
