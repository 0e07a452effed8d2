/**
 * Archiving: an archived flag is removed from the set, so every provider evaluates it exactly as
 * flagd evaluates a flag that is not there (`FLAG_NOT_FOUND`, the caller's code default), and its
 * exact definition is kept in the server's state (`lifecycle-archive:<set>`), so it can be
 * restored as it was. The removal and the restore are ordinary audited writes of the flag store
 * (a `delete` whose `before` is the definition, a `put` whose `after` is it again), so the
 * audit trail, the change feed and the webhooks see them like any other change.
 *
 * Why not inside the flag-set document: every store keeps the document as flagd defines it, set
 * metadata is merged into every evaluation result (archived rules would reach widgets and OFREP
 * clients), and an extra top-level key is not in flagd's schema. The flag store stays the truth of
 * what is served; the record is the truth of what can be restored. The two writes are not one
 * transaction: the record is written first, and a record whose flag is still (or again) in the
 * set is not an archived flag (listed nowhere, refused by unarchive with `flag-exists`).
 */
import type { FlagDefinition } from '@ensign/core';
import {
  ABSENT_FLAG_ETAG,
  FlagConflictError,
  type FlagStore,
  INTENT_WRITE_ATTEMPTS,
  IntentError,
  type IntentOptions,
  MAX_REASON_LENGTH,
  MissingFlagError,
  flagEtag,
  own,
} from '@ensign/store';
import { LifecycleError } from '../errors.js';
import { type LifecycleState, archiveNamespace } from '../state.js';

/** What is kept of an archived flag. */
export interface ArchiveRecord {
  readonly flagKey: string;
  /** The flag's definition exactly as it was stored. */
  readonly flag: FlagDefinition;
  /** Its ETag (`flagEtag`) when archived: the restored flag has the same. */
  readonly etag: string;
  /** ISO-8601. */
  readonly archivedAt: string;
  readonly archivedBy: string;
  readonly reason?: string;
  /** The set's version written by the removal (0 until it is known). */
  readonly version: number;
}

/** The outcome of archiving. */
export interface ArchiveResult {
  readonly flagSet: string;
  readonly flagKey: string;
  /** False when the flag was already archived (nothing written). */
  readonly changed: boolean;
  /** The set's version after the removal. */
  readonly version: number;
  readonly archived: ArchiveRecord;
}

/** The outcome of unarchiving. */
export interface UnarchiveResult {
  readonly flagSet: string;
  readonly flagKey: string;
  readonly version: number;
  readonly etag: string;
  readonly flag: FlagDefinition;
  /** The record it was restored from. */
  readonly restoredFrom: ArchiveRecord;
}

