/**
 * `ensign serve`: the server (admin API, OFREP, webhooks) on Redis when `REDIS_URL` is set
 * (`RedisFlagStore` + `RedisServerState`, so several instances act as one), else on the embedded
 * default with everything kept in `--data DIR` (flags, history, tokens), so nothing is lost
 * across restarts. On the first start with no admin token it creates one and prints it once (or
 * writes it to `--admin-token-file`). Runs until SIGINT or SIGTERM.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServerState } from '@ensign/server';
import type { FlagStore } from '@ensign/store';
import { dataFiles, redisTarget } from '../client/connect.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** Options of `serve`. */
export interface ServeOptions {
  port: number;
  host: string;
  data: string;
  publicUrl?: string;
  requestLogs?: boolean;
  adminTokenFile?: string;
  /** Serve the dashboard at `/dashboard/` (`--no-dashboard`: not). @default true */
  dashboard?: boolean;
}

interface Backend {
  store: FlagStore;
  state: ServerState;
  where: string;
}

async function openBackend(options: ServeOptions, redisUrl: string | undefined): Promise<Backend> {
  if (redisUrl) {
    const [{ RedisFlagStore }, { RedisServerState }] = await Promise.all([
      import('@ensign/redis-provider'),
      import('@ensign/server'),
    ]);
    return {
      store: new RedisFlagStore({ url: redisUrl }),
      state: new RedisServerState({ url: redisUrl }),
      where: `Redis at ${redisTarget(redisUrl)}`,
    };
  }
  const [{ MemoryFlagStore }, { MemoryServerState }] = await Promise.all([
    import('@ensign/store'),
    import('@ensign/server'),
  ]);
  const dir = resolve(options.data);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = dataFiles(dir);
  try {
    return {
      store: new MemoryFlagStore({ file: files.flags }),
      state: new MemoryServerState({ file: files.state }),
      where: `${dir} (flags.json, state.json)`,
    };
  } catch (error) {
    throw new CliError('failed', (error as Error).message, { cause: error });
  }
}

/** Creates the first admin token when the state holds no usable one; resolves it, or undefined. */
async function bootstrapAdmin(state: ServerState): Promise<string | undefined> {
  const { issueToken, listTokens } = await import('@ensign/server');
  const now = Date.now();
  const active = (await listTokens(state)).some(
    (t) =>
      t.role === 'admin' &&
      t.revokedAt === undefined &&
      (t.expiresAt === undefined || Date.parse(t.expiresAt) > now),
  );
  if (active) return undefined;
  const { token } = await issueToken(state, {
    name: 'first admin (ensign serve)',
    role: 'admin',
    createdBy: 'ensign serve',
  });
  return token;
}

/** Runs the server until a signal. */
export async function serve(options: ServeOptions, context: CommandContext): Promise<ExitCode> {
  const { createServer } = await import('@ensign/server');
  const backend = await openBackend(options, context.env.REDIS_URL || undefined);
  const server = await createServer({
    store: backend.store,
    state: backend.state,
    ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
    requestLogs: options.requestLogs === true,
    // Guarded rollouts and scheduled changes advance here (one instance acts at a time).
    rollouts: { controller: true },
    ...(options.dashboard !== false && {
      dashboard: { assetsDir: (await import('@ensign/dashboard')).DASHBOARD_ASSETS_DIR },
    }),
    // The weekly lifecycle report goes to the webhooks subscribed to lifecycle.report (one instance sends).
    lifecycle: { weeklyReport: true },
  });
  let url: string;
  try {
    url = await server.listen({ port: options.port, host: options.host });
  } catch (error) {
    await server.close();
    await backend.store.close();
    await backend.state.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new CliError(
        'failed',
        `port ${options.port} on ${options.host} is in use: pick another with --port`,
      );
    }
    throw error;
  }
  const token = await bootstrapAdmin(backend.state);
  const base = options.publicUrl ?? url;
  const lines = [
    `Ensign server listening at ${url}, flags in ${backend.where}.`,
    `  admin API: ${base}/api/v1   (OpenAPI: ${base}/api/v1/openapi.json)`,
    `  OFREP:     ${base}/ofrep/v1`,
    ...(options.dashboard !== false
      ? [`  dashboard: ${base}/dashboard/   (sign in with an admin, editor or viewer token)`]
      : []),
  ];
  if (token !== undefined) {
    if (options.adminTokenFile !== undefined) {
      writeFileSync(options.adminTokenFile, `${token}\n`, { mode: 0o600 });
      chmodSync(options.adminTokenFile, 0o600);
      lines.push(
        '',
        `First start: created an admin token in ${options.adminTokenFile}. Use it with:`,
        `  export ENSIGN_URL=${base} ENSIGN_TOKEN_FILE=${resolve(options.adminTokenFile)}`,
      );
    } else {
      lines.push(
        '',
        'First start: created an admin token. It is shown once:',
        `  export ENSIGN_URL=${base}`,
        `  export ENSIGN_TOKEN=${token}`,
      );
    }
  }
  lines.push('Stop with Ctrl+C.');
  context.output.result({ url, token: token ?? null }, () => lines.join('\n'));
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await backend.store.close();
  await backend.state.close();
  return EXIT.ok;
}
