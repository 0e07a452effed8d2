/**
 * Choosing where the flags are, from options and environment:
 * 1. `--store redis` (`REDIS_URL`) or `--store memory:DIR`: the store directly;
 * 2. `--url` or `ENSIGN_URL`: the admin API, with the token from `--token-file`,
 *    `ENSIGN_TOKEN_FILE` or `ENSIGN_TOKEN` (never from the command line: it would land in shell
 *    history and process lists);
 * 3. `REDIS_URL` alone: Redis directly.
 * Heavy modules (ioredis, the server) are imported only on the path that needs them.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConnectionOptions, Environment } from '../context.js';
import { CliError, usageError } from '../errors.js';
import type { EnsignClient } from './client.js';

/** Where `ensign serve --data DIR` keeps the flags and its own state. */
export function dataFiles(dir: string): { flags: string; state: string } {
  return { flags: join(dir, 'flags.json'), state: join(dir, 'state.json') };
}

/** `redis://host:port` without credentials or path, for messages. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'REDIS_URL (not a valid URL)';
  }
}

/** Who direct-store writes are recorded as. */
export function localActor(env: Environment): string {
  if (env.ENSIGN_ACTOR) return env.ENSIGN_ACTOR;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user database entry (a container): keep 'unknown'.
  }
  return `${user}@${hostname()} (ensign cli)`;
}

/** Reads the API token from the options or the environment. */
export function readToken(options: ConnectionOptions, env: Environment): string {
  const file = options.tokenFile ?? env.ENSIGN_TOKEN_FILE;
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(
        'unauthenticated',
        `cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    const token = text.trim();
    if (token === '') throw new CliError('unauthenticated', `the token file ${file} is empty`);
    return token;
  }
  const token = env.ENSIGN_TOKEN?.trim();
  if (token === undefined || token === '') {
    throw new CliError(
      'unauthenticated',
      'no API token: set ENSIGN_TOKEN or ENSIGN_TOKEN_FILE, or pass --token-file FILE',
      {
        hint: 'an admin creates one with: ensign token create --name NAME --role editor --set SET',
      },
    );
  }
  return token;
}

async function redisClient(url: string, options: ConnectionOptions, env: Environment): Promise<EnsignClient> {
  const [{ RedisFlagStore }, { StoreClient }] = await Promise.all([
    import('@ensign/redis-provider'),
    import('./store-client.js'),
  ]);
  const timeoutMs = (options.timeout ?? 10) * 1000;
  const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
  // Fail fast: a CLI must say "unreachable" and exit, not retry forever like a long-lived app.
  const redis = { connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null };
  const store = new RedisFlagStore({ url, redis, logger: quiet, validateOnLoad: false });
  return new StoreClient({
    store,
    target: redisTarget(url),
    actor: localActor(env),
    timeoutMs,
    openState: async () => {
      const { RedisServerState } = await import('@ensign/server');
      return new RedisServerState({ url, redis });
    },
  });
}

async function memoryClient(
  dir: string,
  options: ConnectionOptions,
  env: Environment,
): Promise<EnsignClient> {
  const [{ MemoryFlagStore }, { StoreClient }] = await Promise.all([
    import('@ensign/store'),
    import('./store-client.js'),
  ]);
  const files = dataFiles(resolve(dir));
  let store: InstanceType<typeof MemoryFlagStore>;
  try {
    store = new MemoryFlagStore({ file: files.flags });
  } catch (error) {
    throw new CliError('failed', (error as Error).message, { cause: error });
  }
  return new StoreClient({
    store,
    target: `memory:${dir}`,
    actor: localActor(env),
    timeoutMs: (options.timeout ?? 10) * 1000,
    openState: async () => {
      const { MemoryServerState } = await import('@ensign/server');
      return new MemoryServerState({ file: files.state });
    },
  });
}

/** Opens the client the options and environment name. */
export async function openClient(options: ConnectionOptions, env: Environment): Promise<EnsignClient> {
  if (options.store !== undefined) {
    if (options.store === 'redis') {
      if (!env.REDIS_URL) throw usageError('--store redis reads REDIS_URL, which is not set');
      return redisClient(env.REDIS_URL, options, env);
    }
    if (options.store.startsWith('memory:') && options.store.length > 'memory:'.length) {
      return memoryClient(options.store.slice('memory:'.length), options, env);
    }
    throw usageError(`--store must be "redis" or "memory:DIR", got "${options.store}"`);
  }
  const url = options.url ?? env.ENSIGN_URL;
  if (url !== undefined && url !== '') {
    const token = readToken(options, env);
    const [{ HttpClient }, { Transport }] = await Promise.all([
      import('./http-client.js'),
      import('./http.js'),
    ]);
    let transport: InstanceType<typeof Transport>;
    try {
      transport = await Transport.open(url);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw usageError(`ENSIGN_URL (or --url) is not a URL: "${url}"`);
    }
    return new HttpClient({ transport, token, timeoutMs: (options.timeout ?? 10) * 1000 });
  }
  if (env.REDIS_URL) return redisClient(env.REDIS_URL, options, env);
  throw usageError(
    'where are the flags? set ENSIGN_URL and ENSIGN_TOKEN (the admin API), or REDIS_URL (Redis directly)',
    'for a local server: ensign serve, then export the ENSIGN_URL and ENSIGN_TOKEN it prints',
  );
}
