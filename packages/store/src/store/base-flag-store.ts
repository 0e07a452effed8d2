/// <reference types="node" />
/**
 * The write path every store shares: check the arguments, read a snapshot, plan and validate the
 * change against it, then commit with compare-and-set on the snapshot's version, so what was
 * validated is exactly what gets written, even with concurrent writers. Stores implement only
 * reading, committing and their change feed.
 */
import { randomUUID } from 'node:crypto';
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { FlagConflictError, InvalidArgumentError, VersionConflictError } from '../errors.js';
import type {
  AuditEntry,
  FlagPatch,
  FlagSetSnapshot,
  FlagStore,
  FollowOptions,
  HistoryOptions,
  Subscription,
  WriteOptions,
  WriteResult,
} from '../flag-store.js';
import {
  checkDocumentArgument,
  checkFlagArgument,
  checkPatchArgument,
  checkVersionArgument,
  checkWriteOptions,
} from './arguments.js';
import { checkFlagKey, checkFlagSetId, flagEtag, own } from './document.js';
import { type WritePlan, type WriteRequest, planWrite } from './plan-write.js';
import { rebuildVersion } from './rebuild.js';

/** Retries of a write without `expectedVersion` that lost a race with another writer. */
export const DEFAULT_MAX_WRITE_RETRIES = 10;

/** Audit-log entries kept per set (older ones are trimmed). */
export const DEFAULT_MAX_LOG_LENGTH = 10_000;

/** Entries returned by `history` when no `limit` is given. */
export const DEFAULT_HISTORY_LIMIT = 100;

/**
 * What must be unchanged since the snapshot for a commit to go ahead. `version`: nothing in the
 * set changed (compare-and-set on the version). `flag`: the one flag written and `$evaluators`
 * are as read — all a single-flag write's validity depends on — so writers of different flags
 * never conflict, while a flag changed underneath is re-read and re-validated.
 */
export type CommitGuard = 'version' | 'flag';

/** The result of trying to commit a plan. */
export type CommitOutcome =
  | { committed: true; version: number }
  | { committed: false; actualVersion: number };

/** Everything a store needs to commit one planned write. */
export interface CommitRequest {
  readonly flagSet: string;
  /** The validated change. */
  readonly plan: WritePlan;
  /** The snapshot the plan was made from (one that `readForWrite` returned). */
  readonly snapshot: FlagSetSnapshot;
  /** What must be unchanged since the snapshot. */
  readonly guard: CommitGuard;
  readonly options: WriteOptions;
  /**
   * Identifies this logical write across retries and re-sends. A store whose client may send a
   * commit twice (ioredis re-sends unanswered commands after a reconnect; a Firestore client may
   * retry a commit whose answer was lost) records it with the write and answers a repeat with the
   * first outcome instead of applying it twice.
   */
  readonly writeId: string;
}

/**
 * The base every store extends (`MemoryFlagStore`, `RedisFlagStore`, `FirestoreFlagStore`): it
 * owns the write path (validation, planning, compare-and-set retries, revert) so that every store
 * accepts and refuses exactly the same writes. A store implements reading, committing a planned
 * write atomically, and its change feed; `@ensign/store/testing` proves it.
 */
export abstract class BaseFlagStore implements FlagStore {
  protected constructor(private readonly maxWriteRetries: number) {
    if (!Number.isInteger(maxWriteRetries) || maxWriteRetries < 0) {
      throw new RangeError(`maxWriteRetries must be a non-negative integer, got ${maxWriteRetries}`);
    }
  }

  abstract load(flagSet: string): Promise<FlagSetSnapshot>;
  abstract version(flagSet: string): Promise<number>;
  abstract history(flagSet: string, options?: HistoryOptions): Promise<AuditEntry[]>;
  abstract follow(
    flagSet: string,
    position: string,
    listener: (entry: AuditEntry) => void,
    options?: FollowOptions,
  ): Promise<Subscription>;
  abstract close(): Promise<void>;

  /**
   * A consistent snapshot for planning a write. With `flagKey` (single-flag writes) the document
   * need hold only that flag, `$evaluators` and `metadata`: a flag's validity depends on nothing
   * else, so a write costs the same in a set of ten flags or ten thousand.
   */
  protected abstract readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot>;
  /**
   * Commits the plan if its guard holds, and records it in the audit log (the change feed), in
   * one atomic step: all of it or nothing. A repeated `writeId` answers with the first outcome.
   */
  protected abstract commit(request: CommitRequest): Promise<CommitOutcome>;
  /** Audit entries with a version above `version`, newest first (as far as the log reaches). */
  protected abstract entriesAfter(flagSet: string, version: number): Promise<AuditEntry[]>;

