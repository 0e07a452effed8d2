/**
 * `RedisServerState` against real `redis-server`s: the conformance suite as the least-privilege
 * state user (so the documented ACL line is enough, and nothing runs `KEYS` or `SCAN`), on a
 * single node and on a three-node Cluster; the documented key layout; scripts that find a key
 * changed by hand refuse before writing.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCluster, RedisServer } from '../../../test/support/redis-server.js';
import { RedisServerState, redisStateAclRules } from '../src/index.js';
import { testServerState } from '../src/state/testing/index.js';

let server: RedisServer;
let cluster: RedisCluster;
beforeAll(async () => {
  server = await RedisServer.start();
  expect(await server.cli('acl', 'setuser', 'state', 'on', '>state-pw', ...redisStateAclRules())).toBe('OK');
  cluster = await RedisCluster.start(3);
  for (const node of cluster.nodes)
    expect(
      await node.cli('acl', 'setuser', 'state', 'on', '>state-pw', ...redisStateAclRules({ cluster: true })),
    ).toBe('OK');
});
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

const asStateUser = () => new RedisServerState({ url: `redis://state:state-pw@127.0.0.1:${server.port}` });

testServerState(`${RedisServerState.name} (ACL user)`, async () => asStateUser(), {
  reopen: async (state) => {
    await state.close();
    return asStateUser();
  },
});

testServerState(
  `${RedisServerState.name} on a Cluster (ACL user)`,
  async () =>
    new RedisServerState({
      cluster: {
        startupNodes: cluster.startupNodes,
        options: { redisOptions: { username: 'state', password: 'state-pw' } },
      },
    }),
);

describe(RedisServerState.name, () => {
  it('keeps the documented key layout: one hash tag per namespace, one per lease', async () => {
    const state = new RedisServerState({ url: server.url, prefix: 'layout:' });
    try {
      await state.put('webhooks', 'wh_1', { url: 'https://example.com' });
      await state.increment('usage', 'tok_1', { calls: 2 });
      await state.acquireLease('webhooks:app', 'srv_a', 60_000);
      expect((await server.cli('keys', 'layout:*')).split('\n').sort()).toEqual([
        'layout:lease:{webhooks:app}',
        'layout:{usage}:ctr:tok_1',
        'layout:{webhooks}:doc:wh_1',
        'layout:{webhooks}:ids',
      ]);
      expect(await server.cli('hget', 'layout:{webhooks}:doc:wh_1', 'value')).toBe(
        '{"url":"https://example.com"}',
      );
      expect(await server.cli('hget', 'layout:lease:{webhooks:app}', 'owner')).toBe('srv_a');
      expect(await server.cli('smembers', 'layout:{webhooks}:ids')).toBe('wh_1');
      // An expired document leaves the index at the next list.
      await state.put('idem', 'k', 1, { ttlMs: 50 });
      await new Promise((r) => setTimeout(r, 120));
      expect(await state.list('idem')).toEqual(new Map());
      expect(await server.cli('exists', 'layout:{idem}:ids')).toBe('0');
    } finally {
      await state.close();
    }
  });

  it('refuses to write over keys changed by hand, writing nothing, with an error naming the key', async () => {
    const state = new RedisServerState({ url: server.url, prefix: 'hand:' });
    const raw = new Redis(server.url);
    try {
      await raw.set('hand:{webhooks}:ids', 'not a set');
      await expect(state.put('webhooks', 'wh_1', {})).rejects.toThrow(
        /key hand:\{webhooks\}:ids is a string, not a set .*nothing was written/,
      );
      expect(await raw.exists('hand:{webhooks}:doc:wh_1')).toBe(0);
      await raw.hset('hand:{usage}:ctr:t', 'calls', 'many');
      await expect(state.increment('usage', 't', { bytes: 1, calls: 1 })).rejects.toThrow(
        /calls .* is not a number/,
      );
      expect(await raw.hget('hand:{usage}:ctr:t', 'bytes')).toBeNull();
      await raw.hset('hand:lease:{l}', 'token', 'x');
      await expect(state.acquireLease('l', 'a', 1000)).rejects.toThrow(/not an integer; nothing was written/);
      expect(await raw.hget('hand:lease:{l}', 'owner')).toBeNull();
    } finally {
      raw.disconnect();
      await state.close();
    }
  });

  it('works again after SCRIPT FLUSH (EVAL fallback), and measures leases by Redis time', async () => {
    const state = asStateUser();
    try {
      expect(await server.cli('script', 'flush')).toBe('OK');
      expect(await state.put('after-flush', 'a', 1)).toBe(1);
      const [seconds] = (await server.cli('time')).split('\n');
      const lease = await state.acquireLease('after-flush', 'a', 10_000);
      expect(Math.abs(lease!.expiresAt - (Number(seconds) * 1000 + 10_000))).toBeLessThan(2_000);
    } finally {
      await state.close();
    }
  });

  it('refuses options that would mix its keys with the flags, or are ambiguous', () => {
    expect(() => new RedisServerState({ prefix: 'flags:', lazyConnect: true } as never)).toThrow(
      /must differ/,
    );
    expect(() => new RedisServerState({ prefix: 'a{b}:' })).toThrow(/option "prefix"/);
    expect(() => new RedisServerState({ url: server.url, cluster: { startupNodes: [] } })).toThrow(
      /give only one of the options/,
    );
  });
});
