/**
 * `MemoryFlagStore`: the store contract in process, with the same validation, versions, audit
 * log and change feed as the Redis and Firestore stores. The embedded default for the demo, local
 * development and users' own unit tests; with `file`, also for a single-machine server, whose
 * flags, history and feed positions then survive a restart.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type {
  AuditEntry,
  FlagSetSnapshot,
  FollowOptions,
  HistoryOptions,
  Subscription,
  WriteOptions,
} from './flag-store.js';
import {
  BaseFlagStore,
  type CommitOutcome,
  type CommitRequest,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_MAX_LOG_LENGTH,
  DEFAULT_MAX_WRITE_RETRIES,
} from './store/base-flag-store.js';
import { checkFlagSetId, clone, emptyDocument, own, setOwn } from './store/document.js';
import { type FileFlagSet, readFlagFile, writeFlagFile } from './store/flag-file.js';
import { type WritePlan, entryTouchesFlag, planWrite } from './store/plan-write.js';

/** Options of {@link MemoryFlagStore}. */
export interface MemoryFlagStoreOptions {
  /**
   * Flag sets to start with, by id. Each is validated and written as version 1 (a `replace` by
   * actor `seed`).
   */
  flagSets?: Record<string, FlagSetDocument>;
  /** Audit-log entries kept per set; older ones are dropped. @default 10000 */
  maxLogLength?: number;
  /** Retries of a write without `expectedVersion` that lost a race. @default 10 */
  maxWriteRetries?: number;
  /** Where a listener that throws is reported. @default console */
  logger?: Logger;
  /**
   * A JSON file that keeps every set, its version and its audit log across restarts: read at
   * start (sets it holds are not seeded again from `flagSets`), and rewritten atomically (a
   * temporary file renamed over it) before each write resolves. A write that cannot be saved is
   * refused and changes nothing. One process per file. Without it nothing survives a restart.
   */
  file?: string;
}

interface MemorySet {
  version: number;
  document: FlagSetDocument;
  /** Oldest first. */
  log: AuditEntry[];
}

/** One `follow` subscription: where it is in the log, and whether it still listens. */
interface Follower {
  readonly listener: (entry: AuditEntry) => void;
  cursor: string;
  active: boolean;
  scheduled: boolean;
}

/** Write ids remembered for answering a repeated commit (a bounded window, oldest dropped). */
const REMEMBERED_WRITES = 10_000;

/** Orders log ids (`<ms>-<seq>`); `''` is before every id. */
function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}

/**
 * Flag sets in process memory. Values go in and come out as deep copies, so callers cannot
 * change stored state behind the store's back.
 * @example
 * const store = new MemoryFlagStore({ flagSets: { app: { flags: {} } } });
 * await store.putFlag('app', 'new-checkout', { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' });
 */
export class MemoryFlagStore extends BaseFlagStore {
  /** The backend's name: providers over this store call themselves `ensign-memory`. */
  readonly name = 'memory';
  private readonly sets = new Map<string, MemorySet>();
  private readonly followers = new Map<string, Set<Follower>>();
  /** Outcomes of recent writes by write id (see `CommitRequest.writeId`). */
  private readonly writes = new Map<string, number>();
  private readonly maxLogLength: number;
  private readonly logger: Logger;
  private readonly file: string | undefined;
  private lastIdMs = 0;
  private idSeq = 0;

  constructor(options: MemoryFlagStoreOptions = {}) {
    super(options.maxWriteRetries ?? DEFAULT_MAX_WRITE_RETRIES);
    this.maxLogLength = options.maxLogLength ?? DEFAULT_MAX_LOG_LENGTH;
    if (!Number.isInteger(this.maxLogLength) || this.maxLogLength < 1) {
      throw new RangeError(`maxLogLength must be a positive integer, got ${options.maxLogLength}`);
    }
    this.logger = options.logger ?? console;
    this.file = options.file;
    if (this.file !== undefined) this.restore(this.file);
    for (const [flagSet, document] of Object.entries(options.flagSets ?? {})) {
      checkFlagSetId(flagSet);
      if (this.sets.has(flagSet)) continue;
      const plan = planWrite(this.snapshotOf(flagSet), { operation: 'replace', document });
      this.apply(flagSet, plan, { actor: 'seed' });
    }
  }

