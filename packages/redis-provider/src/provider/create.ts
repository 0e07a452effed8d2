/** Building a provider and its Redis store from connection options in one step. */
import type { StoreProviderOptions } from '@ensign/store';
import { RedisFlagStore, type RedisFlagStoreOptions } from '../redis-flag-store.js';
import { RedisProvider, type RedisProviderOptions } from '../redis-provider.js';

/**
 * Options of {@link createRedisProvider}: how to reach Redis (`url`, `redis`, `cluster` or an
 * existing `client`, and the other `RedisFlagStore` options) plus the provider's own options.
 */
export type CreateRedisProviderOptions = Omit<RedisProviderOptions, 'store' | 'closeStore'> &
  Omit<RedisFlagStoreOptions, 'logger' | 'validateOnLoad'>;

type ProviderOnly = keyof Omit<StoreProviderOptions, 'store' | 'closeStore'>;

/** The provider's own options; everything else goes to the store. */
const PROVIDER_OPTIONS = [
  'flagSet',
  'resyncIntervalMs',
  'verifyIntervalMs',
  'initTimeoutMs',
  'requestTimeoutMs',
  'bootstrap',
  'trackingSink',
  'logger',
] as const satisfies readonly ProviderOnly[];

// Compile-time guard: a provider option added later but missing above would silently go to the store.
type Unrouted = Exclude<ProviderOnly, (typeof PROVIDER_OPTIONS)[number]>;
const everyOptionRouted: [Unrouted] extends [never] ? true : Unrouted = true;
void everyOptionRouted;

/**
 * A {@link RedisProvider} over a new `RedisFlagStore`. The provider owns the store: `onClose`
 * closes it, and with it every connection the store opened (never a `client` you passed).
 * @example
 * const provider = createRedisProvider({ url: process.env.REDIS_URL, flagSet: 'checkout' });
 * await OpenFeature.setProviderAndWait(provider);
 */
export function createRedisProvider(options: CreateRedisProviderOptions): RedisProvider {
  const providerOptions: Partial<StoreProviderOptions> = {};
  const storeOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if ((PROVIDER_OPTIONS as readonly string[]).includes(name))
      (providerOptions as Record<string, unknown>)[name] = value;
    else storeOptions[name] = value;
  }
  const store = new RedisFlagStore({
    ...(storeOptions as RedisFlagStoreOptions),
    ...(options.logger !== undefined && { logger: options.logger }),
    // The provider warns about invalid flags itself, once per broken definition.
    validateOnLoad: false,
  });
  try {
    return new RedisProvider({ ...providerOptions, store, closeStore: true });
  } catch (error) {
    // An invalid provider option must not leave the store's connection open.
    void store.close();
    throw error;
  }
}
