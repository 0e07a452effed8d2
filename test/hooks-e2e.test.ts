/**
 * End to end: a real OpenFeature client on the Redis provider (flags in a real redis-server),
 * with the exposure and kill-switch hooks; exposures and `track()` conversions go through the
 * Redis stream sink and come back out as experiment results. The last block runs the setup of
 * packages/hooks/README.md as written there: keep the two in step.
 */
import {
  type AuditLog,
  ExposureHook,
  KillSwitchHook,
  type PipelineStats,
  RedisStreamSink,
  TrackingRecorder,
  analyzeExperiment,
  combineHooks,
  readExperimentEvents,
} from '@ensign/hooks';
import { RedisFlagStore, RedisProvider } from '@ensign/redis-provider';
import { type Client, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from './support/redis-server.js';

describe('hooks end to end (OpenFeature client → RedisProvider → hooks → Redis stream → analysis)', () => {
  let server: RedisServer;
  let store: RedisFlagStore;
  let sinkClient: Redis;
  let exposures: ExposureHook;
  let killSwitches: KillSwitchHook;
  let client: Client;
  const lines: { message: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    error() {},
    info() {},
    debug() {},
    warn: (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message }),
    levels: { values: {} },
    child: () => logger,
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    store = new RedisFlagStore({ url: server.url });
    await store.putFlag(
      'shop',
      'checkout-exp',
      {
        state: 'ENABLED',
        variants: { control: false, treatment: true },
        defaultVariant: 'control',
        targeting: {
          fractional: [
            ['control', 50],
            ['treatment', 50],
          ],
        },
        metadata: { kind: 'experiment' },
      },
      { actor: 'alice' },
    );
    await store.putFlag(
      'shop',
      'payments-kill',
      {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { kind: 'kill-switch' },
      },
      { actor: 'alice' },
    );
    sinkClient = new Redis(server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    await sinkClient.connect();
    exposures = new ExposureHook({
      sinks: [new RedisStreamSink({ client: sinkClient })],
      flushIntervalMs: 50,
    });
    killSwitches = new KillSwitchHook({ logger, auditLog: store, intervalMs: 60_000 });
    const provider = new RedisProvider({
      store,
      flagSet: 'shop',
      trackingSink: new TrackingRecorder({ pipeline: exposures.pipeline, flagSetId: 'shop' }),
      closeStore: false,
    });
    await OpenFeature.setProviderAndWait('hooks-e2e', provider);
    client = OpenFeature.getClient('hooks-e2e').addHooks(exposures, killSwitches);
    killSwitches.attach(client);
  });

  afterAll(async () => {
    await exposures.close();
    await OpenFeature.clearProviders();
    await store.close();
    sinkClient.disconnect();
    await server.stop();
  });

  it('turns exposures and conversions into per-variant results read back from Redis', async () => {
    const expected = { control: { exposed: 0, converted: 0 }, treatment: { exposed: 0, converted: 0 } };
    for (let i = 0; i < 400; i++) {
      const targetingKey = `user-${i}`;
      for (let repeat = 0; repeat < 3; repeat++)
        await client.getBooleanDetails('checkout-exp', false, { targetingKey });
      const { variant, flagMetadata } = await client.getBooleanDetails('checkout-exp', false, {
        targetingKey,
      });
      expect(flagMetadata).toMatchObject({ flagSetId: 'shop' });
      const bucket = expected[variant as 'control' | 'treatment'];
      bucket.exposed++;
      // Treatment converts every 3rd user, control every 5th.
      if (i % (variant === 'treatment' ? 3 : 5) === 0) {
        client.track('purchase', { targetingKey }, { value: 10, flagKey: 'checkout-exp', variant: variant! });
        bucket.converted++;
      }
    }
    await exposures.flush();
    const stats: PipelineStats = exposures.stats().pipeline;
    expect(stats.dropped).toEqual({ queueFull: 0, sinkFailed: 0, closed: 0 });
    expect(exposures.stats().exposures).toBe(400); // 1,600 evaluations, one exposure per user

    const events = await readExperimentEvents(sinkClient, {
      key: 'exposures:{shop}',
      flagKey: 'checkout-exp',
      metric: 'purchase',
      pageSize: 128,
    });
    expect(events.exposures).toHaveLength(400);
    expect(events.conversions).toHaveLength(expected.control.converted + expected.treatment.converted);
    const result = analyzeExperiment({
      ...events,
      flagKey: 'checkout-exp',
      metric: 'purchase',
      control: 'control',
      weights: { control: 50, treatment: 50 },
    });
    expect(result.variants.map((v) => [v.variant, v.exposedUsers, v.convertedUsers])).toEqual([
      ['control', expected.control.exposed, expected.control.converted],
      ['treatment', expected.treatment.exposed, expected.treatment.converted],
    ]);
    expect(result.sampleRatio!.degreesOfFreedom).toBe(1);
  });

  it('logs a kill-switch flip from the change feed and the active switch with who flipped it', async () => {
    const changed = new Promise<void>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, () => resolve()),
    );
    await store.patchFlag('shop', 'payments-kill', { state: 'DISABLED' }, { actor: 'bob', reason: 'INC-7' });
    await changed;
    await new Promise((r) => setTimeout(r, 20));
    await killSwitches.idle();
    expect(lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/^kill switch "payments-kill" turned ON \(feature off\) by bob at .*: INC-7$/),
    );

    expect(await client.getBooleanValue('payments-kill', true, { targetingKey: 'user-1' })).toBe(true);
    await killSwitches.idle();
    const active = lines.filter((l) => l.message.startsWith('kill switch "payments-kill" is active'));
    expect(active).toHaveLength(1);
    expect(active[0]!.fields).toMatchObject({
      flagKey: 'payments-kill',
      flagSetId: 'shop',
      reason: 'DISABLED',
      flippedBy: 'bob',
      flipReason: 'INC-7',
    });
    expect(typeof active[0]!.fields.version).toBe('number');
  });

  it('logs two kill-switch flips made back to back each with its own actor and reason', async () => {
    const flips: { message: string; fields: Record<string, unknown> }[] = [];
    const flipLogger = {
      ...logger,
      warn: (fields: Record<string, unknown>, message: string) => void flips.push({ fields, message }),
    };
    let written: () => void = () => {};
    const bothWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    // The real store's audit log, read once both writes are in (as from a busier or more
    // distant Redis): when the first announcement is handled, the newest entry is the second flip.
    const auditLog: AuditLog = {
      history: async (flagSet, options) => {
        await bothWritten;
        return store.history(flagSet, options);
      },
    };
    const hook = new KillSwitchHook({ logger: flipLogger, auditLog });
    const detach = hook.attach(client);
    try {
      await store.patchFlag(
        'shop',
        'payments-kill',
        { state: 'ENABLED' },
        { actor: 'carol', reason: 'fixed' },
      );
      await store.patchFlag(
        'shop',
        'payments-kill',
        { state: 'DISABLED' },
        { actor: 'dave', reason: 'INC-8' },
      );
      written();
      await vi.waitFor(
        async () => {
          await hook.idle();
          expect(flips).toHaveLength(2);
        },
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      detach();
    }
    expect(flips.map((l) => l.message.replace(/ at \S+:/, ':'))).toEqual([
      'kill switch "payments-kill" turned OFF (feature back on) by carol: fixed',
      'kill switch "payments-kill" turned ON (feature off) by dave: INC-8',
    ]);
    expect(flips[1]!.fields.version).toBe((flips[0]!.fields.version as number) + 1);
  });
});

