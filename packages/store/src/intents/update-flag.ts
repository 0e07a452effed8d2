/**
 * The read–decide–write loop every single-flag intent shares: read the flag, check the caller's
 * ETag, work out the new definition from what was read, and write it with compare-and-set on
 * the ETag that was read, so the change applies to exactly the definition it was computed from.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { FlagConflictError, MissingFlagError } from '../errors.js';
import type { FlagSetSnapshot, FlagStore } from '../flag-store.js';
import { flagEtag, own } from '../store/document.js';
import { IntentError } from './errors.js';

/** Who makes an intent-level write, why, and what it was based on. */
export interface IntentOptions {
  /**
   * The flag's ETag (`flagEtag`) the caller decided on: refused with `FlagConflictError` if the
   * flag changed since. Omit to act on whatever the flag is now (the intent is then retried if
   * another write lands between its read and its write).
   */
  ifMatch?: string;
  /** Recorded in the audit log. @default 'unknown' */
  actor?: string;
  /** Recorded in the audit log. */
  reason?: string;
}

/** The outcome of an intent-level write to one flag. */
export interface FlagIntentResult {
  readonly flagSet: string;
  readonly flagKey: string;
  /** Whether anything was written (an intent already in effect writes nothing). */
  readonly changed: boolean;
  /** The set's version after the write (or as read, when nothing changed). */
  readonly version: number;
  /** The flag's ETag after the write. */
  readonly etag: string;
  /** The flag after the write. */
  readonly flag: FlagDefinition;
}

/** What a decision step returns: the new definition, or `undefined` for "already so". */
export interface FlagDecision<T> {
  readonly next: FlagDefinition | undefined;
  readonly detail: T;
}

/** Attempts of an intent without `ifMatch` that lost a race with another writer of the flag. */
export const INTENT_WRITE_ATTEMPTS = 5;

/** The flag as stored, refusing one that is not a flag object. */
export function storedFlag(snapshot: FlagSetSnapshot, flagKey: string): FlagDefinition {
  const current = own(snapshot.document.flags, flagKey) as unknown;
  if (current === undefined) throw new MissingFlagError(snapshot.flagSet, flagKey);
  if (typeof current !== 'object' || current === null || Array.isArray(current)) {
    throw new IntentError(
      snapshot.flagSet,
      'not-a-flag',
      flagKey,
      `flag "${flagKey}" in flag set "${snapshot.flagSet}" is not a flag object (written by hand?): replace it with a whole definition`,
    );
  }
  return current as FlagDefinition;
}

/**
 * Reads the flag, decides, writes with compare-and-set on the ETag read; retries when another
 * write wins the race and the caller did not pin an ETag.
 */
export async function updateFlag<T>(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  options: IntentOptions,
  decide: (flag: FlagDefinition, snapshot: FlagSetSnapshot) => FlagDecision<T> | Promise<FlagDecision<T>>,
): Promise<FlagIntentResult & { detail: T }> {
  for (let attempt = 1; ; attempt++) {
    const snapshot = await store.load(flagSet);
    const etag = flagEtag(own(snapshot.document.flags, flagKey));
    if (options.ifMatch !== undefined && options.ifMatch !== etag) {
      throw new FlagConflictError(flagSet, flagKey, options.ifMatch, etag);
    }
    const flag = storedFlag(snapshot, flagKey);
    try {
      // A decision that finds the flag changed after the snapshot throws FlagConflictError too.
      const { next, detail } = await decide(flag, snapshot);
      if (next === undefined) {
        return { flagSet, flagKey, changed: false, version: snapshot.version, etag, flag, detail };
      }
      const { version } = await store.putFlag(flagSet, flagKey, next, {
        ifMatch: etag,
        ...(options.actor !== undefined && { actor: options.actor }),
        ...(options.reason !== undefined && { reason: options.reason }),
      });
      return { flagSet, flagKey, changed: true, version, etag: flagEtag(next), flag: next, detail };
    } catch (error) {
      const retry =
        error instanceof FlagConflictError &&
        options.ifMatch === undefined &&
        attempt < INTENT_WRITE_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

/** The definition of `flagKey` inside an audit entry's before/after (a flag or a whole document). */
export function flagIn(
  value: FlagDefinition | FlagSetDocument | null,
  flagKey: string,
  wholeSet: boolean,
): FlagDefinition | undefined {
  if (value === null) return undefined;
  if (!wholeSet) return value as FlagDefinition;
  return own((value as FlagSetDocument).flags, flagKey);
}
