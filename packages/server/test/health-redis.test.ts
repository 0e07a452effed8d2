/**
 * Readiness over a real `redis-server`: `/readyz` goes false when Redis is killed (the set's
 * sync goes stale) and true again when it is back, answered from the sync's cached state, while
 * `/healthz` stays true and `/metrics` shows the stale set and for how long.
 */
import { RedisFlagStore } from '@ensign/redis-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { ofrepFlags } from './ofrep/flags.js';
import { parseExposition, sampleSum } from './support/prometheus-text.js';
import { type TestServer, quiet, startServer } from './support/server.js';
import { until } from './support/webhook-receiver.js';

const SET = 'shop';
let redis: RedisServer;
let t: TestServer;

async function seed(): Promise<void> {
  const writer = new RedisFlagStore({ url: redis.url, logger: quiet });
  await writer.replaceFlagSet(SET, ofrepFlags(), { actor: 'seed' });
  await writer.close();
}

const status = async (path: string) => (await t.call('GET', path)).status;

beforeAll(async () => {
  redis = await RedisServer.start();
  await seed();
  // The first argument only names the set the evaluation tokens are bound to (the store is given).
  t = await startServer(
    { [SET]: ofrepFlags() },
    { store: new RedisFlagStore({ url: redis.url, logger: quiet }), flagSets: [SET] },
  );
});
afterAll(async () => {
  await t?.close();
  await redis?.stop();
});

describe('readiness over Redis', () => {
  it('goes false when Redis is killed and true when it is back', async () => {
    await until(async () => (await status('/readyz')) === 200, 'ready at start', 15_000);

    await redis.kill9();
    await until(async () => (await status('/readyz')) === 503, 'not ready with Redis down', 15_000);
    expect(await t.call('GET', '/readyz')).toMatchObject({ body: { status: 'not ready' } });
    expect(await status('/healthz')).toBe(200);
    const down = parseExposition(
      (await t.call('GET', '/metrics', { token: t.tokens.viewer })).body as string,
    );
    expect(sampleSum(down, 'ensign_flag_set_sync_stale', { feature_flag_set_id: SET })).toBe(1);
    expect(sampleSum(down, 'ensign_flag_set_sync_ready', { feature_flag_set_id: SET })).toBe(0);
    expect(
      sampleSum(down, 'ensign_flag_set_sync_stale_duration_seconds', { feature_flag_set_id: SET }),
    ).toBeGreaterThan(0);
    // The last good flags are still served while stale.
    const served = await t.call('POST', '/ofrep/v1/evaluate/flags/banner', {
      token: t.tokens.server,
      body: { context: { targetingKey: 'u1' } },
    });
    expect(served.status, JSON.stringify(served.body)).toBe(200);

    await redis.restart();
    await seed();
    await until(async () => (await status('/readyz')) === 200, 'ready again with Redis back', 30_000);
    const up = parseExposition((await t.call('GET', '/metrics', { token: t.tokens.viewer })).body as string);
    expect(sampleSum(up, 'ensign_flag_set_sync_stale', { feature_flag_set_id: SET })).toBe(0);
    expect(
      sampleSum(up, 'ensign_flag_set_sync_failures_total', { feature_flag_set_id: SET }),
    ).toBeGreaterThan(0);
  });
});
