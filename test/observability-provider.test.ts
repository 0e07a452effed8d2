/**
 * Provider metrics through the real OpenTelemetry metrics SDK (in-memory exporter), over a real
 * `redis-server`: `instrumentFlagSets` reads `RedisProvider.syncStatus()` at collection, so the
 * flag set's version and flag count, the sync's state (ready, stale and for how long, time since
 * the last change, entries applied, reloads, failures) and the kill switches in force are
 * reported without any work on the evaluation path.
 */
import type { FlagSetDocument } from '@ensign/core';
import { ENSIGN_METRICS as M, instrumentFlagSets } from '@ensign/hooks';
import { RedisFlagStore, RedisProvider } from '@ensign/redis-provider';
import { killFlag } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHarness, metricsHarness, total } from '../packages/hooks/test/support/otel.js';
import { RedisServer } from './support/redis-server.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const SET = 'shop';
const document = (): FlagSetDocument => ({
  flags: {
    checkout: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'payments-enabled': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'ops', offVariant: 'off' },
    },
    'legacy-search': {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'kill-switch' },
    },
  },
});

let redis: RedisServer;
let writer: RedisFlagStore;
let provider: RedisProvider;
let otel: MetricsHarness;

async function until(
  check: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  redis = await RedisServer.start();
  writer = new RedisFlagStore({ url: redis.url, logger: quiet });
  await writer.replaceFlagSet(SET, document(), { actor: 'seed' });
  provider = new RedisProvider({
    store: new RedisFlagStore({ url: redis.url, logger: quiet }),
    flagSet: SET,
    logger: quiet,
    resyncIntervalMs: 500,
  });
  await provider.initialize();
  otel = metricsHarness();
  instrumentFlagSets({ meter: otel.meter, providers: [provider] });
});
afterAll(async () => {
  await otel?.shutdown();
  await provider?.onClose();
  await writer?.close();
  await redis?.stop();
});

describe(instrumentFlagSets.name, () => {
  it('reports the set, the sync and the kill switches in force, and their changes', async () => {
    const set = { 'feature_flag.set.id': SET, 'feature_flag.provider.name': 'ensign-redis' };
    let metrics = await otel.collect();
    expect(total(metrics, M.flagSetFlags.name, set)).toBe(3);
    expect(total(metrics, M.flagSetVersion.name, set)).toBe(1);
    expect(total(metrics, M.syncReady.name, set)).toBe(1);
    expect(total(metrics, M.syncState.name, { ...set, 'ensign.sync.state': 'live' })).toBe(1);
    expect(total(metrics, M.syncState.name, { ...set, 'ensign.sync.state': 'stale' })).toBe(0);
    expect(metrics.get(M.changeAge.name)?.unit).toBe('s');
    // A kill-switch flag that is DISABLED is in force; an ops flag that is on is not.
    expect(total(metrics, M.killSwitchActive.name, { 'feature_flag.key': 'legacy-search' })).toBe(1);
    expect(total(metrics, M.killSwitchActive.name, { 'feature_flag.key': 'payments-enabled' })).toBe(0);

    const killedAt = new Date(Date.now() - 120_000);
    await killFlag(writer, SET, 'payments-enabled', {
      actor: 'oncall',
      reason: 'INC-1',
      now: () => killedAt,
    });
    await until(async () => provider.version === 2, 'the kill to be applied');
    metrics = await otel.collect();
    expect(total(metrics, M.flagSetVersion.name, set)).toBe(2);
    expect(total(metrics, M.syncEntries.name, { ...set, 'ensign.sync.entry.outcome': 'applied' })).toBe(1);
    expect(total(metrics, M.killSwitchActive.name, { 'feature_flag.key': 'payments-enabled' })).toBe(1);
    // Timed from the kill's own `killedAt`, two minutes ago.
    const duration = total(metrics, M.killSwitchDuration.name, { 'feature_flag.key': 'payments-enabled' });
    expect(duration).toBeGreaterThanOrEqual(119);
    expect(duration).toBeLessThan(600);
    expect(total(metrics, M.changeAge.name, set)).toBeLessThan(60);

    await redis.kill9();
    await until(async () => provider.syncStatus().state === 'stale', 'the provider to go stale');
    await new Promise((r) => setTimeout(r, 50));
    metrics = await otel.collect();
    expect(total(metrics, M.syncStale.name, set)).toBe(1);
    expect(total(metrics, M.syncReady.name, set)).toBe(0);
    expect(total(metrics, M.staleDuration.name, set)).toBeGreaterThan(0);
    expect(total(metrics, M.syncFailures.name, set)).toBeGreaterThan(0);

    await redis.restart();
    await writer.replaceFlagSet(SET, document(), { actor: 'restore' });
    await until(
      async () => provider.syncStatus().state === 'live',
      () => `the provider to be live again: ${JSON.stringify(provider.syncStatus())}`,
    );
    metrics = await otel.collect();
    expect(total(metrics, M.syncStale.name, set)).toBe(0);
    expect(total(metrics, M.staleDuration.name, set)).toBe(0);
    expect(total(metrics, M.syncReloads.name, set)).toBeGreaterThan(0);
  });
});
