/**
 * Wires the app: a flag store (in memory, or Redis when a URL is given), Ensign's OpenFeature
 * provider over it, and the bookings. The tool handlers only see an OpenFeature `Client`, so the
 * same app code runs on either store, or on any other vendor's provider.
 */
import { readFile } from 'node:fs/promises';
import type { FlagSetDocument } from '@ensign/core';
import { type ConsoleStyleLogger, ExposureHook, KillSwitchHook, RedisStreamSink } from '@ensign/hooks';
import { RedisFlagStore, RedisProvider } from '@ensign/redis-provider';
import { type FlagStore, MemoryFlagStore, VersionConflictError, withOverrides } from '@ensign/store';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type Client, OpenFeature } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { BookingRepository } from './bookings.js';
import { FLAG_SET } from './flag-keys.js';
import { type LiveFlagsOptions, createFitnessServer } from './server.js';
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
  /**
   * Where the provider and the kill-switch hook log (e.g. `kill switch "bookings-enabled" is
   * active (turned on by … at …)`).
   * @default console
   */
  logger?: ConsoleStyleLogger;
  /**
   * Environment variables for local overrides in development (`FEATURE_FLAGS_OVERRIDE=enable-all`,
   * `FEATURE_FLAGS_OVERRIDE=cancel-booking=true`, `FEATURE_FLAGS_OVERRIDE_FILE=…`, refused when
   * `NODE_ENV=production`); see packages/store/docs/overrides.md. `main.ts` passes `process.env`.
   * @default {} (no overrides, so tests and embedders are not affected by the shell they run in)
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Let open widgets follow flag changes from an Ensign server on the same flags (OFREP event
   * stream): `list_bookings` then hands the widget a short-lived widget token, and the widget
   * resource declares the server's origin in its CSP.
   * @default undefined: widgets change flags with the next tool result only
   */
  live?: LiveFlagsOptions;
}

/** A running app: what the HTTP server and the tests need. */
export interface FitnessApp {
  /** Where the flags live; write to it to flip a flag. */
  readonly store: FlagStore;
  /** Which store the app created (`custom` when one was passed in). */
  readonly storeKind: 'redis' | 'memory' | 'custom';
  /** The OpenFeature client the tools evaluate through. */
  readonly flags: Client;
  /** The users' bookings (sample data, in memory). */
  readonly bookings: BookingRepository;
  /** Logs active kill switches with who flipped them (from the store's audit log). */
  readonly killSwitches: KillSwitchHook;
  /**
   * Records who saw which variant of the `booking-layout` experiment, in the Redis stream
   * `exposures:{fitness}` (on Redis only; `undefined` on the memory store).
   */
  readonly exposures: ExposureHook | undefined;
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
 * Exposures of the experiment flags, batched off the hot path into a Redis stream that
 * `readExperimentEvents` / `analyzeExperiment` from `@ensign/hooks` read back. The sink has its
 * own connection that fails fast while Redis is down, so a Redis outage drops (and counts)
 * exposures instead of slowing tool calls.
 */
function experimentExposures(redisUrl: string): ExposureHook {
  const client = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  });
  return new ExposureHook({
    sinks: [new RedisStreamSink({ client, closeClient: true })],
    filter: (_flagKey, metadata) => metadata.kind === 'experiment',
  });
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
    const logger = options.logger ?? console;
    // With FEATURE_FLAGS_OVERRIDE… set, a multi-provider of the overrides and this provider; else
    // this provider itself.
    const provider = withOverrides(
      new RedisProvider({
        store,
        flagSet: FLAG_SET,
        closeStore: false,
        logger,
        ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
      }),
      { env: options.env ?? {}, logger },
    );
    const domain = options.domain ?? 'fitness-app';
    await OpenFeature.setProviderAndWait(domain, provider);
    const flags = OpenFeature.getClient(domain);
    // Hooks run on every evaluation through the client, including the widget's hand-off.
    const killSwitches = new KillSwitchHook({ logger, auditLog: store, flagSet: FLAG_SET });
    flags.addHooks(killSwitches);
    const detachKillSwitches = killSwitches.attach(flags);
    const exposures = options.redisUrl === undefined ? undefined : experimentExposures(options.redisUrl);
    if (exposures) flags.addHooks(exposures);
    const bookings = new BookingRepository();
    const widgetHtml = widgetHtmlLoader();
    return {
      store,
      storeKind,
      flags,
      bookings,
      killSwitches,
      exposures,
      createServer: () => createFitnessServer({ flags, bookings, widgetHtml, live: options.live }),
      close: async () => {
        detachKillSwitches();
        await killSwitches.idle();
        await exposures?.close();
        await provider.onClose();
        if (ownsStore) await store.close();
      },
    };
  } catch (error) {
    if (ownsStore) await store.close();
    throw error;
  }
}
