/**
 * `FirestoreFlagStore`: flag sets in Cloud Firestore behind the same contract as the memory and
 * Redis stores. One document per set (version, metadata, `$evaluators`), one per flag (its JSON
 * text), one per audit entry (the change feed, followed with a real-time listener). Every write is
 * one atomic commit, compare-and-set on the set document, that writes the flags, bumps the version
 * and appends exactly one audit entry carrying the write's id.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import {
  type AuditEntry,
  BaseFlagStore,
  type CommitOutcome,
  type CommitRequest,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_MAX_WRITE_RETRIES,
  type FlagPatch,
  type FlagSetSnapshot,
  FlagStoreError,
  type FollowOptions,
  type HistoryOptions,
  StorePermissionError,
  type Subscription,
  type WriteOptions,
  type WriteResult,
  checkFlagSetId,
  entryTouchesFlag,
  withTimeout,
} from '@ensign/store';
import type { Firestore, Query, Settings } from '@google-cloud/firestore';
import type { Logger } from '@openfeature/server-sdk';
import {
  READ_HINT,
  clientAddress,
  describeError,
  isPermissionError,
  openClient,
} from './firestore/client.js';
import { decodeEntry, readSetDoc } from './firestore/codec.js';
import { type CommitContext, commitWrite, sweepLog } from './firestore/commit.js';
import { FeedFollower } from './firestore/feed-follower.js';
import { FIELDS, type SetRefs, setRefs, versionOfPosition } from './firestore/layout.js';
import { type FirestoreFlagStoreOptions, resolveFirestoreOptions } from './firestore/options.js';
import { type BaseRead, readOne, readWhole } from './firestore/reads.js';
import { SerialQueues } from './firestore/serial.js';

/** How long `close` waits for the client it owns to finish its pending calls. */
const CLOSE_WAIT_MS = 5_000;
/**
 * How long the client may go on retrying the listen stream of a listener dropped before it
 * answered: five attempts, backing off from 1 s by 1.5× with full jitter (up to about 16 s).
 */
const LISTEN_RETRY_GRACE_MS = 20_000;
/** Log documents read per query when paging through the log. */
const PAGE = 300;

/**
 * Flag sets in Cloud Firestore (or its emulator), through the official client.
 * @example
 * const store = new FirestoreFlagStore({ settings: { projectId: 'my-project' } });
 * await store.patchFlag('app', 'new-checkout', { state: 'DISABLED' }, { actor: 'alice', reason: 'INC-42' });
 */
export class FirestoreFlagStore extends BaseFlagStore {
  /** The backend's name: providers over this store call themselves `ensign-firestore`. */
  readonly name = 'firestore';
  /** The client the store reads and writes with (yours, if you passed `firestore`). */
  readonly firestore: Firestore;
  private readonly owned: boolean;
  private readonly settings: Settings | undefined;
  private readonly collection: string;
  private readonly maxLogLength: number;
  private readonly feedCheckMs: number;
  private readonly feedTimeoutMs: number;
  private readonly logger: Logger;
  private readonly followers = new Set<FeedFollower>();
  /** What each snapshot read for writing was decoded from: the commit's compare-and-set. */
  private readonly bases = new WeakMap<FlagSetSnapshot, BaseRead>();
  /** Writes of this store, one at a time per set (they would only conflict with each other). */
  private readonly queues = new SerialQueues();
  /** Sets whose log was swept of entries beyond `maxLogLength` by this store. */
  private readonly swept = new Set<string>();
  private readonly background = new Set<Promise<void>>();
  /** Calls to Firestore in flight: `close` lets them finish before it terminates the client. */
  private readonly pending = new Set<Promise<unknown>>();
  private readonly warned = new Map<string, Set<string>>();
  private closed = false;
  /** When a follower last dropped a listener that had not answered (see `close`). */
  private abandonedListenAt = 0;

  constructor(options: FirestoreFlagStoreOptions = {}) {
    super(options.maxWriteRetries ?? DEFAULT_MAX_WRITE_RETRIES);
    const resolved = resolveFirestoreOptions(options);
    this.maxLogLength = resolved.maxLogLength;
    this.feedCheckMs = resolved.feedCheckMs;
    this.feedTimeoutMs = resolved.feedTimeoutMs;
    this.logger = resolved.logger;
    const { firestore, owned } = openClient(options.firestore, options.settings);
    this.firestore = firestore;
    this.owned = owned;
    this.settings = options.settings;
    this.collection = resolved.collection;
    // Refuses a path that does not name a collection, before anything is read.
    firestore.collection(this.collection);
  }

  /** Where the store connects (host, project and database; never credentials), for error messages. */
  get address(): string {
    return clientAddress(this.firestore, this.settings);
  }

  /** The documents of a set: `<collection>/<set>`, its `flags` and `log` subcollections. */
  refs(flagSet: string): SetRefs {
    checkFlagSetId(flagSet);
    return setRefs(this.firestore, this.collection, flagSet);
  }

