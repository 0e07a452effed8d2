/**
 * `RedisServerState`: the server's own state in Redis, shared by every server instance on it (so
 * several instances behave as one), under a key prefix of its own (`ensign:`) for a least-privilege
 * ACL user of its own (`redisStateAclRules`). Writes are Lua scripts that check before they write;
 * a namespace is listed from its index set, never with `KEYS` or `SCAN`; the layout is Cluster-safe
 * (one hash tag per namespace, one per lease). Key layout: `./redis/keys.ts`.
 */
import type { Cluster, Redis } from 'ioredis';
import {
  byId,
  checkIncrementOptions,
  checkIncrements,
  checkKey,
  checkLease,
  checkPutOptions,
  encodeValue,
  ownRecord,
} from './arguments.js';
import { type StateConnectionOptions, closeStateClient, openStateClient } from './redis/connection.js';
import { DEFAULT_STATE_PREFIX, leaseKey, namespaceKeys } from './redis/keys.js';
import { type StateScripts, defineStateScripts } from './redis/scripts.js';
import type { IncrementOptions, Lease, PutOptions, ServerState, StateDocument } from './server-state.js';

/** Options of {@link RedisServerState}: how to reach Redis, and where the keys go. */
export interface RedisServerStateOptions extends StateConnectionOptions {
  /**
   * Prefix of every key; give the state's ACL user exactly `~<prefix>*`. Must differ from the flag
   * stores' prefix (`flags:`) so that flag readers cannot read token hashes or webhook secrets.
   * @default 'ensign:'
   */
  prefix?: string;
}

/** Documents fetched per pipeline when listing a namespace. */
const LIST_BATCH = 500;

/**
 * Server state in Redis (single node, Sentinel or Cluster).
 * @example
 * const state = new RedisServerState({ url: 'redis://ensign-state:secret@redis:6379' });
 * const server = await createServer({ store, state });
 */
export class RedisServerState implements ServerState {
  readonly name = 'redis';
  /** The key prefix in use. */
  readonly prefix: string;
  private readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly scripts: StateScripts;

  constructor(options: RedisServerStateOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_STATE_PREFIX;
    if (typeof prefix !== 'string' || /[{}]/.test(prefix))
      throw new TypeError(
        `RedisServerState: option "prefix" may not contain "{" or "}", got ${JSON.stringify(prefix)}`,
      );
    if (prefix === 'flags:')
      throw new TypeError(
        'RedisServerState: option "prefix" must differ from the flag stores\' "flags:", or flag readers could read token hashes and webhook secrets',
      );
    this.prefix = prefix;
    const { client, owned } = openStateClient(options);
    this.client = client;
    this.owned = owned;
    // Connection errors reach the caller as rejected calls; unheard, ioredis would also print them.
    if (owned) client.on('error', () => {});
    this.scripts = defineStateScripts(client);
  }

  async get<T>(namespace: string, id: string): Promise<StateDocument<T> | undefined> {
    checkKey('get', namespace, id);
    const [version, value] = await this.client.hmget(
      namespaceKeys(this.prefix, namespace).doc(id),
      'version',
      'value',
    );
    return decode<T>(version ?? null, value ?? null);
  }

  async put<T>(
    namespace: string,
    id: string,
    value: T,
    options: PutOptions = {},
  ): Promise<number | undefined> {
    checkKey('put', namespace, id);
    checkPutOptions(options);
    const json = encodeValue('put', value);
    const keys = namespaceKeys(this.prefix, namespace);
    const [written, version] = await this.scripts.ensignStatePutV1(
      keys.doc(id),
      keys.index,
      id,
      json,
      options.expectedVersion === undefined ? '' : String(options.expectedVersion),
      options.ttlMs === undefined ? '' : String(options.ttlMs),
    );
    return written === 1 ? version : undefined;
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    checkKey('delete', namespace, id);
    const keys = namespaceKeys(this.prefix, namespace);
    return (await this.scripts.ensignStateDeleteV1(keys.doc(id), keys.index, id)) === 1;
  }

