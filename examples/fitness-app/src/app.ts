/**
 * Wires the app: a flag store (in memory, or Redis when a URL is given), Ensign's OpenFeature
 * provider over it, and the bookings. The tool handlers only see an OpenFeature `Client`, so the
 * same app code runs on either store, or on any other vendor's provider.
 */
import { readFile } from 'node:fs/promises';
import type { FlagSetDocument } from '@ensign/core';
import {
  type FlagStore,
  MemoryFlagStore,
  RedisFlagStore,
  RedisProvider,
  VersionConflictError,
} from '@ensign/redis-provider';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type Client, OpenFeature } from '@openfeature/server-sdk';
import { BookingRepository } from './bookings.js';
import { FLAG_SET } from './flag-keys.js';
import { createFitnessServer } from './server.js';
import { widgetHtmlLoader } from './widget-html.js';

/** The sample flag set the store is seeded with when it holds none. */
export const SAMPLE_FLAGS_URL = new URL('../../flags/fitness.flags.json', import.meta.url);

/** Options of {@link startFitnessApp}. */
export interface FitnessAppOptions {
  /**
   * Redis to keep the flags in (`redis://…`, `rediss://…`). Without it (and without `store`),
   * flags live in process in a `MemoryFlagStore`.
   */
  redisUrl?: string;
  /** A store to use instead of creating one; the app does not close it. */
  store?: FlagStore;
  /**
   * The OpenFeature domain the app's provider is registered under, so several apps (or tests)
   * in one process do not replace each other's provider.
   * @default 'fitness-app'
   */
  domain?: string;
  /**
   * How often the provider checks the store's version to catch a lost change notice.
   * @default the provider's default (30 s)
   */
  resyncIntervalMs?: number;
  /**
   * Seed the flag set from `examples/flags/fitness.flags.json` when the store has none.
   * @default true
   */
  seed?: boolean;
}

/** A running app: what the HTTP server and the tests need. */
export interface FitnessApp {
  /** Where the flags live; write to it to flip a flag. */
  readonly store: FlagStore;
  /** `'redis'` or `'memory'`, for the startup banner. */
  readonly storeKind: 'redis' | 'memory' | 'custom';
  /** The OpenFeature client the tools evaluate through. */
  readonly flags: Client;
  readonly bookings: BookingRepository;
  /** A new MCP server instance (one per connection, or per request when stateless). */
  createServer(): McpServer;
  /** Closes the provider and the store the app created. */
  close(): Promise<void>;
}

/** Reads the sample flag set. */
export async function readSampleFlags(): Promise<FlagSetDocument> {
  return JSON.parse(await readFile(SAMPLE_FLAGS_URL, 'utf8')) as FlagSetDocument;
}

/** Writes the sample set unless the store already holds the set (another instance may race us). */
async function seedIfEmpty(store: FlagStore, document: FlagSetDocument): Promise<void> {
  if ((await store.version(FLAG_SET)) > 0) return;
  try {
    await store.replaceFlagSet(FLAG_SET, document, {
      expectedVersion: 0,
      actor: 'fitness-app',
      reason: 'seed from examples/flags/fitness.flags.json',
    });
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
  }
}

/**
 * Starts the app's flags and bookings. Resolves once the provider has loaded the flag set.
 * @example
 * const app = await startFitnessApp({ redisUrl: process.env.REDIS_URL });
 * const server = app.createServer(); // connect to a transport
 */
export async function startFitnessApp(options: FitnessAppOptions = {}): Promise<FitnessApp> {
  const seed = options.seed ?? true;
  let store: FlagStore;
  let storeKind: FitnessApp['storeKind'];
  if (options.store) {
    store = options.store;
    storeKind = 'custom';
  } else if (options.redisUrl) {
    store = new RedisFlagStore({ url: options.redisUrl });
    storeKind = 'redis';
  } else {
    store = new MemoryFlagStore();
    storeKind = 'memory';
  }
  const ownsStore = options.store === undefined;
  try {
    if (seed) await seedIfEmpty(store, await readSampleFlags());
    const provider = new RedisProvider({
      store,
      flagSet: FLAG_SET,
      closeStore: false,
      ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
    });
    const domain = options.domain ?? 'fitness-app';
    await OpenFeature.setProviderAndWait(domain, provider);
    const flags = OpenFeature.getClient(domain);
    const bookings = new BookingRepository();
    const widgetHtml = widgetHtmlLoader();
    return {
      store,
      storeKind,
      flags,
      bookings,
      createServer: () => createFitnessServer({ flags, bookings, widgetHtml }),
      close: async () => {
        await provider.onClose();
        if (ownsStore) await store.close();
      },
    };
  } catch (error) {
    if (ownsStore) await store.close();
    throw error;
  }
}
