/**
 * Retention and erasure of raw events in a real Redis stream: `RedisStreamSink`'s `maxAgeMs`
 * trims entries older than the limit (`XTRIM MINID`) in both modes, and `eraseSubjectEvents`
 * deletes one subject's entries (an over-long key matched by its stand-in) and nothing else.
 */
import { type AnalyticsEvent, EventPipeline, RedisStreamSink, eraseSubjectEvents } from '@ensign/hooks';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from './support/redis-server.js';

const exposure = (targetingKey: string, i: number): AnalyticsEvent => ({
  type: 'exposure',
  flagKey: 'checkout',
  variant: i % 2 === 0 ? 'on' : 'off',
  targetingKey,
  flagSetId: 'shop',
  timestamp: 1_000 + i,
});

describe('raw event retention and erasure', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it.each(['script', 'pipeline'] as const)('trims entries older than maxAgeMs (%s mode)', async (mode) => {
    const key = `retention-${mode}`;
    // Entries "written" an hour ago: explicit old ids, as XADD * would have given then.
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 250; i++) await redis.xadd(key, `${old + i}-0`, 't', 'exposure', 'tk', `old-${i}`);
    const sink = new RedisStreamSink({ client: redis, key, mode, maxAgeMs: 60_000 });
    await sink.write([exposure('fresh-1', 0), exposure('fresh-2', 1)]);
    const left = await redis.xrange(key, '-', '+');
    // MINID ~ trims whole radix-tree nodes (about 100 entries): the fresh entries always stay,
    // and at most one node's worth of old ones.
    expect(left.filter(([, f]) => f.includes('fresh-1') || f.includes('fresh-2'))).toHaveLength(2);
    expect(left.length).toBeLessThan(2 + 120);
    expect(() => new RedisStreamSink({ client: redis, maxAgeMs: 0 })).toThrow(/maxAgeMs/);
  });

  it("erases one subject's entries, page by page, and nothing else", async () => {
    const key = 'exposures:{shop}';
    const long = `user-${'x'.repeat(400)}`;
    const sink = new RedisStreamSink({ client: redis });
    // Through the pipeline, as the hooks send them: the over-long key is stored as its stand-in.
    const pipeline = new EventPipeline({ sinks: [sink], maxQueueSize: 5_000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 2_500; i++) pipeline.push(exposure(i % 10 === 0 ? 'erase-me' : `user-${i}`, i));
    pipeline.push(exposure(long, 1));
    pipeline.push({
      type: 'tracking',
      eventName: 'purchase',
      targetingKey: 'erase-me',
      flagSetId: 'shop',
      timestamp: 9,
    });
    await pipeline.close();
    expect(await redis.xlen(key)).toBe(2_502);
    const result = await eraseSubjectEvents(redis, { key, targetingKey: 'erase-me', pageSize: 300 });
    expect(result).toEqual({ scanned: 2_502, deleted: 251 });
    const rest = await redis.xrange(key, '-', '+');
    expect(rest).toHaveLength(2_251);
    expect(rest.some(([, fields]) => fields.includes('erase-me'))).toBe(false);
    expect(rest.some(([, fields]) => fields.some((f) => f.startsWith('user-xxxx') && f.includes('#')))).toBe(
      true,
    );
    expect(await eraseSubjectEvents(redis, { key, targetingKey: long })).toEqual({
      scanned: 2_251,
      deleted: 1,
    });
    await expect(eraseSubjectEvents(redis, { key, targetingKey: '' })).rejects.toThrow(/targetingKey/);
  });
});