  async load(flagSet: string): Promise<FlagSetSnapshot> {
    const refs = this.refs(flagSet);
    const { snapshot, problems } = await this.read(flagSet, () => readWhole(this.firestore, refs, flagSet));
    this.warn(flagSet, problems);
    return snapshot;
  }

  async version(flagSet: string): Promise<number> {
    const refs = this.refs(flagSet);
    return readSetDoc(flagSet, await this.read(flagSet, () => refs.set.get())).version;
  }

  async history(flagSet: string, options: HistoryOptions = {}): Promise<AuditEntry[]> {
    const refs = this.refs(flagSet);
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    const page = options.flagKey === undefined ? Math.min(Math.max(limit, 1), PAGE) : PAGE;
    const out: AuditEntry[] = [];
    await this.pages(flagSet, refs.log.orderBy(FIELDS.version, 'desc'), page, (entry) => {
      if (out.length >= limit) return false;
      if (options.flagKey === undefined || entryTouchesFlag(entry, options.flagKey)) out.push(entry);
      return out.length < limit;
    });
    return out;
  }

  async follow(
    flagSet: string,
    position: string,
    listener: (entry: AuditEntry) => void,
    options: FollowOptions = {},
  ): Promise<Subscription> {
    const refs = this.refs(flagSet);
    if (this.closed) throw new FlagStoreError(flagSet, 'FirestoreFlagStore is closed');
    const afterVersion = typeof position === 'string' ? versionOfPosition(position) : undefined;
    if (afterVersion === undefined) {
      throw new FlagStoreError(
        flagSet,
        `${JSON.stringify(position)} is not a position in the change feed of flag set "${flagSet}": ` +
          "follow from a snapshot's position or an entry's id",
      );
    }
    let active = true;
    const follower = new FeedFollower({
      query: (after) => refs.log.where(FIELDS.version, '>', after).orderBy(FIELDS.version),
      probe: () => this.op(refs.set.get()),
      afterVersion,
      checkMs: this.feedCheckMs,
      timeoutMs: this.feedTimeoutMs,
      deliver: (snapshot, after) => {
        const entries: AuditEntry[] = [];
        for (const change of snapshot.docChanges()) {
          if (change.type !== 'added') continue;
          // Documents this package did not write are skipped; the reader sees the gap in versions.
          const entry = decodeEntry(flagSet, change.doc);
          if (entry && entry.version > after) entries.push(entry);
        }
        entries.sort((a, b) => a.version - b.version);
        let newest: number | undefined;
        for (const entry of entries) {
          if (!active) break;
          if (newest !== undefined && entry.version <= newest) continue;
          newest = entry.version;
          this.call(() => listener(entry));
        }
        return newest;
      },
      onInterrupt: (error) => this.call(() => options.onInterrupt?.(error)),
      onResume: () => this.call(() => options.onResume?.()),
      logger: this.logger,
      label: `of flag set "${flagSet}"`,
    });
    this.followers.add(follower);
    try {
      await follower.start();
      if (this.closed) throw new Error('the store was closed');
    } catch (error) {
      this.followers.delete(follower);
      this.stopFollower(follower);
      if (isPermissionError(error)) throw new StorePermissionError(flagSet, 'read', error, READ_HINT);
      throw new FlagStoreError(flagSet, `cannot follow flag set "${flagSet}": ${describeError(error)}`, {
        cause: error,
      });
    }
    return {
      unsubscribe: async () => {
        active = false;
        this.followers.delete(follower);
        this.stopFollower(follower);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const follower of this.followers) this.stopFollower(follower);
    this.followers.clear();
    await Promise.all([...this.background]);
    if (!this.owned) return;
    // The client retries a call for a while when Firestore is unreachable, and a retry that finds
    // the client terminated is an unhandled rejection inside the client: terminate it only once
    // the store's calls have ended. Waits at most CLOSE_WAIT_MS; the rest happens in the background.
    const settled = Promise.allSettled([...this.pending]);
    // The same holds for the listen stream of a listener dropped before it answered, which the
    // client retries on its own where the store cannot see it: then terminate after its retries.
    const lingerMs = LISTEN_RETRY_GRACE_MS - (Date.now() - this.abandonedListenAt);
    if (lingerMs > 0) {
      void settled.then(() => {
        const timer = setTimeout(() => void this.terminateClient(), lingerMs);
        timer.unref?.();
      });
      return;
    }
    const terminated = settled.then(() => this.firestore.terminate());
    await withTimeout(terminated, CLOSE_WAIT_MS, () => 'calls still pending').catch((error: unknown) =>
      this.logger.debug('FirestoreFlagStore: closing the client:', describeError(error)),
    );
  }

  private stopFollower(follower: FeedFollower): void {
    follower.stop();
    this.abandonedListenAt = Math.max(this.abandonedListenAt, follower.lastAbandonedAt);
  }

  private async terminateClient(): Promise<void> {
    await this.firestore
      .terminate()
      .catch((error: unknown) =>
        this.logger.debug('FirestoreFlagStore: closing the client:', describeError(error)),
      );
  }

  // One write at a time per set from this store: concurrent writes of one process would only
  // make each other retry. Writers in other processes are kept apart by the compare-and-set.

  override putFlag(
    flagSet: string,
    flagKey: string,
    flag: FlagDefinition,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.queues.run(String(flagSet), () => super.putFlag(flagSet, flagKey, flag, options));
  }

  override deleteFlag(flagSet: string, flagKey: string, options?: WriteOptions): Promise<WriteResult> {
    return this.queues.run(String(flagSet), () => super.deleteFlag(flagSet, flagKey, options));
  }

  override patchFlag(
    flagSet: string,
    flagKey: string,
    patch: FlagPatch,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.queues.run(String(flagSet), () => super.patchFlag(flagSet, flagKey, patch, options));
  }

  override replaceFlagSet(
    flagSet: string,
    document: FlagSetDocument,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.queues.run(String(flagSet), () => super.replaceFlagSet(flagSet, document, options));
  }

  override revert(flagSet: string, version: number, options?: WriteOptions): Promise<WriteResult> {
    return this.queues.run(String(flagSet), () => super.revert(flagSet, version, options));
  }

  protected async readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot> {
    const refs = this.refs(flagSet);
    const { snapshot, base } = await this.read(flagSet, () =>
      flagKey === undefined
        ? readWhole(this.firestore, refs, flagSet)
        : readOne(this.firestore, refs, flagSet, flagKey),
    );
    this.bases.set(snapshot, base);
    return snapshot;
  }

  protected async commit(request: CommitRequest): Promise<CommitOutcome> {
    const { flagSet, plan, snapshot, writeId } = request;
    const refs = this.refs(flagSet);
    const context: CommitContext = {
      firestore: this.firestore,
      refs,
      maxLogLength: this.maxLogLength,
      original: this.bases.get(snapshot),
      reread: () =>
        this.read(flagSet, () =>
          plan.flagKey === undefined || plan.replaceAll
            ? readWhole(this.firestore, refs, flagSet, writeId)
            : readOne(this.firestore, refs, flagSet, plan.flagKey, writeId),
        ),
      track: (call) => this.op(call),
      logger: this.logger,
    };
    const outcome = await commitWrite(context, request);
    if (outcome.committed) this.sweepOnce(flagSet, context, outcome.version);
    return outcome;
  }

  protected async entriesAfter(flagSet: string, version: number): Promise<AuditEntry[]> {
    const refs = this.refs(flagSet);
    const out: AuditEntry[] = [];
    const query = refs.log.where(FIELDS.version, '>', version).orderBy(FIELDS.version, 'desc');
    await this.pages(flagSet, query, PAGE, (entry) => {
      out.push(entry);
      return true;
    });
    return out;
  }

  /** Reads `query` page by page, decoding entries, until `take` returns false or the log ends. */
  private async pages(
    flagSet: string,
    query: Query,
    page: number,
    take: (entry: AuditEntry) => boolean,
  ): Promise<void> {
    let next = query.limit(page);
    for (;;) {
      const { docs } = await this.read(flagSet, () => next.get());
      for (const doc of docs) {
        const entry = decodeEntry(flagSet, doc);
        if (entry && !take(entry)) return;
      }
      if (docs.length < page) return;
      next = query.startAfter(docs[docs.length - 1]!).limit(page);
    }
  }

  /**
   * Each commit deletes the entry that falls out of `maxLogLength`; once per set, a store also
   * deletes older ones in the background (left by a store with a larger `maxLogLength`).
   */
  private sweepOnce(flagSet: string, context: CommitContext, version: number): void {
    if (this.swept.has(flagSet) || version <= this.maxLogLength) return;
    this.swept.add(flagSet);
    const sweep = sweepLog(context, version - this.maxLogLength).catch((error: unknown) =>
      this.logger.debug(`flag set "${flagSet}": sweeping old log entries failed:`, describeError(error)),
    );
    this.background.add(sweep);
    void sweep.finally(() => this.background.delete(sweep));
  }

  private warn(flagSet: string, problems: readonly string[]): void {
    const before = this.warned.get(flagSet);
    const now = new Set(problems);
    this.warned.set(flagSet, now);
    for (const problem of now) {
      if (!before?.has(problem)) {
        this.logger.warn(`flag set "${flagSet}": ${problem}; it evaluates to PARSE_ERROR until fixed`);
      }
    }
  }

  /** Tracks a call to Firestore until it settles (see `close`). */
  private op<T>(call: Promise<T>): Promise<T> {
    this.pending.add(call);
    const forget = () => this.pending.delete(call);
    call.then(forget, forget);
    return call;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error('FirestoreFlagStore: a change listener threw', error);
    }
  }

  /** Runs a read, turning a refusal into an error that names the set and what was refused. */
  private async read<T>(flagSet: string, run: () => Promise<T>): Promise<T> {
    try {
      return await this.op(run());
    } catch (error) {
      if (isPermissionError(error)) throw new StorePermissionError(flagSet, 'read', error, READ_HINT);
      throw error;
    }
  }
}
