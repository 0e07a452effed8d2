/** Building a provider and its Redis store from connection options in one step. */
import { RedisFlagStore, type RedisFlagStoreOptions } from '../redis-flag-store.js';
import { RedisProvider, type RedisProviderOptions } from '../redis-provider.js';

/**
 * Options of {@link createRedisProvider}: how to reach Redis (`url`, `redis`, `cluster` or an
 * existing `client`, and the other `RedisFlagStore` options) plus the provider's own options.
 */
export type CreateRedisProviderOptions = Omit<RedisProviderOptions, 'store' | 'closeStore'> &
  Omit<RedisFlagStoreOptions, 'logger' | 'validateOnLoad'>;

/**
 * A {@link RedisProvider} over a new `RedisFlagStore`. The provider owns the store: `onClose`
 * closes it, and with it every connection the store opened (never a `client` you passed).
 * @example
 * const provider = createRedisProvider({ url: process.env.REDIS_URL, flagSet: 'checkout' });
 * await OpenFeature.setProviderAndWait(provider);
 */
export function createRedisProvider(options: CreateRedisProviderOptions): RedisProvider {
  const {
    flagSet,
    resyncIntervalMs,
    initTimeoutMs,
    requestTimeoutMs,
    bootstrap,
    trackingSink,
    logger,
    ...storeOptions
  } = options;
  const store = new RedisFlagStore({
    ...storeOptions,
    ...(logger !== undefined && { logger }),
    // The provider warns about invalid flags itself, once per broken definition.
    validateOnLoad: false,
  });
  try {
    return new RedisProvider({
      store,
      closeStore: true,
      ...(flagSet !== undefined && { flagSet }),
      ...(resyncIntervalMs !== undefined && { resyncIntervalMs }),
      ...(initTimeoutMs !== undefined && { initTimeoutMs }),
      ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
      ...(bootstrap !== undefined && { bootstrap }),
      ...(trackingSink !== undefined && { trackingSink }),
      ...(logger !== undefined && { logger }),
    });
  } catch (error) {
    // An invalid provider option must not leave the store's connection open.
    void store.close();
    throw error;
  }
}