/** Options of archive and unarchive: who, why, and (archive) the ETag decided on. */
export interface ArchiveOptions extends IntentOptions {
  /** The clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/** The audit reason of an archive write: marked, and within the store's limit. */
function auditReason(action: 'archived' | 'unarchived', reason: string | undefined): string {
  return (reason === undefined ? action : `${action}: ${reason}`).slice(0, MAX_REASON_LENGTH);
}

/**
 * Archives a flag: keeps its definition, then removes it from the set with compare-and-set on
 * the ETag read. A flag already archived (absent, with a record) is `changed: false`.
 * @throws {MissingFlagError} no such flag and no record. {@link FlagConflictError} the flag
 * changed since `ifMatch`, or kept changing. `IntentError` (`not-a-flag`) for a stored flag that
 * is not a flag object.
 */
export async function archiveFlag(
  store: FlagStore,
  state: LifecycleState,
  flagSet: string,
  flagKey: string,
  options: ArchiveOptions = {},
): Promise<ArchiveResult> {
  const namespace = archiveNamespace(flagSet);
  for (let attempt = 1; ; attempt++) {
    const snapshot = await store.load(flagSet);
    if (own(snapshot.document.flags, flagKey) === undefined) {
      const kept = await state.get<ArchiveRecord>(namespace, flagKey);
      if (kept === undefined) throw new MissingFlagError(flagSet, flagKey);
      return { flagSet, flagKey, changed: false, version: snapshot.version, archived: kept.value };
    }
    const current = own(snapshot.document.flags, flagKey) as unknown;
    const etag = flagEtag(current as FlagDefinition);
    if (options.ifMatch !== undefined && options.ifMatch !== etag)
      throw new FlagConflictError(flagSet, flagKey, options.ifMatch, etag);
    if (typeof current !== 'object' || current === null || Array.isArray(current))
      throw new IntentError(
        flagSet,
        'not-a-flag',
        flagKey,
        `flag "${flagKey}" in flag set "${flagSet}" is not a flag object (written by hand?): it cannot be restored as it is, so it is not archived; delete it instead`,
      );
    const flag = current as FlagDefinition;
    const previous = await state.get<ArchiveRecord>(namespace, flagKey);
    const record: ArchiveRecord = {
      flagKey,
      flag,
      etag,
      archivedAt: (options.now?.() ?? new Date()).toISOString(),
      archivedBy: options.actor ?? 'unknown',
      ...(options.reason !== undefined && { reason: options.reason }),
      version: 0,
    };
    const written = await state.put(namespace, flagKey, record, { expectedVersion: previous?.version ?? 0 });
    if (written === undefined) {
      // Another archive of this flag wrote its record meanwhile: read again.
      if (attempt < INTENT_WRITE_ATTEMPTS) continue;
      throw new FlagConflictError(flagSet, flagKey, etag, etag);
    }
    try {
      const { version } = await store.deleteFlag(flagSet, flagKey, {
        ifMatch: etag,
        actor: record.archivedBy,
        reason: auditReason('archived', options.reason),
      });
      const archived = { ...record, version };
      // Best effort: the version only helps people find the write in the history.
      await state.put(namespace, flagKey, archived, { expectedVersion: written }).catch(() => undefined);
      return { flagSet, flagKey, changed: true, version, archived };
    } catch (error) {
      // Not removed: the record must not outlive the attempt (unless another wrote over it).
      const now = await state.get(namespace, flagKey).catch(() => undefined);
      if (now?.version === written) await state.delete(namespace, flagKey).catch(() => false);
      const retry =
        error instanceof FlagConflictError &&
        options.ifMatch === undefined &&
        attempt < INTENT_WRITE_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

/**
 * Restores an archived flag with exactly the definition it had, as a new flag (compare-and-set on
 * its absence), then forgets the record.
 * @throws {LifecycleError} `not-archived`, or `flag-exists` when the set holds the key again.
 * `FlagSetValidationError` when the definition no longer fits the set (e.g. a `$ref` to a segment
 * since removed); nothing is written then.
 */
export async function unarchiveFlag(
  store: FlagStore,
  state: LifecycleState,
  flagSet: string,
  flagKey: string,
  options: Omit<ArchiveOptions, 'ifMatch'> = {},
): Promise<UnarchiveResult> {
  const namespace = archiveNamespace(flagSet);
  const kept = await state.get<ArchiveRecord>(namespace, flagKey);
  if (kept === undefined)
    throw new LifecycleError(
      flagSet,
      'not-archived',
      flagKey,
      `flag "${flagKey}" of flag set "${flagSet}" is not archived: nothing to restore`,
    );
  const snapshot = await store.load(flagSet);
  if (own(snapshot.document.flags, flagKey) !== undefined)
    throw new LifecycleError(
      flagSet,
      'flag-exists',
      flagKey,
      `flag set "${flagSet}" holds a flag "${flagKey}" again (created after it was archived): delete or rename it before restoring the archived one`,
    );
  const { flag } = kept.value;
  const { version } = await store.putFlag(flagSet, flagKey, flag, {
    ifMatch: ABSENT_FLAG_ETAG,
    actor: options.actor ?? 'unknown',
    reason: auditReason('unarchived', options.reason),
  });
  // Only the record restored from: a newer archive of a re-created flag stays.
  const now = await state.get(namespace, flagKey);
  if (now?.version === kept.version) await state.delete(namespace, flagKey);
  return { flagSet, flagKey, version, etag: flagEtag(flag), flag, restoredFrom: kept.value };
}

/**
 * The archived flags of a set, by key: records whose key the set does not hold (a record of a
 * key the set holds again is not an archived flag). `liveKeys`: the set's keys, when already read.
 */
export async function listArchived(
  store: FlagStore,
  state: LifecycleState,
  flagSet: string,
  liveKeys?: ReadonlySet<string>,
): Promise<Map<string, ArchiveRecord>> {
  const keys = liveKeys ?? new Set(Object.keys((await store.load(flagSet)).document.flags));
  const out = new Map<string, ArchiveRecord>();
  for (const [key, doc] of await state.list<ArchiveRecord>(archiveNamespace(flagSet)))
    if (!keys.has(key)) out.set(key, doc.value);
  return out;
}
