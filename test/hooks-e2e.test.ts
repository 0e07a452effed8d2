/**
 * End to end: a real OpenFeature client on the Redis provider (flags in a real redis-server),
 * with the exposure and kill-switch hooks; exposures and `track()` conversions go through the
 * Redis stream sink and come back out as experiment results.
 */
import {
  ExposureHook,
  KillSwitchHook,
  type PipelineStats,
  RedisStreamSink,
  TrackingRecorder,
  analyzeExperiment,
  readExperimentEvents,
} from '@ensign/hooks';
import { RedisFlagStore, RedisProvider } from '@ensign/redis-provider';
import { type Client, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  });
});
