/**
 * `pnpm flip <change>`: flips the demo's flags from a terminal.
 *
 * - With `REDIS_URL`, it writes to Redis directly (audited as actor `flip-cli`); every app
 *   instance on that Redis applies the change within milliseconds.
 * - Without it, it asks the running app's loopback-only `/demo/flags` endpoint (the flags live in
 *   that process's memory), at `FITNESS_URL` (default `http://127.0.0.1:3000`).
 *
 * Changes: `show`, `kill` (disable `bookings-enabled`: maintenance), `revive` (enable it again),
 * `rollout <0..100>`.
 */
import { RedisFlagStore } from '@ensign/redis-provider';
import { type DemoChange, type DemoFlagState, applyDemoChange, readDemoFlags } from './demo-controls.js';
import { CONTROLS_PATH } from './http-server.js';

const USAGE =
  'usage: pnpm flip show | kill | revive | rollout <0..100>   (REDIS_URL → Redis, else the running app)';

/** Parses the command line; `undefined` means `show`. */
function parseFlipArgs(args: readonly string[]): DemoChange | undefined {
  const [action, value] = args;
  if (action === undefined || action === 'show') return undefined;
  if (action === 'kill' || action === 'revive') return { action };
  if (action === 'rollout' && value !== undefined && /^\d+$/.test(value))
    return { action, percent: Number(value) };
  throw new TypeError(USAGE);
}

async function viaRedis(url: string, change: DemoChange | undefined): Promise<DemoFlagState> {
  const store = new RedisFlagStore({ url });
  try {
    if (change) await applyDemoChange(store, change, 'flip-cli');
    return await readDemoFlags(store);
  } finally {
    await store.close();
  }
}

async function viaApp(baseUrl: string, change: DemoChange | undefined): Promise<DemoFlagState> {
  const url = new URL(CONTROLS_PATH, baseUrl);
  const response = await fetch(
    url,
    change
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) }
      : {},
  ).catch((error: unknown) => {
    throw new Error(`no fitness app answers at ${baseUrl} (start it with npm start, or set FITNESS_URL)`, {
      cause: error,
    });
  });
  const body = (await response.json()) as DemoFlagState & { error?: string };
  if (!response.ok) throw new Error(`${url}: ${body.error ?? response.status}`);
  return body;
}

async function flip(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const change = parseFlipArgs(args);
  const state = env.REDIS_URL
    ? await viaRedis(env.REDIS_URL, change)
    : await viaApp(env.FITNESS_URL || 'http://127.0.0.1:3000', change);
  const rollout = state.cancelRolloutPercent === undefined ? '?' : `${state.cancelRolloutPercent}%`;
  console.log(
    `flag set "fitness" v${state.version}: bookings-enabled ${state.killed ? 'off (kill switch active: maintenance)' : 'on'}, cancel-booking rollout ${rollout}`,
  );
}

flip(process.argv.slice(2), process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
