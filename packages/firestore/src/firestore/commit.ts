/**
 * Committing one planned write: a single Firestore `Commit` (a write batch: all of it or nothing)
 * whose compare-and-set is a precondition on the set document's update time. Every write through
 * the store updates that document (it bumps the version), so "unchanged since read" is exactly
 * "no write since". The reads before it take no locks, so racing writers never wait on each
 * other: the loser's commit fails at once, and it reads again. The audit entry carries the
 * write's id, so a commit whose answer was lost (and that the client may have re-sent) is
 * recognised as applied instead of being applied twice.
 */
import {
  type CommitOutcome,
  type CommitRequest,
  FlagStoreError,
  StorePermissionError,
  encodeFlag,
} from '@ensign/store';
import { FieldValue, type Firestore, type WriteBatch } from '@google-cloud/firestore';
import type { Logger } from '@openfeature/server-sdk';
import {
  Status,
  WRITE_HINT,
  describeError,
  isCommitRetryable,
  isPermissionError,
  statusCode,
} from './client.js';
import { encodeEntry } from './codec.js';
import { FIELDS, type SetRefs, documentId } from './layout.js';
import type { BaseRead } from './reads.js';

/** Commit attempts of one planned write (each after reading again what it depends on). */
const MAX_COMMIT_ATTEMPTS = 8;

/** What {@link commitWrite} works with. */
export interface CommitContext {
  readonly firestore: Firestore;
  readonly refs: SetRefs;
  /** Log entries kept: the entry that falls out is deleted in the same commit. */
  readonly maxLogLength: number;
  /** The base the snapshot was read from (`undefined`: read it first). */
  readonly original: BaseRead | undefined;
  /** Reads the base again, with the version at which the write id was applied, if it was. */
  reread(): Promise<{ base: BaseRead; applied: number | undefined }>;
  /** Tracks a call to Firestore (see `FirestoreFlagStore.close`). */
  track<T>(call: Promise<T>): Promise<T>;
  logger: Logger;
}

/**
 * Commits `request` if its guard holds: at once on the base it was planned from; after a failure
 * (a lost race, a lost answer, an unavailable backend) only once a fresh read shows that the
 * write was not applied meanwhile and that the guard still holds.
 */
export async function commitWrite(context: CommitContext, request: CommitRequest): Promise<CommitOutcome> {
  const { flagSet, writeId } = request;
  let base = context.original;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    if (base === undefined) {
      const fresh = await context.reread();
      if (fresh.applied !== undefined) {
        context.logger.debug(
          `flag set "${flagSet}": write ${writeId} was applied at version ${fresh.applied}`,
        );
        return { committed: true, version: fresh.applied };
      }
      // Out of attempts after lost races: the write path re-reads, re-plans and retries, backing off.
      const raced = isLostRace(lastError);
      if (!guardHolds(request, context.original, fresh.base) || (raced && attempt >= MAX_COMMIT_ATTEMPTS)) {
        return { committed: false, actualVersion: fresh.base.set.version };
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        throw new FlagStoreError(
          flagSet,
          `cannot write flag set "${flagSet}" after ${MAX_COMMIT_ATTEMPTS} attempts: ${describeError(lastError)}`,
          { cause: lastError },
        );
      }
      base = fresh.base;
    }
    const { batch, version } = buildCommit(context, request, base);
    try {
      await context.track(batch.commit());
      return { committed: true, version };
    } catch (error) {
      if (isPermissionError(error)) throw new StorePermissionError(flagSet, 'write', error, WRITE_HINT);
      if (!isCommitRetryable(error)) {
        throw new FlagStoreError(flagSet, `cannot write flag set "${flagSet}": ${describeError(error)}`, {
          cause: error,
        });
      }
      lastError = error;
      context.logger.debug(
        `flag set "${flagSet}": commit of write ${writeId} failed (${describeError(error)}); reading again`,
      );
      // A lost race fails at once and is retried at once; anything else waits a little first.
      if (!isLostRace(error)) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * Math.min(1_000, 50 * 2 ** attempt)),
        );
      }
      base = undefined;
    }
  }
}

