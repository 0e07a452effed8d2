/**
 * The demo behind `npm start`: compiles the sample flag set and evaluates it for a few users,
 * printing what each would get and why, then starts the example ChatGPT app
 * (examples/fitness-app) on the in-memory store (on Redis when `REDIS_URL` is set) and prints the
 * URL of a page that shows its widget in a simulated ChatGPT host. `--no-server` stops after the
 * table.
 */
import { readFileSync } from 'node:fs';
import { type EvaluationContext, type FlagValueType, compileFlagSet } from '@ensign/core';
import { main as startFitnessApp } from '../examples/fitness-app/src/main.js';

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

if (!process.argv.includes('--no-server')) {
  console.log('');
  await startFitnessApp().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
