/**
 * `@ensign/redis-provider`: flag sets in Redis (or in memory) and the OpenFeature server provider
 * that evaluates them locally.
 * @packageDocumentation
 */
export type * from './flag-store.js';
export * from './errors.js';
export * from './memory-flag-store.js';
export * from './redis-flag-store.js';
export * from './redis-provider.js';
