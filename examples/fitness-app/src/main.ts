/**
 * Runs the example app: `PORT` (default 3000), `HOST` (default 127.0.0.1), `REDIS_URL` to keep
 * the flags in Redis instead of in process, `FEATURE_FLAGS_OVERRIDE` /
 * `FEATURE_FLAGS_OVERRIDE_FILE` to force flags locally, and `ENSIGN_OFREP_URL` (with
 * `ENSIGN_WIDGET_SECRET`) to let open widgets follow flag changes from an Ensign server. Prints
 * where to look.
 */
import { pathToFileURL } from 'node:url';
import type { FlagStore } from '@ensign/store';
import { startFitnessApp } from './app.js';
import { listenFitnessHttp } from './http-server.js';
import type { LiveFlagsOptions } from './server.js';

/** Options of {@link main}. */
export interface FitnessMainOptions {
  /**
   * A store shared with something else in this process (the demo runs the Ensign server on the
   * same flags); the app does not close it.
   */
  store?: FlagStore;
}

/**
 * The widget-token secret of the demo (`npm start` gives the Ensign server the same one). It is
 * in the source, so it protects nothing: a deployment sets `ENSIGN_WIDGET_SECRET` from a secret
 * store, on the app and on the server.
 */
export const DEMO_WIDGET_SECRET = 'fitness-demo-widget-secret-do-not-deploy';

/** Live refresh from `ENSIGN_OFREP_URL` and `ENSIGN_WIDGET_SECRET` (the demo's when unset). */
export function liveFromEnv(env: NodeJS.ProcessEnv): LiveFlagsOptions | undefined {
  const url = env.ENSIGN_OFREP_URL || undefined;
  if (url === undefined) return undefined;
  const ttl = env.ENSIGN_WIDGET_TOKEN_TTL_SECONDS;
  return {
    url,
    widgetSecret: env.ENSIGN_WIDGET_SECRET || DEMO_WIDGET_SECRET,
    ...(ttl && { tokenTtlSeconds: Number(ttl) }),
  };
}

/** The running app, as `main` leaves it. */
export interface FitnessMain {
  /** Base URL of the app. */
  readonly url: string;
  /** Stops the app (also done on SIGINT/SIGTERM); resolves once it is stopped. */
  stop(): Promise<void>;
}

/** Starts the app from environment variables and prints its URLs; stops on SIGINT/SIGTERM. */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  options: FitnessMainOptions = {},
): Promise<FitnessMain> {
  const port = env.PORT === undefined ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`PORT must be a port number, got "${env.PORT}"`);
  }
  const redisUrl = env.REDIS_URL || undefined;
  const live = liveFromEnv(env);
  const app = await startFitnessApp({
    redisUrl,
    env,
    ...(options.store && { store: options.store }),
    ...(live && { live }),
  });
  const http = await listenFitnessHttp({ app, port, host: env.HOST || '127.0.0.1' }).catch(
    async (error: unknown) => {
      await app.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`port ${port} is in use: set PORT to another port (e.g. PORT=3001 npm start)`);
      }
      throw error;
    },
  );
  const where = redisUrl ? 'Redis (REDIS_URL)' : 'memory (set REDIS_URL for Redis)';
  console.log(`Fitness app (example ChatGPT app), flags in ${where}.`);
  console.log(`  Widget in a simulated ChatGPT host: ${http.url}/`);
  console.log(`  MCP endpoint (Streamable HTTP):     ${http.url}/mcp`);
  if (live) console.log(`  Open widgets follow flags live:     ${live.url}/ofrep/v1`);
  console.log('  Stop with Ctrl+C.');
  // One stop, however many callers (a signal and the demo): each waits for the same one.
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await http.close();
      await app.close();
    })();
    return stopped;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { url: http.url, stop };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
