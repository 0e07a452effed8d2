/** Turning the store's connection options into an ioredis client, and knowing which ones we own. */
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** How a store reaches Redis: one of these, or nothing for ioredis' default (`127.0.0.1:6379`). */
export interface RedisConnectionOptions {
  /**
   * An existing client (`Redis` or `Cluster`). The store uses it and never closes it; it defines
   * its write script on it (`ensignWriteFlagSet`, via `defineCommand`) and opens one extra
   * connection (`duplicate()`) for subscriptions, which it does close.
   */
  client?: Redis | Cluster;
  /** A `redis://` or `rediss://` (TLS) URL; combined with `redis` options when both are given. */
  url?: string;
  /**
   * ioredis options for a single node or a Sentinel-managed primary: `host`, `port`, `username`,
   * `password`, `tls`, `sentinels` + `name`, timeouts, retry strategy.
   */
  redis?: RedisOptions;
  /** A Redis Cluster: seed nodes and ioredis `ClusterOptions` (use `redisOptions` for TLS/auth). */
  cluster?: { startupNodes: ClusterNode[]; options?: ClusterOptions };
}

/** A client and whether the store created it (and so must close it). */
export interface OwnedClient {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
}

/** Opens (or adopts) the client described by `options`. */
export function openClient(options: RedisConnectionOptions): OwnedClient {
  const given = [options.client, options.url ?? options.redis, options.cluster].filter(
    (o) => o !== undefined,
  );
  if (given.length > 1) {
    throw new TypeError('RedisFlagStore: give only one of the options "client", "url"/"redis" and "cluster"');
  }
  if (options.client) return { client: options.client, owned: false };
  if (options.cluster)
    return { client: new Cluster(options.cluster.startupNodes, options.cluster.options), owned: true };
  if (options.url !== undefined) return { client: new Redis(options.url, options.redis ?? {}), owned: true };
  return { client: new Redis(options.redis ?? {}), owned: true };
}

/** Closes a client the store owns: gracefully when connected, at once otherwise. */
export async function closeClient(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection is going away anyway.
    }
  }
  client.disconnect();
}

/**
 * Is `error` Redis refusing a command for lack of ACL permission? Walks `previousErrors`
 * iteratively and visits each error once: ioredis can put a failed `MULTI`'s own error among
 * them, and following that recursively never ends.
 */
export function isPermissionError(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (!(next instanceof Error) || seen.has(next)) continue;
    seen.add(next);
    // Inside a script, a refused command reads "ERR The user executing the script can't run ...".
    if (/^NOPERM\b|user executing the script can't run/.test(next.message)) return true;
    // A refused command inside MULTI surfaces as EXECABORT, with the NOPERM among `previousErrors`.
    const previous = (next as { previousErrors?: unknown }).previousErrors;
    if (Array.isArray(previous)) queue.push(...previous);
  }
  return false;
}