  async load(flagSet: string): Promise<FlagSetSnapshot> {
    checkFlagSetId(flagSet);
    return this.snapshotOf(flagSet);
  }

  async version(flagSet: string): Promise<number> {
    checkFlagSetId(flagSet);
    return this.sets.get(flagSet)?.version ?? 0;
  }

  async history(flagSet: string, options: HistoryOptions = {}): Promise<AuditEntry[]> {
    checkFlagSetId(flagSet);
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    const log = this.sets.get(flagSet)?.log ?? [];
    const out: AuditEntry[] = [];
    for (let i = log.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = log[i]!;
      if (options.flagKey === undefined || entryTouchesFlag(entry, options.flagKey)) out.push(clone(entry));
    }
    return out;
  }

  async follow(
    flagSet: string,
    position: string,
    listener: (entry: AuditEntry) => void,
    _options?: FollowOptions,
  ): Promise<Subscription> {
    checkFlagSetId(flagSet);
    // In process the feed cannot be interrupted, so `onInterrupt`/`onResume` never fire.
    const followers = this.followers.get(flagSet) ?? new Set<Follower>();
    this.followers.set(flagSet, followers);
    const follower: Follower = { listener, cursor: position, active: true, scheduled: false };
    followers.add(follower);
    this.schedule(flagSet, follower);
    return {
      unsubscribe: async () => {
        follower.active = false;
        followers.delete(follower);
      },
    };
  }

  async close(): Promise<void> {
    for (const followers of this.followers.values())
      for (const follower of followers) follower.active = false;
    this.followers.clear();
  }

  protected async readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot> {
    const set = this.sets.get(flagSet);
    if (flagKey === undefined || !set) return this.snapshotOf(flagSet);
    const { flags, ...rest } = set.document;
    const document: FlagSetDocument = { ...clone(rest), flags: {} };
    if (Object.hasOwn(flags, flagKey)) setOwn(document.flags, flagKey, clone(flags[flagKey]!));
    return { flagSet, version: set.version, document, position: set.log.at(-1)?.id ?? '' };
  }

  protected async commit(request: CommitRequest): Promise<CommitOutcome> {
    const { flagSet, plan, snapshot, guard, options, writeId } = request;
    const done = this.writes.get(writeId);
    if (done !== undefined) return { committed: true, version: done };
    const set = this.sets.get(flagSet);
    const actualVersion = set?.version ?? 0;
    let holds = actualVersion === snapshot.version;
    if (!holds && guard === 'flag' && plan.flagKey !== undefined) {
      const now = set?.document ?? emptyDocument();
      holds =
        JSON.stringify(own(now.flags, plan.flagKey)) ===
          JSON.stringify(own(snapshot.document.flags, plan.flagKey)) &&
        JSON.stringify(now.$evaluators) === JSON.stringify(snapshot.document.$evaluators);
    }
    if (!holds) return { committed: false, actualVersion };
    const version = this.apply(flagSet, plan, options);
    this.writes.set(writeId, version);
    if (this.writes.size > REMEMBERED_WRITES) this.writes.delete(this.writes.keys().next().value!);
    return { committed: true, version };
  }

  protected async entriesAfter(flagSet: string, version: number): Promise<AuditEntry[]> {
    const log = this.sets.get(flagSet)?.log ?? [];
    const out: AuditEntry[] = [];
    for (let i = log.length - 1; i >= 0 && log[i]!.version > version; i--) out.push(log[i]!);
    return out;
  }

  private snapshotOf(flagSet: string): FlagSetSnapshot {
    const set = this.sets.get(flagSet);
    return {
      flagSet,
      version: set?.version ?? 0,
      document: set ? clone(set.document) : emptyDocument(),
      position: set?.log.at(-1)?.id ?? '',
    };
  }