/** Did a commit fail its precondition (another write came first)? */
function isLostRace(error: unknown): boolean {
  const code = statusCode(error);
  return code === Status.FAILED_PRECONDITION || code === Status.ALREADY_EXISTS;
}

/** Does the guard of `request` still hold on `fresh`, given what the snapshot was read from? */
function guardHolds(request: CommitRequest, original: BaseRead | undefined, fresh: BaseRead): boolean {
  const { guard, plan, snapshot } = request;
  if (guard === 'flag' && plan.flagKey !== undefined && original) {
    return fresh.flagText === original.flagText && fresh.set.evaluators === original.set.evaluators;
  }
  return fresh.set.version === snapshot.version;
}

/**
 * The batch that applies `request` at version `base + 1`: the set document (compare-and-set on its
 * update time, or created if absent), the flags that changed, the audit entry with the write id
 * and the server's time, and the log entry that falls out of `maxLogLength`.
 */
function buildCommit(
  { firestore, refs, maxLogLength }: CommitContext,
  request: CommitRequest,
  base: BaseRead,
): { batch: WriteBatch; version: number } {
  const { flagSet, plan, options, writeId } = request;
  const version = base.set.version + 1;
  const batch = firestore.batch();
  const setFields: Record<string, unknown> = { [FIELDS.version]: version };
  if (plan.replaceAll) {
    const { metadata, $evaluators } = plan.document;
    setFields[FIELDS.metadata] = metadata === undefined ? FieldValue.delete() : JSON.stringify(metadata);
    setFields[FIELDS.evaluators] =
      $evaluators === undefined ? FieldValue.delete() : JSON.stringify($evaluators);
  }
  if (base.updateTime !== undefined) {
    batch.update(refs.set, setFields, { lastUpdateTime: base.updateTime });
  } else {
    const created: Record<string, unknown> = { [FIELDS.flagSet]: flagSet };
    for (const [field, value] of Object.entries(setFields)) {
      if (!(value instanceof FieldValue)) created[field] = value;
    }
    batch.create(refs.set, created);
  }
  if (plan.replaceAll) {
    // Only what changed is written: a revert of one flag in a large set stays a small commit.
    const kept = new Set<string>();
    for (const [key, flag] of Object.entries(plan.put)) {
      const id = documentId(key);
      kept.add(id);
      const text = encodeFlag(flag);
      const stored = base.flags?.get(id);
      if (stored?.text !== text || stored.key !== key) {
        batch.set(refs.flags.doc(id), { [FIELDS.key]: key, [FIELDS.flag]: text });
      }
    }
    for (const id of base.flags?.keys() ?? []) if (!kept.has(id)) batch.delete(refs.flags.doc(id));
  } else {
    for (const [key, flag] of Object.entries(plan.put)) {
      batch.set(refs.flag(key), { [FIELDS.key]: key, [FIELDS.flag]: encodeFlag(flag) });
    }
    for (const key of plan.remove) batch.delete(refs.flag(key));
  }
  batch.set(refs.entry(version), {
    [FIELDS.version]: version,
    [FIELDS.at]: FieldValue.serverTimestamp(),
    ...encodeEntry(
      {
        operation: plan.operation,
        ...(plan.flagKey !== undefined && { flagKey: plan.flagKey }),
        actor: options.actor ?? 'unknown',
        ...(options.reason !== undefined && { reason: options.reason }),
        before: plan.before,
        after: plan.after,
      },
      writeId,
    ),
  });
  if (version > maxLogLength) batch.delete(refs.entry(version - maxLogLength));
  return { batch, version };
}

/** Deletes the log entries below `belowVersion`, a page at a time (left by a larger `maxLogLength`). */
export async function sweepLog(context: CommitContext, belowVersion: number): Promise<void> {
  const query = context.refs.log.where(FIELDS.version, '<', belowVersion).orderBy(FIELDS.version).limit(300);
  for (;;) {
    const { docs } = await context.track(query.get());
    if (docs.length === 0) return;
    const batch = context.firestore.batch();
    for (const doc of docs) batch.delete(doc.ref);
    await context.track(batch.commit());
    if (docs.length < 300) return;
  }
}