describe("the hooks README's setup, as documented (packages/hooks/README.md)", () => {
  it('turns evaluations and track() calls into per-variant results, with no warning', async () => {
    const server = await RedisServer.start();
    const admin = new RedisFlagStore({ url: server.url });
    await admin.putFlag(
      'shop',
      'new-checkout',
      {
        state: 'ENABLED',
        variants: { control: 'control', treatment: 'treatment' },
        defaultVariant: 'control',
        targeting: {
          fractional: [
            ['control', 50],
            ['treatment', 50],
          ],
        },
        metadata: { kind: 'experiment' },
      },
      { actor: 'alice' },
    );
    await admin.close();
    const logger = { error() {}, warn() {}, info() {}, debug() {} }; // the README passes pino()

    // ---- From the README's first example (REDIS_URL is the test server's URL). ----
    const store = new RedisFlagStore({ url: server.url });
    const sinkRedis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const exposures = new ExposureHook({
      sinks: [new RedisStreamSink({ client: sinkRedis, closeClient: true })],
    });
    const killSwitches = new KillSwitchHook({ logger, auditLog: store });
    await OpenFeature.setProviderAndWait(
      new RedisProvider({
        store,
        flagSet: 'shop',
        trackingSink: new TrackingRecorder({ pipeline: exposures.pipeline }),
      }),
    );
    OpenFeature.addHooks(combineHooks(exposures, killSwitches));
    killSwitches.attach(OpenFeature.getClient());

    const client = OpenFeature.getClient();
    const expected = { control: [0, 0], treatment: [0, 0] };
    for (let i = 0; i < 300; i++) {
      const user = { id: `user-${i}` };
      const checkout = await client.getStringValue('new-checkout', 'control', { targetingKey: user.id });
      const counts = expected[checkout as 'control' | 'treatment'];
      counts[0]!++;
      // Treatment converts every 2nd user, control every 4th.
      if (i % (checkout === 'treatment' ? 2 : 4) === 0) {
        client.track('purchase', { targetingKey: user.id }, { value: 42 });
        counts[1]!++;
      }
    }
    await exposures.close(); // the README's SIGTERM handler
    await OpenFeature.close();
    OpenFeature.clearHooks();

    // ---- From the README's "Experiment analysis" (any client on the same Redis). ----
    const redis = new Redis(server.url);
    try {
      const { exposures: seen, conversions } = await readExperimentEvents(redis, {
        key: 'exposures:{shop}',
        flagKey: 'new-checkout',
        metric: 'purchase',
        pageSize: 1000,
      });
      const result = analyzeExperiment({
        exposures: seen,
        conversions,
        flagKey: 'new-checkout',
        metric: 'purchase',
        control: 'control',
        weights: { control: 50, treatment: 50 },
      });
      expect(result.warnings).toEqual([]);
      expect(result.variants.map((v) => [v.variant, v.exposedUsers, v.convertedUsers])).toEqual([
        ['control', ...expected.control],
        ['treatment', ...expected.treatment],
      ]);
      expect(expected.treatment[1]).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
