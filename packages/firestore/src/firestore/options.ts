/**
 * The options of `FirestoreFlagStore`, their defaults, and their resolution (validated once, in
 * the constructor). The client itself is opened by `openClient` (`client.ts`).
 */
import { DEFAULT_MAX_LOG_LENGTH, positiveIntegerOption } from '@ensign/store';
import type { Firestore, Settings } from '@google-cloud/firestore';
import type { Logger } from '@openfeature/server-sdk';
import { DEFAULT_COLLECTION } from './layout.js';

/** Options of `FirestoreFlagStore`. */
export interface FirestoreFlagStoreOptions {
  /** A client to use; the store leaves it open on `close`. Give this or `settings`. */
  firestore?: Firestore;
  /**
   * Settings of a client the store creates (and terminates on `close`), e.g.
   * `{ projectId: 'my-project' }`, or `{ projectId: 'demo', host: '127.0.0.1:8080', ssl: false }`
   * for the emulator. `FIRESTORE_EMULATOR_HOST` is honoured as by the client itself.
   */
  settings?: Settings;
  /** Collection (path) holding one document per flag set. @default 'flagSets' */
  collection?: string;
  /** Audit-log entries kept per set (older ones are deleted as new ones come). @default 10000 */
  maxLogLength?: number;
  /** Retries of a write without `expectedVersion` that lost a race with another writer. @default 10 */
  maxWriteRetries?: number;
  /**
   * How often a change feed checks that Firestore answers (one read of the set's document): the
   * client re-opens a lost listener silently, so this is how an interruption is noticed.
   * @default 5000
   */
  feedCheckMs?: number;
  /**
   * A check that takes longer is verified by a fresh listener, and the feed is interrupted when
   * that one's first snapshot takes longer too. @default 5000
   */
  feedTimeoutMs?: number;
  /** Receives warnings (flags that do not decode) and listener errors. @default console */
  logger?: Logger;
}

/** Default of {@link FirestoreFlagStoreOptions.feedCheckMs}. */
export const FEED_CHECK_MS = 5_000;
/** Default of {@link FirestoreFlagStoreOptions.feedTimeoutMs}. */
export const FEED_TIMEOUT_MS = 5_000;

/** {@link FirestoreFlagStoreOptions} the store keeps, validated and defaulted. */
export interface ResolvedFirestoreOptions {
  readonly collection: string;
  readonly maxLogLength: number;
  readonly feedCheckMs: number;
  readonly feedTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * Validates and defaults the options the store keeps (`firestore`, `settings` and
 * `maxWriteRetries` are handled by the constructor).
 * @throws RangeError when a bound is not a positive integer
 */
export function resolveFirestoreOptions(options: FirestoreFlagStoreOptions): ResolvedFirestoreOptions {
  return {
    maxLogLength: positiveIntegerOption('maxLogLength', options.maxLogLength, DEFAULT_MAX_LOG_LENGTH),
    feedCheckMs: positiveIntegerOption('feedCheckMs', options.feedCheckMs, FEED_CHECK_MS),
    feedTimeoutMs: positiveIntegerOption('feedTimeoutMs', options.feedTimeoutMs, FEED_TIMEOUT_MS),
    logger: options.logger ?? console,
    collection: options.collection ?? DEFAULT_COLLECTION,
  };
}
