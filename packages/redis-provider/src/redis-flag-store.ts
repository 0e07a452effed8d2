/**
 * `RedisFlagStore`: flag sets in Redis, one hash tag per set (cluster-safe), written through one
 * atomic script per write (compare-and-set, audit entry, change notice), read as consistent
 * snapshots without scripts, so a read-only ACL user can load and subscribe.
 */
import {
  type AuditEntry,
  BaseFlagStore,
  type CommitOutcome,
  type CommitRequest,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_MAX_LOG_LENGTH,
  DEFAULT_MAX_WRITE_RETRIES,
  type FlagSetSnapshot,
  FlagStoreError,
  type FollowOptions,
  type HistoryOptions,
  StorePermissionError,
  type Subscription,
  checkFlagSetId,
  encodeFlag,
  entryTouchesFlag,
  positiveIntegerOption,
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
import { LoadWarnings, type RawSet, decodeSnapshot, parseVersion } from './redis/snapshot-codec.js';
import { StreamFollower } from './redis/stream-follower.js';

export type { RedisConnectionOptions } from './redis/connection.js';
export { DEFAULT_KEY_PREFIX } from './redis/keys.js';

/** Options of {@link RedisFlagStore}: a connection plus how the store lays out and keeps data. */
export interface RedisFlagStoreOptions extends RedisConnectionOptions {
  /**
   * Prefix of every key and channel: a set lives in `<prefix>{<set>}:defs`, `:meta`, `:log`,
   * records write ids in `<prefix>{<set>}:write:<id>` and publishes on `<prefix>{<set>}:changes`.
   * (Not ioredis' own `keyPrefix`, which would apply twice.)
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
   * How a write announces itself to providers of the previous release, which followed pub/sub
   * notices (this release follows the audit stream and reads no notice): `'global'` (`PUBLISH`)
   * or `'sharded'` (`SPUBLISH`, Redis 7). Match what those providers were configured with.
   * @default 'global'
   */
  pubsub?: 'global' | 'sharded';
  /**
   * How long one blocking read of the change feed waits for a write before asking again; a read
   * that takes `feedBlockMs + feedGraceMs` marks the feed stalled, and its connection is replaced.
   * @default 2000
   */
  feedBlockMs?: number;
  /** See `feedBlockMs`. @default 2000 */
  feedGraceMs?: number;
  /** Receives warnings (invalid stored flags) and listener errors. @default console */
  logger?: Logger;
}

const WRITE_HINT =
  "writes need a user allowed to run the write script (EVALSHA/EVAL) and the commands in it on the set's keys";
const READ_HINT =
  "readers need the set's keys (e.g. ~flags:*) with HGET, HGETALL, XREAD, XREVRANGE, MULTI, EXEC";

/** Default of {@link RedisFlagStoreOptions.feedBlockMs}. */
export const FEED_BLOCK_MS = 2_000;
/** Default of {@link RedisFlagStoreOptions.feedGraceMs}. */
export const FEED_GRACE_MS = 2_000;

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
  private readonly sharded: boolean;
  private readonly feedBlockMs: number;
  private readonly feedGraceMs: number;
  private readonly logger: Logger;
  private readonly warnings: LoadWarnings;
  private readonly followers = new Set<StreamFollower>();
  /** The stored text behind snapshots read for writing, for the script's guard. */
  private readonly rawText = new WeakMap<FlagSetSnapshot, RawSet>();
  private closed = false;

  constructor(options: RedisFlagStoreOptions = {}) {
    super(options.maxWriteRetries ?? DEFAULT_MAX_WRITE_RETRIES);
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.maxLogLength = positiveIntegerOption('maxLogLength', options.maxLogLength, DEFAULT_MAX_LOG_LENGTH);
    this.feedBlockMs = positiveIntegerOption('feedBlockMs', options.feedBlockMs, FEED_BLOCK_MS);
    this.feedGraceMs = positiveIntegerOption('feedGraceMs', options.feedGraceMs, FEED_GRACE_MS);
    this.logger = options.logger ?? console;
    this.warnings = new LoadWarnings(this.logger, options.validateOnLoad ?? true);
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
    const raw = await this.readRaw(flagSet);
    const { snapshot, problems } = decodeSnapshot(flagSet, raw);
    this.warnings.report(flagSet, snapshot.document, problems);
    return snapshot;
  }

  async version(flagSet: string): Promise<number> {
    const keys = this.keys(flagSet);
    const version = await this.guard(flagSet, 'read', () => this.client.hget(keys.meta, META_FIELDS.version));
    return parseVersion(flagSet, version);
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

  async follow(
    flagSet: string,
    position: string,
    listener: (entry: AuditEntry) => void,
    options: FollowOptions = {},
  ): Promise<Subscription> {
    const keys = this.keys(flagSet);
    if (this.closed) throw new FlagStoreError(flagSet, 'RedisFlagStore is closed');
    const follower = new StreamFollower({
      client: this.client,
      key: keys.log,
      position,
      blockMs: this.feedBlockMs,
      graceMs: this.feedGraceMs,
      logger: this.logger,
      deliver: (rows) => {
        for (const [id, fields] of rows) {
          // Entries this package did not write are skipped; the reader sees the gap in versions.
          const entry = decodeEntry(flagSet, id, fields);
          if (entry) this.call(() => listener(entry));
        }
      },
      onInterrupt: (error) => this.call(() => options.onInterrupt?.(error)),
      onResume: () => this.call(() => options.onResume?.()),
    });
    try {
      await follower.start();
    } catch (error) {
      await follower.stop();
      throw isPermissionError(error) ? new StorePermissionError(flagSet, 'read', error, READ_HINT) : error;
    }
    this.followers.add(follower);
    return {
      unsubscribe: async () => {
        this.followers.delete(follower);
        await follower.stop();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing: Promise<void>[] = [...this.followers].map((f) => f.stop());
    this.followers.clear();
    if (this.owned) closing.push(closeClient(this.client));
    await Promise.all(closing);
  }

  protected async readForWrite(flagSet: string, flagKey?: string): Promise<FlagSetSnapshot> {
    const raw = await this.readRaw(flagSet, flagKey);
    const { snapshot } = decodeSnapshot(flagSet, raw);
    this.rawText.set(snapshot, raw);
    return snapshot;
  }

  protected async commit(request: CommitRequest): Promise<CommitOutcome> {
    const { flagSet, plan, snapshot, guard, options, writeId } = request;
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
    // The notice of the previous release's format: { flagSet, operation, flagKeys?, version }.
    const notice = {
      flagSet,
      operation: plan.operation,
      ...(plan.flagKey !== undefined && { flagKeys: [plan.flagKey] }),
    };
    const reply = await this.guard(flagSet, 'write', () =>
      runWriteScript(
        this.client,
        { ...keys, write: keys.write(writeId) },
        {
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
        },
      ).catch((error: unknown) => {
        // The script's own refusals (a key of the wrong type, a corrupt version) name the set.
        if (error instanceof Error && error.message.includes('ensign:')) {
          throw new FlagStoreError(
            flagSet,
            `cannot write flag set "${flagSet}": ${error.message.replace(/^ERR\s+(ensign:\s*)?/, '')}`,
            {
              cause: error,
            },
          );
        }
        throw error;
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
  private async readRaw(flagSet: string, flagKey?: string): Promise<RawSet> {
    const keys = this.keys(flagSet);
    const transaction = this.client.multi().hgetall(keys.meta);
    if (flagKey === undefined) transaction.hgetall(keys.defs);
    else transaction.hget(keys.defs, flagKey);
    const results = await this.guard(flagSet, 'read', () => transaction.exec());
    if (!results) throw new FlagStoreError(flagSet, `reading flag set "${flagSet}" was aborted`);
    results.forEach(([error], i) => {
      if (!error) return;
      if (/^WRONGTYPE/.test(error.message)) {
        const key = i === 0 ? keys.meta : keys.defs;
        throw new FlagStoreError(
          flagSet,
          `cannot read flag set "${flagSet}": key ${key} is not a hash (changed by hand?)`,
          {
            cause: error,
          },
        );
      }
      throw error;
    });
    const meta = (results[0]![1] ?? {}) as Record<string, string>;
    if (flagKey === undefined) return { meta, defs: (results[1]![1] ?? {}) as Record<string, string> };
    const text = results[1]![1] as string | null;
    return { meta, defs: text === null ? {} : { [flagKey]: text } };
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
      if (isPermissionError(error)) {
        throw new StorePermissionError(
          flagSet,
          operation,
          error,
          operation === 'write' ? WRITE_HINT : READ_HINT,
        );
      }
      throw error;
    }
  }
}
