/**
 * The Redis stream sink against a real redis-server: batched XADD with MAXLEN ~, the paged
 * reader, a Redis killed in the middle of a flush (evaluations unaffected, drops counted,
 * delivery resumes after restart), and the recommended fail-fast connection
 * (`enableOfflineQueue: false`) while it is not ready: at start-up, while Redis is down, at close.
 */
import {
  type AnalyticsEvent,
  ExposureHook,
  RedisStreamSink,
  type TrackingEvent,
  TrackingRecorder,
  readExperimentEvents,
} from '@ensign/hooks';
import { OpenFeature } from '@openfeature/server-sdk';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CoreProvider } from '../packages/hooks/test/support/core-provider.js';
import { details, hookContext } from '../packages/hooks/test/support/evaluations.js';
import { RedisCluster, RedisServer, freePort } from './support/redis-server.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

describe(RedisStreamSink.name, () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    // The sink's own connection: fail fast while Redis is down instead of queueing.
    redis = new Redis(server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    redis.on('error', () => {});
    await redis.connect();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
    await OpenFeature.clearProviders();
  });

  it.each(['script', 'pipeline'] as const)(
    'writes batches (%s mode) and reads them back page by page',
    async (mode) => {
      const sink = new RedisStreamSink({
        client: redis,
        maxLen: 1_000_000,
        mode,
        key: (e) => `${mode}:{${e.flagSetId}}`,
      });
      const events: AnalyticsEvent[] = [];
      for (let i = 0; i < 25; i++) {
        events.push({
          type: 'exposure',
          flagKey: i % 5 === 0 ? 'other' : 'exp',
          variant: i % 2 ? 'treatment' : 'control',
          reason: 'TARGETING_MATCH',
          targetingKey: `u${i}`,
          flagSetId: 'shop',
          version: 3,
          providerName: 'p',
          timestamp: 1000 + i,
        });
        events.push({
          type: 'tracking',
          eventName: i % 3 ? 'purchase' : 'signup',
          targetingKey: `u${i}`,
          value: i,
          flagSetId: 'shop',
          details: { currency: 'EUR' },
          timestamp: 2000 + i,
        });
      }
      await sink.write(events);
      expect(await server.cli('XLEN', `${mode}:{shop}`)).toBe('50');
      const { exposures, conversions } = await readExperimentEvents(redis, {
        key: `${mode}:{shop}`,
        flagKey: 'exp',
        metric: 'purchase',
        pageSize: 7,
      });
      expect(exposures).toEqual(events.filter((e) => e.type === 'exposure' && e.flagKey === 'exp'));
      expect(conversions).toEqual(events.filter((e) => e.type === 'tracking' && e.eventName === 'purchase'));

      const capped = new RedisStreamSink({ client: redis, key: `capped-${mode}`, maxLen: 100, mode });
      for (let i = 0; i < 10; i++) await capped.write(events.concat(events).concat(events).slice(0, 100));
      expect(Number(await server.cli('XLEN', `capped-${mode}`))).toBeLessThan(1_000); // trimmed (approximately) to 100
    },
  );

  it('keeps evaluations going when Redis dies mid-flush, counts the drops, and delivers again after restart', async () => {
    const provider = new CoreProvider(
      {
        flags: {
          exp: {
            state: 'ENABLED',
            variants: { a: 1, b: 2 },
            defaultVariant: 'a',
            targeting: {
              fractional: [
                ['a', 50],
                ['b', 50],
              ],
            },
          },
        },
      },
      'crash',
    );
    await OpenFeature.setProviderAndWait('redis-crash', provider);
    const hook = new ExposureHook({
      sinks: [new RedisStreamSink({ client: redis })],
      batchSize: 1_000,
      flushIntervalMs: 60_000,
      sinkTimeoutMs: 2_000,
      logger: quiet,
    });
    const client = OpenFeature.getClient('redis-crash').addHooks(hook);
    const tracking = new TrackingRecorder({ pipeline: hook.pipeline, flagSetId: 'crash' });
    const evaluate = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const details = await client.getNumberDetails('exp', 0, { targetingKey: `user-${i}` });
        expect(details.errorCode).toBeUndefined();
        expect([1, 2]).toContain(details.value);
      }
    };

    await evaluate(0, 3_000);
    const flushing = hook.flush(); // three batches of 1,000 start going out…
    await server.kill9(); // …and Redis dies under them
    await evaluate(3_000, 3_500); // evaluations do not notice
    tracking.track({ eventName: 'purchase', context: { targetingKey: 'user-1' } });
    await flushing;
    await hook.flush();
    const during = hook.stats();
    expect(during.exposures).toBe(3_500);
    expect(during.pipeline.dropped.sinkFailed).toBeGreaterThan(0);
    const sinkStats = during.pipeline.sinks.RedisStreamSink!;
    expect(sinkStats.delivered + sinkStats.failed).toBe(3_501);

    await server.restart();
    await new Promise<void>((resolve) =>
      redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
    );
    await evaluate(3_500, 3_600);
    tracking.track({ eventName: 'purchase', context: { targetingKey: 'user-3550' }, details: { value: 5 } });
    await hook.close();
    const after = hook.stats().pipeline.sinks.RedisStreamSink!;
    expect(after.delivered - sinkStats.delivered).toBe(101);
    expect(after.failed).toBe(sinkStats.failed);
    // The restarted server has no persistence: the stream holds exactly what was written since.
    expect(await server.cli('XLEN', 'exposures:{crash}')).toBe('101');
    const { conversions } = await readExperimentEvents(redis, { key: 'exposures:{crash}', flagKey: 'exp' });
    expect(conversions.map((c: TrackingEvent) => [c.targetingKey, c.value])).toEqual([['user-3550', 5]]);
  });
});

