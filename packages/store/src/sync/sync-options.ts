/** What a {@link FlagSetSync} is given: the store and set to follow, its periods and bounds, and whom to tell. */
import type { FlagSetChanges } from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type { FlagStore } from '../flag-store.js';

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
