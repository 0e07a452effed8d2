/**
 * OFREP over the Redis store, with a real `redis-server`: two server instances behind one Redis
 * give the same answer and the same ETag for the same version and context, and a kill switch
 * written by a third party (as the admin API on another instance would) reaches an event-stream
 * client, whose re-fetch sees it even on the other instance.
 */
import { RedisFlagStore } from '@ensign/redis-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { MemoryServerState } from '../src/index.js';
import { closeServer } from './ofrep/close.js';
import { ofrepFlags } from './ofrep/flags.js';
import { SseReader } from './ofrep/sse-reader.js';
import { type TestServer, quiet, startServer } from './support/server.js';

const PUBLIC_URL = 'https://flags.example.com';
let redis: RedisServer;
let writer: RedisFlagStore;
let a: TestServer;
let b: TestServer;
const state = new MemoryServerState();

beforeAll(async () => {
  redis = await RedisServer.start();
  writer = new RedisFlagStore({ url: redis.url, logger: quiet });
  await writer.replaceFlagSet('shop', ofrepFlags(), { actor: 'seed' });
  const instance = () =>
    startServer(
      { shop: { flags: {} } },
      { store: new RedisFlagStore({ url: redis.url, logger: quiet }), state, publicUrl: PUBLIC_URL },
    );
  a = await instance();
  b = await instance();
});
afterAll(async () => {
  await closeServer(a);
  await closeServer(b);
  await writer?.close();
  await state.close();
  await redis?.stop();
});

interface BulkBody {
  flags: { key: string; value?: unknown; reason: string }[];
  metadata: { version: number };
  eventStreams: { url: string }[];
}

const bulk = async (t: TestServer, query = '', headers: Record<string, string> = {}) => {
  const answer = await t.call('POST', `/ofrep/v1/evaluate/flags${query}`, {
    token: a.tokens.server,
    body: { context: { targetingKey: 'u1', tier: 'pro' } },
    headers,
  });
  return { ...answer, body: answer.body as BulkBody };
};

describe('OFREP over Redis', () => {
  it('answers identically, ETag included, on every instance at the same version', async () => {
    const fromA = await bulk(a);
    const fromB = await bulk(b);
    expect(fromA.status).toBe(200);
    expect(fromA.body.flags.map((f) => f.key)).toHaveLength(7);
    expect(fromA.body).toEqual(fromB.body);
    expect(fromA.headers.get('etag')).toBe(fromB.headers.get('etag'));
    // A client that moves between instances keeps its 304s.
    expect((await bulk(b, '', { 'if-none-match': fromA.headers.get('etag')! })).status).toBe(304);
    expect(fromA.body.eventStreams[0]?.url.startsWith(`${PUBLIC_URL}/ofrep/v1/events?token=`)).toBe(true);
  });

  it('carries a kill switch written elsewhere to an event-stream client, whose re-fetch sees it', async () => {
    const first = await bulk(a);
    expect(first.body.flags.find((f) => f.key === 'kill-cart')?.value).toBe(true);
    const link = new URL(first.body.eventStreams[0]!.url);
    const reader = await SseReader.open(`${a.url}${link.pathname}${link.search}`);
    try {
      expect(reader.status).toBe(200);
      await writer.patchFlag(
        'shop',
        'kill-cart',
        { state: 'DISABLED' },
        { actor: 'oncall', reason: 'INC-1' },
      );
      const event = await reader.next();
      expect(event?.id).toBe(String(first.body.metadata.version + 1));
      const { etag, lastModified } = JSON.parse(event!.data) as { etag: string; lastModified: number };
      // The re-fetch lands on the other instance: it answers with the announced version or later.
      const query = `?flagConfigEtag=${encodeURIComponent(etag)}&flagConfigLastModified=${lastModified}`;
      const refetch = await bulk(b, query, { 'if-none-match': first.headers.get('etag')! });
      expect(refetch.status).toBe(200);
      expect(refetch.body.metadata.version).toBeGreaterThanOrEqual(first.body.metadata.version + 1);
      expect(refetch.body.flags.find((f) => f.key === 'kill-cart')).toMatchObject({ reason: 'DISABLED' });
      expect(refetch.body.flags.find((f) => f.key === 'kill-cart')).not.toHaveProperty('value');
    } finally {
      reader.close();
      await writer.patchFlag('shop', 'kill-cart', { state: 'ENABLED' }, { actor: 'oncall' });
    }
  });

  it('evaluates single flags from the followed set', async () => {
    const answer = await b.call('POST', '/ofrep/v1/evaluate/flags/checkout-layout', {
      token: b.tokens.server,
      body: { context: { targetingKey: 'u1', tier: 'pro' } },
    });
    expect(answer).toMatchObject({ status: 200, body: { value: 'grid', reason: 'TARGETING_MATCH' } });
  });
});
