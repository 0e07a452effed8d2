/**
 * `RedisFlagStore`: flag sets in Redis, one hash tag per set (cluster-safe), written through one
 * atomic script per write (compare-and-set, audit entry, change notice), read as consistent
 * snapshots without scripts, so a read-only ACL user can load and subscribe.
 */
import {
  type FlagDefinition,
  type FlagSetDocument,
  type JsonValue,
  type MetadataValue,
  validateFlagSet,
} from '@ensign/core';
import {
  type AuditEntry,
  BaseFlagStore,
  type CommitGuard,
  type CommitOutcome,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_MAX_LOG_LENGTH,
  DEFAULT_MAX_WRITE_RETRIES,
  type FlagSetChangeNotice,
  type FlagSetPart,
  type FlagSetSnapshot,
  FlagStoreError,
  type HistoryOptions,
  StorePermissionError,
  type SubscribeOptions,
  type Subscription,
  type WriteOperation,
  type WriteOptions,
  type WritePlan,
  checkFlagSetId,
  decodeFlag,
  encodeFlag,
  entryTouchesFlag,
  own,
  setOwn,
} from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { Cluster, Redis } from 'ioredis';
import { clientAddress } from './redis/address.js';
import { decodeEntry, encodeEntryFields } from './redis/audit-codec.js';
import {
  type OwnedClient,
  type RedisConnectionOptions,
  closeClient,
  isPermissionError,
  openClient,
} from './redis/connection.js';
import { DEFAULT_KEY_PREFIX, type FlagSetKeys, META_FIELDS, flagSetKeys } from './redis/keys.js';
import { type WritePayload, defineScripts, runWriteScript } from './redis/scripts.js';

export type { RedisConnectionOptions } from './redis/connection.js';
export { DEFAULT_KEY_PREFIX } from './redis/keys.js';

/** Options of {@link RedisFlagStore}: a connection plus how the store lays out and keeps data. */
export interface RedisFlagStoreOptions extends RedisConnectionOptions {
  /**
   * Prefix of every key and channel: a set lives in `<prefix>{<set>}:defs`, `:meta`, `:log` and
   * publishes on `<prefix>{<set>}:changes`. (Not ioredis' own `keyPrefix`, which would apply twice.)
   * @default 'flags:'
   */
  prefix?: string;
  /** Approximate number of audit-log entries kept per set (`XADD MAXLEN ~`). @default 10000 */
  maxLogLength?: number;
  /**
   * Retries of a write without `expectedVersion` that lost a race with another writer (each
   * retry re-reads and re-validates). @default 10
   */
  maxWriteRetries?: number;
  /**
   * Check loaded sets and warn about flags the evaluator will isolate (`PARSE_ERROR`). Costs one
   * extra compilation per load. @default true
   */
  validateOnLoad?: boolean;
  /**
   * How change notices travel. `'global'`: `PUBLISH`/`SUBSCRIBE`, which a Redis Cluster copies to
   * every node. `'sharded'` (Redis 7+): `SPUBLISH`/`SSUBSCRIBE`, which keeps each set's notices on
   * the shard that holds the set; on a Cluster the store's subscriber connects to each shard it
   * needs (ioredis `shardedSubscribers`). Writers and readers of a set must use the same mode.
   * @default 'global'
   */
  pubsub?: 'global' | 'sharded';
  /** Receives warnings (invalid stored flags) and listener errors. @default console */
  logger?: Logger;
}

const WRITE_HINT = "writes need a user allowed to run scripts (EVALSHA/EVAL) that write the set's keys";
const READ_HINT =
  "readers need the set's keys and channel (e.g. ~flags:* &flags:*) with +@read +@pubsub +@transaction";

interface Handler {
  listener: (notice: FlagSetChangeNotice) => void;
  options: SubscribeOptions;
}

interface Channel {
  flagSet: string;
  handlers: Set<Handler>;
  subscribed: Promise<unknown>;
}

const OPERATIONS: ReadonlySet<string> = new Set<WriteOperation>([
  'put',
  'delete',
  'patch',
  'replace',
  'revert',
]);

