/**
 * A real Ensign server for the CLI's tests: `createServer` on a free loopback port over a real
 * store (a `MemoryFlagStore`, or a `RedisFlagStore` on a `redis-server` the test started), with
 * one token per role. The CLI reaches it only through HTTP, as users do.
 */
import type { FlagSetDocument } from '@ensign/core';
import { RedisFlagStore } from '@ensign/redis-provider';
import {
  type EnsignServer,
  MemoryServerState,
  RedisServerState,
  type Role,
  type ServerState,
  createServer,
  issueToken,
} from '@ensign/server';
import { type FlagStore, MemoryFlagStore } from '@ensign/store';

export const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** Where a test server keeps flags and state. */
export interface TestBackend {
  readonly name: 'memory' | 'redis';
  readonly store: FlagStore;
  readonly state: ServerState;
  /** For direct-store runs of the CLI (`REDIS_URL`). */
  readonly redisUrl?: string;
  close(): Promise<void>;
}

/** Flags and state in process. */
export function memoryBackend(): TestBackend {
  const store = new MemoryFlagStore({ logger: quiet });
  const state = new MemoryServerState();
  return {
    name: 'memory',
    store,
    state,
    close: async () => void (await Promise.all([store.close(), state.close()])),
  };
}

/**
 * Flags and state in a real Redis, under the default key prefixes, so `ensign` with `REDIS_URL`
 * (direct mode) sees the same sets and tokens as the server. One `redis-server` per test file.
 */
export function redisBackend(url: string): TestBackend {
  const store = new RedisFlagStore({ url, logger: quiet });
  const state = new RedisServerState({ url });
  return {
    name: 'redis',
    store,
    state,
    redisUrl: url,
    close: async () => void (await Promise.all([store.close(), state.close()])),
  };
}

/** A listening server and its tokens. */
export interface TestServer {
  readonly url: string;
  readonly backend: TestBackend;
  readonly tokens: Readonly<Record<Role, string>>;
  /** The environment of a CLI run with this server and a token of `role`. */
  env(role?: Role): Record<string, string>;
  /** Seeds a set through the store (audited as actor `seed`, a whole-set import). */
  seed(flagSet: string, document: FlagSetDocument): Promise<void>;
  /** Stops the HTTP server (the store stays: what it holds can still be checked). */
  stop(): Promise<void>;
  /** Stops the server and closes the store and state. */
  close(): Promise<void>;
}

/** Starts a server over `backend`. */
export async function startServer(backend: TestBackend): Promise<TestServer> {
  const server: EnsignServer = await createServer({
    store: backend.store,
    state: backend.state,
    logger: quiet,
  });
  const url = await server.listen();
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    const { token } = await issueToken(backend.state, {
      name: `test-${role}`,
      role,
      ...(role === 'editor' && { flagSets: ['*'] }),
      createdBy: 'test',
    });
    tokens[role] = token;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  return {
    url,
    backend,
    tokens,
    env: (role = 'admin') => ({ ENSIGN_URL: url, ENSIGN_TOKEN: tokens[role] }),
    async seed(flagSet, document) {
      await backend.store.replaceFlagSet(flagSet, document, { actor: 'seed', reason: 'test seed' });
    },
    stop,
    async close() {
      await stop();
      await backend.close();
    },
  };
}
