/** Building a provider and its Redis store from connection options in one step. */
import { RedisFlagStore, type RedisFlagStoreOptions } from '../redis-flag-store.js';
import { RedisProvider, type RedisProviderOptions } from '../redis-provider.js';

/**
 * Options of {@link createRedisProvider}: how to reach Redis (`url`, `redis`, `cluster` or an
 * existing `client`, as for `RedisFlagStore`) plus the provider's own options.
 */
export type CreateRedisProviderOptions = Omit<RedisProviderOptions, 'store'> &
  Omit<RedisFlagStoreOptions, 'logger' | 'validateOnLoad'>;

/**
 * A {@link RedisProvider} over a new `RedisFlagStore`. The provider owns the store: `onClose`
 * closes it, and with it every connection the store opened (never a `client` you passed).
 * @example
 * const provider = createRedisProvider({ url: process.env.REDIS_URL, flagSet: 'checkout' });
 * await OpenFeature.setProviderAndWait(provider);
 */
export function createRedisProvider(options: CreateRedisProviderOptions): RedisProvider {
  const { client, url, redis, cluster, prefix, maxLogLength, maxWriteRetries, ...providerOptions } = options;
  const store = new RedisFlagStore({
    ...(client !== undefined && { client }),
    ...(url !== undefined && { url }),
    ...(redis !== undefined && { redis }),
    ...(cluster !== undefined && { cluster }),
    ...(prefix !== undefined && { prefix }),
    ...(maxLogLength !== undefined && { maxLogLength }),
    ...(maxWriteRetries !== undefined && { maxWriteRetries }),
    ...(providerOptions.logger !== undefined && { logger: providerOptions.logger }),
    // The provider warns about invalid flags itself, once per broken definition.
    validateOnLoad: false,
  });
  return new RedisProvider({ ...providerOptions, store, closeStore: true });
}
