/** Naming where a store reads from, for error messages: host and port, never credentials. */
import type { FlagStore } from '../flag-store.js';

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

/**
 * Where a store reads from: its `address` if it states one, else what its ioredis `client`
 * (as `RedisFlagStore` exposes it) is configured with, else the store's class name.
 */
export function storeAddress(store: FlagStore): string {
  const stated = (store as { address?: unknown }).address;
  if (typeof stated === 'string' && stated !== '') return stated;
  const client = (store as { client?: RedisLike }).client;
  if (client && typeof client === 'object') {
    if (client.isCluster) {
      // ioredis keeps the seed list in a field its types mark private.
      const seeds = (client as { startupNodes?: ({ host?: string; port?: number } | string | number)[] })
        .startupNodes;
      return `Redis Cluster (seed nodes ${seeds?.map(hostPort).join(', ') ?? 'unknown'})`;
    }
    const options = client.options;
    if (options?.sentinels?.length) {
      return `Redis primary "${options.name ?? 'mymaster'}" via Sentinel ${options.sentinels.map(hostPort).join(', ')}`;
    }
    if (options?.path) return `redis+unix://${options.path}`;
    if (options) return `${options.tls ? 'rediss' : 'redis'}://${hostPort(options)}`;
  }
  return store.constructor?.name ?? 'the flag store';
}
