import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
/**
 * The write path both stores share: read a snapshot, plan and validate the change against it,
 * then commit with compare-and-set on the snapshot's version, so what was validated is exactly
 * what gets written, even with concurrent writers. Stores implement only reading and committing.
 */
import { VersionConflictError } from '../errors.js';
import type {
  AuditEntry,
  FlagPatch,
  FlagSetChangeNotice,
  FlagSetSnapshot,
  FlagStore,
  HistoryOptions,
  SubscribeOptions,
  Subscription,
  WriteOptions,
  WriteResult,
} from '../flag-store.js';
import { checkFlagKey, checkFlagSetId } from './document.js';
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
  abstract subscribe(
    flagSet: string,
    listener: (notice: FlagSetChangeNotice) => void,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  abstract close(): Promise<void>;

  /**
   * A consistent snapshot for planning a write. With `flagKey` (single-flag writes) the document
   * need hold only that flag, `$evaluators` and `metadata`: a flag's validity depends on nothing
   * else, so a write costs the same in a set of ten flags or ten thousand.
   */
  protected abstract readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot>;
  /**
   * Commits `plan` (made from `snapshot`, one that `readForWrite` returned) if `guard` holds;
   * records it in the audit log and announces it, in one atomic step.
   */
  protected abstract commit(
    flagSet: string,
    plan: WritePlan,
    snapshot: FlagSetSnapshot,
    guard: CommitGuard,
    options: WriteOptions,
  ): Promise<CommitOutcome>;
  /** Audit entries with a version above `version`, newest first (as far as the log reaches). */
  protected abstract entriesAfter(flagSet: string, version: number): Promise<AuditEntry[]>;

  async putFlag(
    flagSet: string,
    flagKey: string,
    flag: FlagDefinition,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    checkFlagKey(flagKey);
    return this.write(flagSet, options, () => ({ operation: 'put', flagKey, flag }), flagKey);
  }

  async deleteFlag(flagSet: string, flagKey: string, options?: WriteOptions): Promise<WriteResult> {
    checkFlagKey(flagKey);
    return this.write(flagSet, options, () => ({ operation: 'delete', flagKey }), flagKey);
  }

  async patchFlag(
    flagSet: string,
    flagKey: string,
    patch: FlagPatch,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    checkFlagKey(flagKey);
    return this.write(flagSet, options, () => ({ operation: 'patch', flagKey, patch }), flagKey);
  }

  async replaceFlagSet(
    flagSet: string,
    document: FlagSetDocument,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.write(flagSet, options, () => ({ operation: 'replace', document }));
  }

  async revert(flagSet: string, version: number, options?: WriteOptions): Promise<WriteResult> {
    return this.write(flagSet, options, async (snapshot) => ({
      operation: 'revert',
      document: rebuildVersion(snapshot, await this.entriesAfter(flagSet, version), version),
    }));
  }

  private async write(
    flagSet: string,
    options: WriteOptions | undefined,
    request: (snapshot: FlagSetSnapshot) => WriteRequest | Promise<WriteRequest>,
    flagKey?: string,
  ): Promise<WriteResult> {
    checkFlagSetId(flagSet);
    const { expectedVersion } = options ?? {};
    if (expectedVersion !== undefined && (!Number.isInteger(expectedVersion) || expectedVersion < 0)) {
      throw new RangeError(`expectedVersion must be a non-negative integer, got ${expectedVersion}`);
    }
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
      const plan = planWrite(snapshot, await request(snapshot));
      // With an expected version the caller asked for compare-and-set on the version; without
      // one, a single-flag write needs only its own inputs unchanged.
      const guard: CommitGuard =
        expectedVersion === undefined && plan.flagKey !== undefined ? 'flag' : 'version';
      const outcome = await this.commit(flagSet, plan, snapshot, guard, options ?? {});
      if (outcome.committed) return { version: outcome.version };
      conflict = new VersionConflictError(
        flagSet,
        expectedVersion ?? snapshot.version,
        outcome.actualVersion,
      );
      if (expectedVersion !== undefined) throw conflict;
    }
    throw conflict!;
  }
}