  private apply(flagSet: string, plan: WritePlan, options: WriteOptions): number {
    const current = this.sets.get(flagSet) ?? { version: 0, document: emptyDocument(), log: [] };
    let document: FlagSetDocument;
    if (plan.replaceAll) {
      document = clone(plan.document);
    } else {
      // Apply the change, not the planned document: other flags may have changed since the
      // snapshot. A new top level (flags shared, never handed out uncopied), so that a write the
      // file refuses leaves the stored set as it was.
      const flags = { ...current.document.flags };
      for (const [key, flag] of Object.entries(plan.put)) setOwn(flags, key, clone(flag) as FlagDefinition);
      for (const key of plan.remove) delete flags[key];
      document = { ...current.document, flags };
    }
    const version = current.version + 1;
    const entry: AuditEntry = {
      id: this.nextId(),
      flagSet,
      version,
      operation: plan.operation,
      ...(plan.flagKey !== undefined && { flagKey: plan.flagKey }),
      actor: options.actor ?? 'unknown',
      ...(options.reason !== undefined && { reason: options.reason }),
      at: new Date().toISOString(),
      before: clone(plan.before),
      after: clone(plan.after),
    };
    const log = [...current.log, entry];
    if (log.length > this.maxLogLength) log.splice(0, log.length - this.maxLogLength);
    const next: MemorySet = { version, document, log };
    // Saved before it becomes visible: a write the disk refuses is refused, not half-kept.
    if (this.file !== undefined) writeFlagFile(this.file, this.fileSets(flagSet, next));
    this.sets.set(flagSet, next);
    for (const follower of this.followers.get(flagSet) ?? []) this.schedule(flagSet, follower);
    return version;
  }

  /** Every set as the file keeps it, with `flagSet` replaced by `next`. */
  private *fileSets(flagSet: string, next: MemorySet): Generator<FileFlagSet> {
    if (!this.sets.has(flagSet)) yield { flagSet, ...next };
    for (const [id, set] of this.sets) yield { flagSet: id, ...(id === flagSet ? next : set) };
  }

  /** Loads the sets kept in `file`; new log ids continue after the newest one kept. */
  private restore(file: string): void {
    for (const { flagSet, version, document, log } of readFlagFile(file) ?? []) {
      checkFlagSetId(flagSet);
      this.sets.set(flagSet, { version, document, log: [...log] });
      const newest = log.at(-1)?.id;
      if (newest !== undefined && compareIds(newest, `${this.lastIdMs}-${this.idSeq}`) > 0) {
        const [ms, seq] = newest.split('-').map(Number) as [number, number];
        this.lastIdMs = ms;
        this.idSeq = seq;
      }
    }
  }

  /** Ids shaped like Redis stream ids (`<ms>-<seq>`), increasing. */
  private nextId(): string {
    const now = Date.now();
    if (now > this.lastIdMs) {
      this.lastIdMs = now;
      this.idSeq = 0;
    } else {
      this.idSeq++;
    }
    return `${this.lastIdMs}-${this.idSeq}`;
  }

  /**
   * Delivers the entries after the follower's cursor, after the current call stack (as from a
   * database: never into the writer's stack), oldest first, each once.
   */
  private schedule(flagSet: string, follower: Follower): void {
    if (follower.scheduled) return;
    follower.scheduled = true;
    queueMicrotask(() => {
      follower.scheduled = false;
      const log = this.sets.get(flagSet)?.log ?? [];
      let i = log.length;
      while (i > 0 && compareIds(log[i - 1]!.id, follower.cursor) > 0) i--;
      for (; i < log.length && follower.active; i++) {
        const entry = log[i]!;
        follower.cursor = entry.id;
        try {
          follower.listener(clone(entry));
        } catch (error) {
          this.logger.error(`flag set "${flagSet}": a change listener threw`, error);
        }
      }
    });
  }
}
