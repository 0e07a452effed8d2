/**
 * The demo behind `npm start`: compiles the sample flag set and evaluates it for a few users,
 * printing what each would get and why, then starts the example ChatGPT app
 * (examples/fitness-app) and, on the same flags, the Ensign server (admin API, OFREP,
 * dashboard), and prints their URLs and an admin token, so that `ensign kill bookings-enabled` from another terminal
 * turns bookings off in the running app, and `ensign kill cancel-booking` removes the Cancel
 * buttons from an open widget (live refresh: the server's OFREP event stream, widget tokens
 * sealed with `ENSIGN_WIDGET_SECRET`, the example's demo secret when unset). Flags live in one
 * in-memory store shared by both (on Redis when `REDIS_URL` is set). `--no-server` stops after
 * the table. `ENSIGN_PORT` picks the server's port (default 8080; a free one if that is taken).
 */
import { readFileSync } from 'node:fs';
import { type EvaluationContext, type FlagValueType, compileFlagSet } from '@ensign/core';
import { DASHBOARD_ASSETS_DIR } from '@ensign/dashboard';
import { RedisFlagStore } from '@ensign/redis-provider';
import {
  MemoryServerState,
  RedisServerState,
  type ServerState,
  createServer,
  issueToken,
} from '@ensign/server';
import { type FlagStore, MemoryFlagStore } from '@ensign/store';
import { DEMO_WIDGET_SECRET, main as startFitnessApp } from '../examples/fitness-app/src/main.js';

const path = new URL('../examples/flags/fitness.flags.json', import.meta.url);
const flags = compileFlagSet(JSON.parse(readFileSync(path, 'utf8')), { metadata: { version: 1 } });

const users: EvaluationContext[] = [
  { targetingKey: 'user-1', tier: 'free', country: 'US' },
  { targetingKey: 'user-2', tier: 'pro', country: 'DE', accountCreatedAt: '2026-03-14' },
  { targetingKey: 'user-3', tier: 'business', organization: 'acme-gyms', accountCreatedAt: '2025-06-01' },
  { targetingKey: 'user-4', tier: 'pro', country: 'US', accountCreatedAt: '2026-09-30T08:00:00Z' },
];
// Each flag with the type and default the example app evaluates it with. Kill switches are named
// for what `true` means (`bookings-enabled`), so `true` in this table reads as "working".
const typed: Record<string, [FlagValueType, boolean | string | number]> = {
  'cancel-booking': ['boolean', false],
  'booking-layout': ['string', 'list'],
  'bookings-enabled': ['boolean', false],
  'premium-classes': ['boolean', false],
  'max-bookings-per-week': ['number', 3],
  'new-search': ['boolean', false],
};

console.log(`Ensign demo: ${flags.size} flags from examples/flags/fitness.flags.json\n`);
console.log(`  ${'flag'.padEnd(24)} ${'value'.padEnd(9)} reason (variant)`);
for (const user of users) {
  console.log(`${user.targetingKey} ${JSON.stringify({ ...user, targetingKey: undefined })}`);
  for (const [key, [type, fallback]] of Object.entries(typed)) {
    const details = flags.evaluate(key, type, fallback, user);
    const variant = details.variant ? ` (${details.variant})` : '';
    console.log(`  ${key.padEnd(24)} ${String(details.value).padEnd(9)} ${details.reason}${variant}`);
  }
}

/** Starts the Ensign server on `store`; prints its URLs, an admin token and what to try. */
async function startEnsignServer(
  store: FlagStore,
  state: ServerState,
): Promise<{ url: string; stop: () => Promise<void> }> {
  // The secret the app seals widget tokens with (live refresh of open widgets).
  const widgetSecret = process.env.ENSIGN_WIDGET_SECRET || DEMO_WIDGET_SECRET;
  const server = await createServer({
    store,
    state,
    widgetSecret,
    dashboard: { assetsDir: DASHBOARD_ASSETS_DIR },
  });
  const wanted = process.env.ENSIGN_PORT === undefined ? 8080 : Number(process.env.ENSIGN_PORT);
  const url = await server.listen({ port: wanted }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    return server.listen({ port: 0 });
  });
  // A local demo: printing the token is the point (a real server prints it once, or writes a file).
  const { token } = await issueToken(state, { name: 'npm start', role: 'admin', createdBy: 'npm start' });
  console.log(`\nEnsign server on the same flags: ${url}`);
  console.log(`  admin API: ${url}/api/v1`);
  console.log(`  OFREP:     ${url}/ofrep/v1`);
  console.log(`  dashboard: ${url}/dashboard/ (sign in with the token below)`);
  console.log('  Turn bookings off (and on again) from another terminal:');
  console.log(`    export ENSIGN_URL=${url} ENSIGN_SET=fitness`);
  console.log(`    export ENSIGN_TOKEN=${token}`);
  console.log('    pnpm exec ensign kill bookings-enabled --reason "demo"');
  console.log('    pnpm exec ensign flag restore bookings-enabled');
  console.log('  Open widgets follow flags live (call list_bookings as acme-gyms, then):');
  console.log('    pnpm exec ensign kill cancel-booking --reason "demo"');
  return { url, stop: () => server.close() };
}

if (!process.argv.includes('--no-server')) {
  console.log('');
  const redisUrl = process.env.REDIS_URL || undefined;
  const store: FlagStore = redisUrl ? new RedisFlagStore({ url: redisUrl }) : new MemoryFlagStore();
  const state: ServerState = redisUrl ? new RedisServerState({ url: redisUrl }) : new MemoryServerState();
  let app: Awaited<ReturnType<typeof startFitnessApp>> | undefined;
  let stopServer: (() => Promise<void>) | undefined;
  try {
    // The server first: the app hands widgets its URL for live refresh.
    const ensign = await startEnsignServer(store, state);
    stopServer = ensign.stop;
    app = await startFitnessApp({ ENSIGN_OFREP_URL: ensign.url, ...process.env }, { store });
    const running = app;
    const stop = async () => {
      await running.stop();
      await ensign.stop();
      await state.close();
      await store.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await app?.stop();
    await stopServer?.();
    await Promise.allSettled([state.close(), store.close()]);
    process.exitCode = 1;
  }
}
