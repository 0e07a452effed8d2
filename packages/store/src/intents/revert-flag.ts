/**
 * Reverting one flag from its history: the flag goes back to its definition at an earlier
 * version of the set (rebuilt from the audit log), and nothing else in the set changes. The
 * write is compare-and-set on the flag's ETag, like any edit of one flag.
 */
import type { FlagDefinition } from '@ensign/core';
import { FlagConflictError, MissingFlagError } from '../errors.js';
import type { FlagStore } from '../flag-store.js';
import { checkVersionArgument } from '../store/arguments.js';
import { flagEtag, own } from '../store/document.js';
import { rebuildVersion } from '../store/rebuild.js';
import { jsonEqual } from './diff.js';
import type { IntentOptions } from './update-flag.js';

/** Extra log entries read beyond the ones a revert needs, for writes that land meanwhile. */
const HISTORY_SLACK = 100;

/** The definition of one flag at an earlier version of its set (`undefined`: it did not exist). */
export async function flagAtVersion(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  version: number,
): Promise<{
  flag: FlagDefinition | undefined;
  currentVersion: number;
  current: FlagDefinition | undefined;
}> {
  checkVersionArgument('flagAtVersion', 'version', version);
  const snapshot = await store.load(flagSet);
  const entries =
    version >= snapshot.version
      ? []
      : await store.history(flagSet, { limit: snapshot.version - version + HISTORY_SLACK });
  const document = rebuildVersion(snapshot, entries, version);
  return {
    flag: own(document.flags, flagKey),
    currentVersion: snapshot.version,
    current: own(snapshot.document.flags, flagKey),
  };
}

/** The outcome of {@link revertFlag}. */
export interface RevertFlagResult {
  readonly flagSet: string;
  readonly flagKey: string;
  /** The version the flag's definition was taken from. */
  readonly toVersion: number;
  readonly changed: boolean;
  /** The set's version after the write (or as read, when nothing changed). */
  readonly version: number;
  /** The flag's ETag after the write (`ABSENT_FLAG_ETAG` when the revert removed it). */
  readonly etag: string;
  /** The flag after the write; `null` when it did not exist at `toVersion` (and was removed). */
  readonly flag: FlagDefinition | null;
}

/**
 * Puts one flag back as it was at `version` of its set (removing it if it did not exist then).
 * @throws {HistoryUnavailableError} when the log no longer reaches `version`.
 * @throws {FlagConflictError} when `ifMatch` is given and the flag changed since.
 */
export async function revertFlag(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  version: number,
  options: IntentOptions = {},
): Promise<RevertFlagResult> {
  for (let attempt = 1; ; attempt++) {
    const { flag: target, current, currentVersion } = await flagAtVersion(store, flagSet, flagKey, version);
    const etag = flagEtag(current);
    if (options.ifMatch !== undefined && options.ifMatch !== etag) {
      throw new FlagConflictError(flagSet, flagKey, options.ifMatch, etag);
    }
    if (target === undefined && current === undefined) {
      // Neither now nor then: there is nothing to revert.
      throw new MissingFlagError(flagSet, flagKey);
    }
    const base = { flagSet, flagKey, toVersion: version };
    if (target !== undefined && current !== undefined && jsonEqual(target, current)) {
      return { ...base, changed: false, version: currentVersion, etag, flag: current };
    }
    const write = {
      ifMatch: etag,
      ...(options.actor !== undefined && { actor: options.actor }),
      ...(options.reason !== undefined && { reason: options.reason }),
    };
    try {
      if (target === undefined) {
        const { version: after } = await store.deleteFlag(flagSet, flagKey, write);
        return { ...base, changed: true, version: after, etag: flagEtag(undefined), flag: null };
      }
      const { version: after } = await store.putFlag(flagSet, flagKey, target, write);
      return { ...base, changed: true, version: after, etag: flagEtag(target), flag: target };
    } catch (error) {
      if (!(error instanceof FlagConflictError) || options.ifMatch !== undefined || attempt >= 5) throw error;
    }
  }
}
