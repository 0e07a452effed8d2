/**
 * `MemoryFlagStore`: the store contract in process, with the same validation, versions, audit
 * log and change feed as the Redis and Firestore stores. The embedded default for the demo, local
 * development and users' own unit tests.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type {
  AuditEntry,
  FlagSetChangeNotice,
  FlagSetPart,
  FlagSetSnapshot,
  HistoryOptions,
  SubscribeOptions,
  Subscription,
  WriteOptions,
} from './flag-store.js';
import {
  BaseFlagStore,
  type CommitGuard,
  type CommitOutcome,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_MAX_LOG_LENGTH,
  DEFAULT_MAX_WRITE_RETRIES,
} from './store/base-flag-store.js';
import { checkFlagSetId, clone, emptyDocument, own, setOwn } from './store/document.js';
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
}

interface MemorySet {
  version: number;
  document: FlagSetDocument;
  /** Oldest first. */
  log: AuditEntry[];
}

type Listener = (notice: FlagSetChangeNotice) => void;

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
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly maxLogLength: number;
  private readonly logger: Logger;
  private lastIdMs = 0;
  private idSeq = 0;

  constructor(options: MemoryFlagStoreOptions = {}) {
    super(options.maxWriteRetries ?? DEFAULT_MAX_WRITE_RETRIES);
    this.maxLogLength = options.maxLogLength ?? DEFAULT_MAX_LOG_LENGTH;
    if (!Number.isInteger(this.maxLogLength) || this.maxLogLength < 1) {
      throw new RangeError(`maxLogLength must be a positive integer, got ${options.maxLogLength}`);
    }
    this.logger = options.logger ?? console;
    for (const [flagSet, document] of Object.entries(options.flagSets ?? {})) {
      checkFlagSetId(flagSet);
      const plan = planWrite(this.snapshotOf(flagSet), { operation: 'replace', document });
      this.apply(flagSet, plan, { actor: 'seed' });
    }
  }

  async load(flagSet: string): Promise<FlagSetSnapshot> {
    checkFlagSetId(flagSet);
    return this.snapshotOf(flagSet);
  }

  async loadFlags(flagSet: string, flagKeys: readonly string[]): Promise<FlagSetPart> {
    checkFlagSetId(flagSet);
    const set = this.sets.get(flagSet);
    const flags: Record<string, FlagDefinition | null> = {};
    for (const key of flagKeys) {
      const flag = set && Object.hasOwn(set.document.flags, key) ? set.document.flags[key] : undefined;
      setOwn(flags, key, flag === undefined ? null : clone(flag));
    }
    return { flagSet, version: set?.version ?? 0, flags };
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

  async subscribe(flagSet: string, listener: Listener, _options?: SubscribeOptions): Promise<Subscription> {
    checkFlagSetId(flagSet);
    // In process the feed cannot be interrupted, so `onInterrupt`/`onResume` never fire.
    const set = this.listeners.get(flagSet) ?? new Set<Listener>();
    this.listeners.set(flagSet, set);
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry: Listener = (notice) => listener(notice);
    set.add(entry);
    return {
      unsubscribe: async () => {
        set.delete(entry);
      },
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  protected async readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot> {
    const set = this.sets.get(flagSet);
    if (flagKey === undefined || !set) return this.snapshotOf(flagSet);
    const { flags, ...rest } = set.document;
    const document: FlagSetDocument = { ...clone(rest), flags: {} };
    if (Object.hasOwn(flags, flagKey)) setOwn(document.flags, flagKey, clone(flags[flagKey]!));
    return { flagSet, version: set.version, document };
  }

  protected async commit(
    flagSet: string,
    plan: WritePlan,
    snapshot: FlagSetSnapshot,
    guard: CommitGuard,
    options: WriteOptions,
  ): Promise<CommitOutcome> {
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
    return { committed: true, version: this.apply(flagSet, plan, options) };
  }

  protected async entriesAfter(flagSet: string, version: number): Promise<AuditEntry[]> {
    const log = this.sets.get(flagSet)?.log ?? [];
    const out: AuditEntry[] = [];
    for (let i = log.length - 1; i >= 0 && log[i]!.version > version; i--) out.push(log[i]!);
    return out;
  }

  private snapshotOf(flagSet: string): FlagSetSnapshot {
    const set = this.sets.get(flagSet);
    return { flagSet, version: set?.version ?? 0, document: set ? clone(set.document) : emptyDocument() };
  }

  private apply(flagSet: string, plan: WritePlan, options: WriteOptions): number {
    const set = this.sets.get(flagSet) ?? { version: 0, document: emptyDocument(), log: [] };
    this.sets.set(flagSet, set);
    set.version += 1;
    if (plan.replaceAll) {
      set.document = clone(plan.document);
    } else {
      // Apply the change, not the planned document: other flags may have changed since the
      // snapshot. In place: stored objects never leave the store uncopied.
      const { flags } = set.document;
      for (const [key, flag] of Object.entries(plan.put)) setOwn(flags, key, clone(flag) as FlagDefinition);
      for (const key of plan.remove) delete flags[key];
    }
    const entry: AuditEntry = {
      id: this.nextId(),
      flagSet,
      version: set.version,
      operation: plan.operation,
      ...(plan.flagKey !== undefined && { flagKey: plan.flagKey }),
      actor: options.actor ?? 'unknown',
      ...(options.reason !== undefined && { reason: options.reason }),
      at: new Date().toISOString(),
      before: clone(plan.before),
      after: clone(plan.after),
    };
    set.log.push(entry);
    if (set.log.length > this.maxLogLength) set.log.splice(0, set.log.length - this.maxLogLength);
    this.announce({
      flagSet,
      version: set.version,
      operation: plan.operation,
      ...(plan.flagKey !== undefined && { flagKeys: [plan.flagKey] }),
    });
    return set.version;
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

  private announce(notice: FlagSetChangeNotice): void {
    const listeners = this.listeners.get(notice.flagSet);
    if (!listeners || listeners.size === 0) return;
    // Delivered after the write returns, as from Redis, and never into the writer's stack.
    for (const listener of [...listeners]) {
      queueMicrotask(() => {
        if (!listeners.has(listener)) return;
        try {
          listener(clone(notice));
        } catch (error) {
          this.logger.error(`flag set "${notice.flagSet}": a change listener threw`, error);
        }
      });
    }
  }
}