describe(`${RedisStreamSink.name} on Redis Cluster`, () => {
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    client = new Cluster(cluster.startupNodes, { enableOfflineQueue: true });
  });
  afterAll(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it.each(['script', 'pipeline'] as const)(
    'writes each flag set to its own slot-safe stream (%s mode)',
    async (mode) => {
      const sink = new RedisStreamSink({ client, mode, key: (e) => `${mode}:{${e.flagSetId}}` });
      const events: AnalyticsEvent[] = ['a', 'b', 'c', 'd'].flatMap((set) =>
        Array.from({ length: 5 }, (_, i) => ({
          type: 'exposure' as const,
          flagKey: 'f',
          variant: 'on',
          targetingKey: `${set}-${i}`,
          flagSetId: set,
          timestamp: i,
        })),
      );
      await sink.write(events);
      for (const set of ['a', 'b', 'c', 'd']) {
        const { exposures } = await readExperimentEvents(client, {
          key: `${mode}:{${set}}`,
          flagKey: 'f',
          pageSize: 2,
        });
        expect(exposures.map((e) => e.targetingKey)).toEqual([0, 1, 2, 3, 4].map((i) => `${set}-${i}`));
      }
    },
  );
});

describe(`${RedisStreamSink.name} on a fail-fast connection that is not ready`, () => {
  /** The connection the README recommends for the sink. */
  const failFast = (url: string) =>
    new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 20 });
  const recordingLogger = () => {
    const lines: { level: string; message: string }[] = [];
    const at = (level: string) => (message: unknown) => void lines.push({ level, message: String(message) });
    return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
  };
  const reconnects = (client: Redis, count: number) =>
    new Promise<void>((resolve) => {
      let seen = 0;
      const onReconnecting = () => {
        if (++seen < count) return;
        client.off('reconnecting', onReconnecting);
        resolve();
      };
      client.on('reconnecting', onReconnecting);
    });

  it('delivers a start-up burst sent before the connection is ready', async () => {
    const server = await RedisServer.start();
    const client = failFast(server.url); // connecting in the background, as in the README
    const hook = new ExposureHook({
      sinks: [new RedisStreamSink({ client, closeClient: true })],
      logger: quiet,
    });
    try {
      expect(client.status).not.toBe('ready');
      for (let i = 0; i < 2_000; i++) hook.finally(hookContext(`user-${i}`, 'exp'), details('exp', 'on'));
      await hook.close();
      expect(hook.stats().pipeline.dropped).toEqual({ queueFull: 0, sinkFailed: 0, closed: 0 });
      expect(await server.cli('XLEN', 'exposures:{default}')).toBe('2000');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('closes a client that cannot reach Redis (closeClient: true): close() resolves and reconnecting stops', async () => {
    const client = failFast(`redis://127.0.0.1:${await freePort()}`); // nothing listens there
    const sink = new RedisStreamSink({ client, closeClient: true, logger: quiet });
    await reconnects(client, 2);
    await expect(sink.close()).resolves.toBeUndefined();
    let attempts = 0;
    client.on('reconnecting', () => attempts++);
    await new Promise((r) => setTimeout(r, 200)); // ten retry intervals
    expect(attempts).toBe(0);
  });

  it('closes a client whose Redis was killed, and a flush that finds it down fails fast after one wait', async () => {
    const server = await RedisServer.start();
    const client = failFast(server.url);
    const hook = new ExposureHook({
      sinks: [new RedisStreamSink({ client, closeClient: true, readyTimeoutMs: 100, logger: quiet })],
      batchSize: 10,
      logger: quiet,
    });
    try {
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      await server.kill9();
      await reconnects(client, 1);
      for (let i = 0; i < 50; i++) hook.finally(hookContext(`user-${i}`, 'exp'), details('exp', 'on'));
      await hook.close();
      expect(hook.stats().pipeline.dropped.sinkFailed).toBe(50);
      let attempts = 0;
      client.on('reconnecting', () => attempts++);
      await new Promise((r) => setTimeout(r, 200));
      expect(attempts).toBe(0);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('logs connection errors at debug level, once per outage, not one console error per retry', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const { lines, logger } = recordingLogger();
    const client = failFast(`redis://127.0.0.1:${await freePort()}`); // no 'error' listener of its own
    const sink = new RedisStreamSink({ client, closeClient: true, logger });
    try {
      await reconnects(client, 3);
      expect(consoleError).not.toHaveBeenCalled();
      expect(lines).toEqual([{ level: 'debug', message: expect.stringContaining('connection error') }]);
    } finally {
      await sink.close();
      consoleError.mockRestore();
    }
  });
});
