/** Turning `RedisServerState`'s connection options into an ioredis client, and knowing whether it is ours. */
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** How the state reaches Redis: one of these, or nothing for ioredis' default (`127.0.0.1:6379`). */
export interface StateConnectionOptions {
  /** An existing client (`Redis` or `Cluster`). The state defines its scripts on it and never closes it. */
  client?: Redis | Cluster;
  /** A `redis://` or `rediss://` (TLS) URL, with the state's ACL user: `redis://ensign-state:…@host:6379`. */
  url?: string;
  /** ioredis options for a single node or a Sentinel-managed primary (combined with `url` when both are given). */
  redis?: RedisOptions;
  /** A Redis Cluster: seed nodes and ioredis `ClusterOptions` (`redisOptions` for TLS and the ACL user). */
  cluster?: { startupNodes: ClusterNode[]; options?: ClusterOptions };
}

/** Opens (or adopts) the client described by `options`; `owned` when the state must close it. */
export function openStateClient(options: StateConnectionOptions): {
  client: Redis | Cluster;
  owned: boolean;
} {
  const given = [options.client, options.url ?? options.redis, options.cluster].filter(
    (o) => o !== undefined,
  );
  if (given.length > 1)
    throw new TypeError(
      'RedisServerState: give only one of the options "client", "url"/"redis" and "cluster"',
    );
  if (options.client) return { client: options.client, owned: false };
  if (options.cluster)
    return { client: new Cluster(options.cluster.startupNodes, options.cluster.options), owned: true };
  if (options.url !== undefined) return { client: new Redis(options.url, options.redis ?? {}), owned: true };
  return { client: new Redis(options.redis ?? {}), owned: true };
}

/** Closes a client: gracefully when connected, at once otherwise. */
export async function closeStateClient(client: Redis | Cluster): Promise<void> {
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
