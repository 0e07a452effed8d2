/**
 * Guarded rollouts on a real redis-server (`RedisFlagStore`, `RedisServerState`): two
 * controllers racing for one plan, a controller that dies mid-step and another that takes over,
 * a person editing the flag during a rollout, Redis restarted mid-rollout (with its append-only
 * file), and the full path from an OpenFeature client on the `RedisProvider` through the
 * `ExposureHook`, `track()` and the `MetricsAggregator` (as a metrics-only ACL user) to an
 * automatic rollback.
 */
import type { FlagDefinition } from '@ensign/core';
import {
  ExposureHook,
  METRIC_RECORDS,
  MetricsAggregator,
  RedisStreamSink,
  TrackingRecorder,
  combineHooks,
  metricsNamespace,
} from '@ensign/hooks';
import { RedisFlagStore, RedisProvider } from '@ensign/redis-provider';
import { RolloutController, type RolloutRecord, getRollout, startRollout } from '@ensign/rollouts';
import { RedisServerState, redisMetricsAclRules } from '@ensign/server';
import { type FlagStore, rolloutWeightsOf, setRolloutWeights } from '@ensign/store';
import { OpenFeature } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../packages/hooks/test/support/random.js';
import { RedisServer } from './support/redis-server.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const split = (name: string): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: {
    fractional: [
      ['on', 0],
      ['off', 100],
    ],
  },
  metadata: { owner: name },
});
const fastPlan = (flagKey: string, extra: Record<string, unknown> = {}) => ({
  flagKey,
  release: 'on',
  replace: 'off',
  stages: [{ percent: 10 }, { percent: 30 }, { percent: 60 }, { percent: 100 }],
  guardrails: [],
  ...extra,
});

