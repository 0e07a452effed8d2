/**
 * `@ensign/redis-provider`: flag sets in Redis (single node, Sentinel, Cluster) and the
 * OpenFeature server provider that evaluates them locally. The store contract, the memory store
 * and the provider over any store live in `@ensign/store`.
 * @packageDocumentation
 */
export { DEFAULT_KEY_PREFIX, RedisFlagStore, type RedisFlagStoreOptions } from './redis-flag-store.js';
export type { RedisConnectionOptions } from './redis/connection.js';
export type { FlagSetKeys } from './redis/keys.js';
export { RedisProvider, type RedisProviderOptions } from './redis-provider.js';
export { type CreateRedisProviderOptions, createRedisProvider } from './provider/create.js';
export { type RedisAclOptions, type RedisAclRole, redisAclRules } from './redis/acl.js';
