/** Naming where a Redis client connects, for error messages: host and port, never credentials. */
import type { Cluster, Redis } from 'ioredis';

interface RedisLike {
  isCluster?: boolean;
  options?: {
    host?: string;
    port?: number;
    path?: string;
    tls?: unknown;
    sentinels?: { host?: string; port?: number }[] | null;
    name?: string;
  };
}

function hostPort(node: { host?: string; port?: number } | string | number): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  return `${node.host ?? '127.0.0.1'}:${node.port ?? 6379}`;
}

/** Where `client` connects: a URL, the Cluster seeds or the Sentinel primary it asks for. */
export function clientAddress(client: Redis | Cluster): string {
  const like = client as unknown as RedisLike;
  if (like.isCluster) {
    // ioredis keeps the seed list in a field its types mark private.
    const seeds = (
      client as unknown as { startupNodes?: ({ host?: string; port?: number } | string | number)[] }
    ).startupNodes;
    return `Redis Cluster (seed nodes ${seeds?.map(hostPort).join(', ') ?? 'unknown'})`;
  }
  const options = like.options;
  if (options?.sentinels?.length) {
    return `Redis primary "${options.name ?? 'mymaster'}" via Sentinel ${options.sentinels.map(hostPort).join(', ')}`;
  }
  if (options?.path) return `redis+unix://${options.path}`;
  return `${options?.tls ? 'rediss' : 'redis'}://${hostPort(options ?? {})}`;
}