  async putFlag(
    flagSet: string,
    flagKey: string,
    flag: FlagDefinition,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    checkFlagKey(flagKey);
    const checked = checkFlagArgument('putFlag', flagKey, flag);
    return this.write(
      'putFlag',
      flagSet,
      options,
      () => ({ operation: 'put', flagKey, flag: checked }),
      flagKey,
    );
  }

  async deleteFlag(flagSet: string, flagKey: string, options?: WriteOptions): Promise<WriteResult> {
    checkFlagKey(flagKey);
    return this.write('deleteFlag', flagSet, options, () => ({ operation: 'delete', flagKey }), flagKey);
  }

  async patchFlag(
    flagSet: string,
    flagKey: string,
    patch: FlagPatch,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    checkFlagKey(flagKey);
    const checked = checkPatchArgument('patchFlag', flagKey, patch);
    return this.write(
      'patchFlag',
      flagSet,
      options,
      () => ({ operation: 'patch', flagKey, patch: checked }),
      flagKey,
    );
  }

  async replaceFlagSet(
    flagSet: string,
    document: FlagSetDocument,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    const checked = checkDocumentArgument('replaceFlagSet', document);
    return this.write('replaceFlagSet', flagSet, options, () => ({
      operation: 'replace',
      document: checked,
    }));
  }

  async revert(flagSet: string, version: number, options?: WriteOptions): Promise<WriteResult> {
    // Checked before the log is read: revert(NaN) must not walk the whole log to refuse.
    checkVersionArgument('revert', 'version', version);
    return this.write('revert', flagSet, options, async (snapshot) => ({
      operation: 'revert',
      document: rebuildVersion(
        snapshot,
        version > snapshot.version ? [] : await this.entriesAfter(flagSet, version),
        version,
      ),
    }));
  }

  private async write(
    method: string,
    flagSet: string,
    rawOptions: WriteOptions | undefined,
    request: (snapshot: FlagSetSnapshot) => WriteRequest | Promise<WriteRequest>,
    flagKey?: string,
  ): Promise<WriteResult> {
    checkFlagSetId(flagSet);
    const options = checkWriteOptions(method, rawOptions);
    const { expectedVersion, ifMatch } = options;
    if (ifMatch !== undefined && flagKey === undefined) {
      throw new InvalidArgumentError(
        method,
        'options.ifMatch',
        'applies to single-flag writes only (use expectedVersion)',
      );
    }
    // One id for every attempt of this write: an attempt that lost a race wrote nothing, and an
    // attempt re-sent by the client after a lost reply must be recognised as the same write.
    const writeId = randomUUID();
    let conflict: VersionConflictError | undefined;
    for (let attempt = 0; attempt <= this.maxWriteRetries; attempt++) {
      // Spread retrying writers apart (jittered exponential backoff, at most 50 ms) so they do not
      // collide again in lockstep.
      if (attempt > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
      }
      const snapshot = await this.readForWrite(flagSet, flagKey);
      if (expectedVersion !== undefined && snapshot.version !== expectedVersion) {
        throw new VersionConflictError(flagSet, expectedVersion, snapshot.version);
      }
      if (ifMatch !== undefined && flagKey !== undefined) {
        const actual = flagEtag(own(snapshot.document.flags, flagKey));
        if (actual !== ifMatch) throw new FlagConflictError(flagSet, flagKey, ifMatch, actual);
      }
      const plan = planWrite(snapshot, await request(snapshot));
      // With an expected version the caller asked for compare-and-set on the version; without
      // one, a single-flag write needs only its own inputs unchanged.
      const guard: CommitGuard =
        expectedVersion === undefined && plan.flagKey !== undefined ? 'flag' : 'version';
      const outcome = await this.commit({ flagSet, plan, snapshot, guard, options, writeId });
      if (outcome.committed) return { version: outcome.version };
      conflict = new VersionConflictError(
        flagSet,
        expectedVersion ?? snapshot.version,
        outcome.actualVersion,
      );
      if (expectedVersion !== undefined) throw conflict;
      // With ifMatch the retry re-reads the flag: if it changed, the ETag check above refuses.
    }
    throw conflict!;
  }
}