  async list<T>(namespace: string): Promise<Map<string, StateDocument<T>>> {
    checkKey('list', namespace, 'all');
    const keys = namespaceKeys(this.prefix, namespace);
    const ids = (await this.client.smembers(keys.index)).sort(byId);
    const out = new Map<string, StateDocument<T>>();
    const expired: string[] = [];
    for (let start = 0; start < ids.length; start += LIST_BATCH) {
      const batch = ids.slice(start, start + LIST_BATCH);
      // One slot (the namespace's hash tag), so a pipeline also works on a Cluster.
      const pipeline = this.client.pipeline();
      for (const id of batch) pipeline.hmget(keys.doc(id), 'version', 'value');
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((id, i) => {
        const [error, reply] = replies[i] ?? [new Error('no reply')];
        if (error) throw error;
        const [version, value] = reply as [string | null, string | null];
        const doc = decode<T>(version, value);
        if (doc) out.set(id, doc);
        else expired.push(id);
      });
    }
    // Documents that expired leave their id in the index until a list notices.
    for (let start = 0; start < expired.length; start += LIST_BATCH) {
      const batch = expired.slice(start, start + LIST_BATCH);
      await this.scripts.ensignStatePruneV1(batch.length + 1, keys.index, ...batch.map(keys.doc), ...batch);
    }
    return out;
  }

  async increment(
    namespace: string,
    id: string,
    counters: Readonly<Record<string, number>>,
    options?: IncrementOptions,
  ): Promise<Record<string, number>> {
    checkKey('increment', namespace, id);
    const increments = checkIncrements(counters);
    const ttlMs = checkIncrementOptions(options);
    const key = namespaceKeys(this.prefix, namespace).counters(id);
    if (increments.length === 0 && ttlMs === undefined) return this.counters(namespace, id);
    const flat = await this.scripts.ensignStateIncrementV2(
      key,
      ttlMs === undefined ? '' : String(ttlMs),
      ...increments.flatMap(([n, by]) => [n, String(by)]),
    );
    const pairs: [string, number][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
    return ownRecord(pairs);
  }

  async maximize(
    namespace: string,
    id: string,
    values: Readonly<Record<string, number>>,
    options?: IncrementOptions,
  ): Promise<void> {
    checkKey('maximize', namespace, id);
    const raises = checkIncrements(values, 'maximize');
    const ttlMs = checkIncrementOptions(options, 'maximize');
    if (raises.length === 0 && ttlMs === undefined) return;
    await this.scripts.ensignStateMaximizeV1(
      namespaceKeys(this.prefix, namespace).counters(id),
      ttlMs === undefined ? '' : String(ttlMs),
      // Exact decimal text (17 significant digits): what Redis compares is what was given.
      ...raises.flatMap(([n, value]) => [n, Number.isInteger(value) ? String(value) : value.toPrecision(17)]),
    );
  }

  async counters(namespace: string, id: string): Promise<Record<string, number>> {
    checkKey('counters', namespace, id);
    const raw = await this.client.hgetall(namespaceKeys(this.prefix, namespace).counters(id));
    return ownRecord(Object.entries(raw).map(([name, value]) => [name, Number(value)] as const));
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    checkLease('acquireLease', name, owner, ttlMs);
    const reply = await this.scripts.ensignStateAcquireV1(leaseKey(this.prefix, name), owner, String(ttlMs));
    return reply[0] === 1 ? { owner, token: reply[1], expiresAt: reply[2] } : undefined;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    checkLease('releaseLease', name, owner);
    await this.scripts.ensignStateReleaseV1(leaseKey(this.prefix, name), owner);
  }

  async close(): Promise<void> {
    if (this.owned) await closeStateClient(this.client);
  }
}

/** A document from its two hash fields; `undefined` when it does not exist (or expired). */
function decode<T>(version: string | null, value: string | null): StateDocument<T> | undefined {
  if (version === null || value === null) return undefined;
  return { value: JSON.parse(value) as T, version: Number(version) };
}
