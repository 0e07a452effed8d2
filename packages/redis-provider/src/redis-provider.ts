/**
 * `RedisProvider`: the OpenFeature server provider over a Redis flag store, the provider the
 * mission names. It is `@ensign/store`'s `StoreProvider` (events, lifecycle, local evaluation)
 * under the name users look for; `createRedisProvider` builds one with its store in one step.
 */
import { StoreProvider, type StoreProviderOptions } from '@ensign/store';

/**
 * Options of {@link RedisProvider}: those of `@ensign/store`'s `StoreProvider`, with `store` a
 * `RedisFlagStore` in production (any `FlagStore` works: a `MemoryFlagStore` in development).
 */
export type RedisProviderOptions = StoreProviderOptions;

/**
 * OpenFeature server provider over a flag store, usually a `RedisFlagStore`: it keeps the whole
 * flag set in process, follows the store's change feed, and evaluates locally with `@ensign/core`.
 * Its metadata name says what is behind it (`ensign-redis` over Redis, `ensign-memory` over the
 * memory store).
 * @example
 * const store = new RedisFlagStore({ url: process.env.REDIS_URL });
 * await OpenFeature.setProviderAndWait(new RedisProvider({ store, flagSet: 'checkout' }));
 * const enabled = await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey });
 */
export class RedisProvider extends StoreProvider {}