function isNotice(value: unknown): value is FlagSetChangeNotice {
  const notice = value as Partial<FlagSetChangeNotice> | null;
  return (
    typeof notice === 'object' &&
    notice !== null &&
    typeof notice.flagSet === 'string' &&
    typeof notice.version === 'number' &&
    typeof notice.operation === 'string' &&
    OPERATIONS.has(notice.operation)
  );
}

/**
 * Flag sets in Redis (single node, Sentinel or Cluster).
 * @example
 * const store = new RedisFlagStore({ url: 'redis://localhost:6379' });
 * await store.patchFlag('app', 'new-checkout', { state: 'DISABLED' }, { actor: 'alice', reason: 'INC-42' });
 */
export class RedisFlagStore extends BaseFlagStore {
  /** The backend's name: providers over this store call themselves `ensign-redis`. */
  readonly name = 'redis';
  /** The client the store reads and writes with (yours, if you passed `client`). */
  readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly maxLogLength: number;
  private readonly validateOnLoad: boolean;
  private readonly sharded: boolean;
  private readonly logger: Logger;
  private subscriber: Redis | Cluster | undefined;
  private readonly channels = new Map<string, Channel>();
  /** Warnings already given per set, so a periodic reload does not repeat them. */
  private readonly warned = new Map<string, Set<string>>();
  /** The stored text behind snapshots read for writing, for the script's guard. */
  private readonly rawText = new WeakMap<
    FlagSetSnapshot,
    { defs: Record<string, string>; meta: Record<string, string> }
  >();
  /** `live` once subscribed; `interrupted` from a lost subscriber connection until it resumes. */
  private feed: 'idle' | 'live' | 'interrupted' = 'idle';
  private closed = false;

  constructor(options: RedisFlagStoreOptions = {}) {
    super(options.maxWriteRetries ?? DEFAULT_MAX_WRITE_RETRIES);
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.maxLogLength = options.maxLogLength ?? DEFAULT_MAX_LOG_LENGTH;
    if (!Number.isInteger(this.maxLogLength) || this.maxLogLength < 1) {
      throw new RangeError(`maxLogLength must be a positive integer, got ${options.maxLogLength}`);
    }
    this.validateOnLoad = options.validateOnLoad ?? true;
    this.logger = options.logger ?? console;
    const pubsub = options.pubsub ?? 'global';
    if (pubsub !== 'global' && pubsub !== 'sharded') {
      throw new TypeError(`pubsub must be 'global' or 'sharded', got ${JSON.stringify(pubsub)}`);
    }
    this.sharded = pubsub === 'sharded';
    const { client, owned }: OwnedClient = openClient(options);
    this.client = client;
    this.owned = owned;
    // A client we own has no other listener; without one ioredis prints every reconnect error.
    if (owned)
      client.on('error', (error: Error) =>
        this.logger.debug('RedisFlagStore connection error', error.message),
      );
    defineScripts(client);
  }

  /** Where the store connects (host and port, never credentials), for error messages. */
  get address(): string {
    return clientAddress(this.client);
  }

  /** The Redis keys and channel of a set under this store's prefix. */
  keys(flagSet: string): FlagSetKeys {
    checkFlagSetId(flagSet);
    return flagSetKeys(this.prefix, flagSet);
  }

  async load(flagSet: string): Promise<FlagSetSnapshot> {
    return this.read(flagSet, true);
  }

  async loadFlags(flagSet: string, flagKeys: readonly string[]): Promise<FlagSetPart> {
    const keys = this.keys(flagSet);
    if (flagKeys.length === 0) return { flagSet, version: await this.version(flagSet), flags: {} };
    const results = await this.guard(flagSet, 'read', () =>
      this.client
        .multi()
        .hget(keys.meta, META_FIELDS.version)
        .hmget(keys.defs, ...flagKeys)
        .exec(),
    );
    if (!results) throw new FlagStoreError(flagSet, `reading flag set "${flagSet}" was aborted`);
    for (const [error] of results) if (error) throw error;
    const version = results[0]![1] as string | null;
    const texts = results[1]![1] as (string | null)[];
    const flags: Record<string, FlagDefinition | null> = {};
    const problems: string[] = [];
    flagKeys.forEach((key, i) => {
      const text = texts[i] ?? null;
      if (text === null) {
        setOwn(flags, key, null);
        return;
      }
      const decoded = decodeFlag(text);
      setOwn(flags, key, decoded.ok ? decoded.flag : (decoded.raw as unknown as FlagDefinition));
      if (!decoded.ok) problems.push(`flag "${key}" is not valid JSON (${decoded.problem})`);
    });
    for (const problem of problems)
      this.logger.warn(`flag set "${flagSet}": ${problem}; it evaluates to PARSE_ERROR until fixed`);
    return { flagSet, version: version === null ? 0 : Number(version), flags };
  }