let server: RedisServer;
let store: RedisFlagStore;
let state: RedisServerState;
beforeAll(async () => {
  // Durable, as production Redis holding plans should be: restarts keep what was acknowledged.
  server = await RedisServer.start({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  store = new RedisFlagStore({ url: server.url, logger: quiet });
  state = new RedisServerState({ url: server.url });
});
afterAll(async () => {
  await OpenFeature.clearProviders();
  await store?.close();
  await state?.close();
  await server?.stop();
});

const controller = (
  owner: string,
  options: Partial<ConstructorParameters<typeof RolloutController>[0]> = {},
) =>
  new RolloutController({
    store,
    state,
    owner,
    leaseTtlMs: 1_500,
    intervalMs: 100,
    logger: quiet,
    ...options,
  });
const record = async (flagKey: string): Promise<RolloutRecord> =>
  (await getRollout({ store, state }, 'shop', flagKey)).record;
const writesBy = async (actor: string, flagKey: string) =>
  (await store.history('shop', { flagKey, limit: 100 })).filter((e) => e.actor === actor).reverse();

describe('rollouts on Redis', () => {
  it('two controllers racing tick for tick: one acts per round, each stage written exactly once', async () => {
    await store.putFlag('shop', 'race', split('race'), { actor: 'seed' });
    await startRollout({ store, state }, 'shop', fastPlan('race'), { actor: 'alice' });
    const a = controller('ctl-a');
    const b = controller('ctl-b');
    for (let round = 0; round < 8; round++) {
      const [x, y] = await Promise.all([a.tick(), b.tick()]);
      expect(Number(x.leader) + Number(y.leader)).toBe(1);
    }
    expect((await record('race')).status).toBe('completed');
    const writes = await writesBy('rollout:race', 'race');
    expect(writes.map((w) => rolloutWeightsOf(w.after as FlagDefinition))).toEqual([
      { on: 1000, off: 9000 },
      { on: 3000, off: 7000 },
      { on: 6000, off: 4000 },
      { on: 10_000, off: 0 },
    ]);
    await a.stop();
    await b.stop();
  });

  it('a controller that dies between recording and writing a step is taken over: the step is made once', async () => {
    await store.putFlag('shop', 'crash', split('crash'), { actor: 'seed' });
    const slow = { stages: [{ percent: 10, minDuration: '1h' }, { percent: 100 }] };
    await startRollout({ store, state }, 'shop', fastPlan('crash', slow), { actor: 'alice' });
    let reached!: () => void;
    const arrived = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // The dying controller's flag writes never return: the process is gone.
    const dying = new Proxy(store, {
      get(target, property) {
        if (property === 'putFlag')
          return () => {
            reached();
            return new Promise<never>(() => {});
          };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as FlagStore;
    void controller('ctl-dying', { store: dying }).tick();
    await arrived;
    expect((await record('crash')).pending).toMatchObject({ kind: 'stage', stage: 0 });
    const successor = controller('ctl-successor');
    try {
      expect((await successor.tick()).leader).toBe(false); // the dead one's lease still runs
      await sleep(1_700);
      expect((await successor.tick()).leader).toBe(true);
      const after = await record('crash');
      expect(after).toMatchObject({ stage: 0, status: 'running' });
      expect(after.pending).toBeUndefined();
      expect(await writesBy('rollout:crash', 'crash')).toHaveLength(1);
    } finally {
      await successor.stop();
    }
  });

  it('pauses when a person edits the flag mid-rollout, and never overwrites the edit', async () => {
    await store.putFlag('shop', 'edited', split('edited'), { actor: 'seed' });
    await startRollout(
      { store, state },
      'shop',
      fastPlan('edited', { stages: [{ percent: 10, minDuration: '1h' }, { percent: 100 }] }),
      { actor: 'alice' },
    );
    const c = controller('ctl-edit');
    await c.tick();
    await setRolloutWeights(
      store,
      'shop',
      'edited',
      { on: 0, off: 100 },
      { actor: 'bob', reason: 'rollback by hand' },
    );
    await c.tick();
    await c.tick();
    const paused = await record('edited');
    expect(paused.status).toBe('paused');
    expect(paused.reason).toMatch(/changed by bob at version \d+ \(rollback by hand\)/);
    expect(rolloutWeightsOf((await store.load('shop')).document.flags.edited!)).toEqual({ on: 0, off: 100 });
    await c.stop();
  });

  it('survives a Redis restart mid-rollout: the plan is where it was and advances after', async () => {
    await store.putFlag('shop', 'restart', split('restart'), { actor: 'seed' });
    await startRollout({ store, state }, 'shop', fastPlan('restart'), { actor: 'alice' });
    const c = controller('ctl-restart');
    await c.tick();
    expect((await record('restart')).stage).toBe(0);
    await server.restart();
    // Redis is back with its data; the clients reconnect by themselves.
    const deadline = Date.now() + 15_000;
    while (
      (await record('restart').catch(() => undefined))?.status !== 'completed' &&
      Date.now() < deadline
    ) {
      await c.tick().catch(() => undefined);
      await sleep(50);
    }
    expect((await record('restart')).status).toBe('completed');
    const writes = await writesBy('rollout:restart', 'restart');
    expect(writes).toHaveLength(4); // every stage once, none lost or repeated
    await c.stop();
  });
});

describe('the full path: OpenFeature client → ExposureHook, track() → MetricsAggregator → controller', () => {
  it('rolls back a release whose users hit more errors, from real evaluations and events', async () => {
    expect(
      await server.cli('acl', 'setuser', 'metrics', 'on', '>metrics-pw', ...redisMetricsAclRules()),
    ).toBe('OK');
    const metricsState = new RedisServerState({ url: `redis://metrics:metrics-pw@127.0.0.1:${server.port}` });
    // The metrics user adds to counters and can do nothing else: no flag write, no document read.
    await expect(metricsState.put('rollouts:shop', 'x', {})).rejects.toThrow(/NOPERM/);
    const asMetrics = new Redis(`redis://metrics:metrics-pw@127.0.0.1:${server.port}`);
    await expect(asMetrics.hset('flags:{shop}:defs', 'x', '{}')).rejects.toThrow(/NOPERM/);
    asMetrics.disconnect();

    await store.putFlag('shop', 'new-search', split('new-search'), { actor: 'seed' });
    await startRollout(
      { store, state },
      'shop',
      {
        flagKey: 'new-search',
        release: 'on',
        replace: 'off',
        stages: [{ percent: 20, minDuration: '1h', minUnitsPerArm: 100 }, { percent: 100 }],
        guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase' }],
        minUnitsForTests: 100,
      },
      { actor: 'alice' },
    );
    const c = controller('ctl-full');
    await c.tick(); // stage 1: 20%
    const streamClient = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const metrics = new MetricsAggregator({ sink: metricsState, autoFlush: false, logger: quiet });
    const exposures = new ExposureHook({
      sinks: [new RedisStreamSink({ client: streamClient })],
      flushIntervalMs: 50,
    });
    const tracking = new TrackingRecorder({
      sinks: [new RedisStreamSink({ client: streamClient }), metrics],
      flagSetId: 'shop',
      flushIntervalMs: 50,
    });
    const provider = new RedisProvider({
      store: new RedisFlagStore({ url: server.url, logger: quiet }),
      flagSet: 'shop',
      trackingSink: tracking,
      closeStore: true,
    });
    await OpenFeature.setProviderAndWait('full-path', provider);
    const client = OpenFeature.getClient('full-path');
    client.addHooks(combineHooks(exposures, metrics));
    // The provider must serve the controller's stage-1 definition (its cohort) before traffic.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const details = await client.getBooleanDetails('new-search', false, { targetingKey: 'probe' });
      if (details.flagMetadata.metricsCohort !== undefined) break;
      await sleep(25);
    }
    const random = new Random(42);
    let rolledBack = false;
    for (let batch = 0; batch < 40 && !rolledBack; batch++) {
      for (let i = 0; i < 250; i++) {
        const user = `user-${batch}-${i}`;
        const on = await client.getBooleanValue('new-search', false, { targetingKey: user });
        if (random.next() < (on ? 0.08 : 0.01)) client.track('error', { targetingKey: user });
      }
      await tracking.flush();
      await metrics.flush();
      await c.tick();
      rolledBack = (await record('new-search')).status === 'rolled-back';
    }
    const done = await record('new-search');
    expect(done.status).toBe('rolled-back');
    expect(done.reason).toMatch(/^error: the anytime-valid test shows harm/);
    const [entry] = await store.history('shop', { flagKey: 'new-search', limit: 1 });
    expect(entry).toMatchObject({ actor: 'rollout:new-search' });
    expect(rolloutWeightsOf(entry!.after as FlagDefinition)).toEqual({ on: 0, off: 10_000 });
    // The aggregates came from the aggregator's increments, never from the raw stream.
    const units = await state.counters(
      metricsNamespace('shop'),
      METRIC_RECORDS.units('new-search', 'new-search.1'),
    );
    expect(units['x|on']).toBeGreaterThan(100);
    expect(await streamClient.xlen('exposures:{shop}')).toBeGreaterThan(0);
    await exposures.close();
    await tracking.close();
    await metrics.close();
    await OpenFeature.clearProviders();
    streamClient.disconnect();
    await metricsState.close();
    await c.stop();
  });
});