  async version(flagSet: string): Promise<number> {
    const keys = this.keys(flagSet);
    const version = await this.guard(flagSet, 'read', () => this.client.hget(keys.meta, META_FIELDS.version));
    return version === null ? 0 : Number(version);
  }

  async history(flagSet: string, options: HistoryOptions = {}): Promise<AuditEntry[]> {
    const keys = this.keys(flagSet);
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    const batch = options.flagKey === undefined ? Math.min(Math.max(limit, 1), 1000) : 200;
    const out: AuditEntry[] = [];
    let end = '+';
    while (out.length < limit) {
      const rows = await this.guard(flagSet, 'read', () =>
        this.client.xrevrange(keys.log, end, '-', 'COUNT', batch),
      );
      for (const [id, fields] of rows) {
        const entry = decodeEntry(flagSet, id, fields);
        if (!entry || (options.flagKey !== undefined && !entryTouchesFlag(entry, options.flagKey))) continue;
        out.push(entry);
        if (out.length >= limit) break;
      }
      if (rows.length < batch) break;
      end = `(${rows[rows.length - 1]![0]}`;
    }
    return out;
  }

  async subscribe(
    flagSet: string,
    listener: (notice: FlagSetChangeNotice) => void,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const { changes } = this.keys(flagSet);
    if (this.closed) throw new FlagStoreError(flagSet, 'RedisFlagStore is closed');
    const subscriber = this.openSubscriber();
    const handler: Handler = { listener, options };
    let channel = this.channels.get(changes);
    if (!channel) {
      const subscribed = this.sharded ? subscriber.ssubscribe(changes) : subscriber.subscribe(changes);
      channel = { flagSet, handlers: new Set(), subscribed };
      this.channels.set(changes, channel);
      subscribed.catch(() => this.channels.delete(changes));
    }
    channel.handlers.add(handler);
    try {
      await channel.subscribed;
    } catch (error) {
      throw isPermissionError(error)
        ? new StorePermissionError(flagSet, 'subscribe to', error, READ_HINT)
        : error;
    }
    if (this.feed === 'idle') this.feed = 'live';
    const owner = channel;
    return {
      unsubscribe: async () => {
        owner.handlers.delete(handler);
        if (owner.handlers.size > 0 || this.channels.get(changes) !== owner) return;
        this.channels.delete(changes);
        if (subscriber.status === 'end') return;
        // While reconnecting the command waits in ioredis' offline queue (so the channel is not
        // resubscribed on reconnect); only wait for it on a live connection.
        const done = (
          this.sharded ? subscriber.sunsubscribe(changes) : subscriber.unsubscribe(changes)
        ).catch(() => {});
        if (subscriber.status === 'ready') await done;
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    const closing: Promise<void>[] = [];
    if (this.subscriber) closing.push(closeClient(this.subscriber));
    if (this.owned) closing.push(closeClient(this.client));
    await Promise.all(closing);
  }

  protected readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot> {
    return this.read(flagSet, false, flagKey);
  }

  protected async commit(
    flagSet: string,
    plan: WritePlan,
    snapshot: FlagSetSnapshot,
    guard: CommitGuard,
    options: WriteOptions,
  ): Promise<CommitOutcome> {
    const keys = this.keys(flagSet);
    const raw = this.rawText.get(snapshot);
    const condition: Pick<WritePayload, 'v' | 'fk' | 'fb' | 'ev'> =
      guard === 'flag' && plan.flagKey !== undefined && raw
        ? {
            fk: plan.flagKey,
            fb: Object.hasOwn(raw.defs, plan.flagKey) ? raw.defs[plan.flagKey]! : false,
            ev: Object.hasOwn(raw.meta, META_FIELDS.evaluators) ? raw.meta[META_FIELDS.evaluators]! : false,
          }
        : { v: snapshot.version };
    const put: string[] = [];
    for (const [key, flag] of Object.entries(plan.put)) put.push(key, encodeFlag(flag));
    const meta: string[] = [];
    const unset: string[] = [];
    if (plan.replaceAll) {
      const { metadata, $evaluators } = plan.document;
      if (metadata === undefined) unset.push(META_FIELDS.metadata);
      else meta.push(META_FIELDS.metadata, JSON.stringify(metadata));
      if ($evaluators === undefined) unset.push(META_FIELDS.evaluators);
      else meta.push(META_FIELDS.evaluators, JSON.stringify($evaluators));
    }
    const notice: Omit<FlagSetChangeNotice, 'version'> = {
      flagSet,
      operation: plan.operation,
      ...(plan.flagKey !== undefined && { flagKeys: [plan.flagKey] }),
    };
    const reply = await this.guard(flagSet, 'write', () =>
      runWriteScript(this.client, keys, {
        ...condition,
        all: plan.replaceAll,
        put,
        del: [...plan.remove],
        meta,
        unset,
        entry: encodeEntryFields({
          operation: plan.operation,
          ...(plan.flagKey !== undefined && { flagKey: plan.flagKey }),
          actor: options.actor ?? 'unknown',
          ...(options.reason !== undefined && { reason: options.reason }),
          before: plan.before,
          after: plan.after,
        }),
        maxlen: this.maxLogLength,
        channel: keys.changes,
        notice: `${JSON.stringify(notice).slice(0, -1)},"version":`,
        publish: this.sharded ? 'SPUBLISH' : 'PUBLISH',
      }),
    );
    if (reply[0] === 1) return { committed: true, version: Number(reply[1]) };
    return { committed: false, actualVersion: Number(reply[1]) };
  }

  protected async entriesAfter(flagSet: string, version: number): Promise<AuditEntry[]> {
    const keys = this.keys(flagSet);
    const out: AuditEntry[] = [];
    const batch = 100;
    let end = '+';
    for (;;) {
      const rows = await this.guard(flagSet, 'read', () =>
        this.client.xrevrange(keys.log, end, '-', 'COUNT', batch),
      );
      for (const [id, fields] of rows) {
        const entry = decodeEntry(flagSet, id, fields);
        if (!entry) continue;
        if (entry.version <= version) return out;
        out.push(entry);
      }
      if (rows.length < batch) return out;
      end = `(${rows[rows.length - 1]![0]}`;
    }
  }

  /**
   * One consistent read of a set's two hashes (or of one flag and the meta hash): MULTI/EXEC,
   * no script, so read-only users can load.
   */
  private async read(flagSet: string, report: boolean, flagKey?: string): Promise<FlagSetSnapshot> {
    const keys = this.keys(flagSet);
    const transaction = this.client.multi().hgetall(keys.meta);
    if (flagKey === undefined) transaction.hgetall(keys.defs);
    else transaction.hget(keys.defs, flagKey);
    const results = await this.guard(flagSet, 'read', () => transaction.exec());
    if (!results) throw new FlagStoreError(flagSet, `reading flag set "${flagSet}" was aborted`);
    for (const [error] of results) if (error) throw error;
    const meta = (results[0]![1] ?? {}) as Record<string, string>;
    let defs: Record<string, string>;
    if (flagKey === undefined) defs = (results[1]![1] ?? {}) as Record<string, string>;
    else {
      const text = results[1]![1] as string | null;
      defs = text === null ? {} : { [flagKey]: text };
    }
    const problems: string[] = [];
    const document: FlagSetDocument = { flags: {} };
    for (const [key, text] of Object.entries(defs)) {
      const decoded = decodeFlag(text);
      // A flag that is not JSON stays a raw string: the evaluator isolates it as PARSE_ERROR.
      setOwn(document.flags, key, (decoded.ok ? decoded.flag : decoded.raw) as FlagDefinition);
      if (!decoded.ok) problems.push(`flag "${key}" is not valid JSON (${decoded.problem})`);
    }
    const metadata = this.decodeMetaField(meta, META_FIELDS.metadata, problems);
    if (metadata !== undefined) document.metadata = metadata as Record<string, MetadataValue>;
    const evaluators = this.decodeMetaField(meta, META_FIELDS.evaluators, problems);
    if (evaluators !== undefined) document.$evaluators = evaluators as Record<string, JsonValue>;
    if (report) this.report(flagSet, document, problems);
    const version = meta[META_FIELDS.version];
    const snapshot = { flagSet, version: version === undefined ? 0 : Number(version), document };
    if (!report) this.rawText.set(snapshot, { defs, meta });
    return snapshot;
  }

  private decodeMetaField(meta: Record<string, string>, field: string, problems: string[]): unknown {
    const text = meta[field];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      problems.push(`meta field "${field}" is not valid JSON (${(error as Error).message}); ignored`);
      return undefined;
    }
  }

  private report(flagSet: string, document: FlagSetDocument, problems: string[]): void {
    if (this.validateOnLoad) {
      for (const issue of validateFlagSet(document)) {
        // JSON failures are already listed with their parser message.
        if (issue.flagKey !== undefined && typeof own(document.flags, issue.flagKey) === 'string') continue;
        const what =
          issue.flagKey !== undefined ? `flag "${issue.flagKey}" is invalid` : 'the set is invalid';
        problems.push(`${what} at ${issue.path || '(document)'}: ${issue.message}`);
      }
    }
    const before = this.warned.get(flagSet);
    const now = new Set(problems);
    this.warned.set(flagSet, now);
    for (const problem of now) {
      if (!before?.has(problem)) {
        this.logger.warn(`flag set "${flagSet}": ${problem}; it evaluates to PARSE_ERROR until fixed`);
      }
    }
  }

  private openSubscriber(): Redis | Cluster {
    if (this.subscriber) return this.subscriber;
    const client = this.client;
    // Sharded notices on a Cluster need one subscriber per shard, which ioredis manages when asked.
    const subscriber =
      client.isCluster && this.sharded
        ? (client as Cluster).duplicate([], { shardedSubscribers: true })
        : client.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) =>
      this.logger.debug('RedisFlagStore subscriber error', error.message),
    );
    subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    subscriber.on('smessage', (channel: string, message: string) => this.dispatch(channel, message));
    subscriber.on('close', () => {
      if (this.feed !== 'live' || this.closed) return;
      this.feed = 'interrupted';
      for (const handler of this.allHandlers()) this.call(() => handler.options.onInterrupt?.());
    });
    subscriber.on('ready', () => {
      if (this.feed !== 'interrupted' || this.closed) return;
      // ioredis resubscribes right after emitting 'ready'; a PING queued behind those SUBSCRIBEs
      // answers only once they are in force, so a resync started now cannot miss a notice.
      queueMicrotask(() => {
        subscriber
          .ping()
          .then(() => {
            if (this.feed !== 'interrupted' || this.closed) return;
            this.feed = 'live';
            for (const handler of this.allHandlers()) this.call(() => handler.options.onResume?.());
          })
          .catch(() => {});
      });
    });
    return subscriber;
  }

  private *allHandlers(): Iterable<Handler> {
    for (const channel of this.channels.values()) yield* [...channel.handlers];
  }

  private dispatch(channelName: string, message: string): void {
    const channel = this.channels.get(channelName);
    if (!channel) return;
    let notice: unknown;
    try {
      notice = JSON.parse(message);
    } catch {
      notice = undefined;
    }
    if (!isNotice(notice)) {
      this.logger.warn(
        `flag set "${channel.flagSet}": ignored a change notice that is not ours on ${channelName}`,
      );
      return;
    }
    for (const handler of [...channel.handlers]) this.call(() => handler.listener({ ...notice }));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error('RedisFlagStore: a change listener threw', error);
    }
  }

  /** Runs a Redis call, turning an ACL refusal into an error that names the set and what was refused. */
  private async guard<T>(flagSet: string, operation: 'read' | 'write', run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isPermissionError(error))
        throw new StorePermissionError(
          flagSet,
          operation,
          error,
          operation === 'write' ? WRITE_HINT : READ_HINT,
        );
      throw error;
    }
  }
}
