/**
 * The write path under faults, against a real `redis-server` (through a TCP proxy where a reply
 * must be lost): every write is all or nothing whatever state the keys are in, and a write whose
 * reply was lost is applied once and reported as it happened.
 */
import type { FlagDefinition } from '@ensign/core';
import { FlagStoreError } from '@ensign/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { RedisFlagStore } from '../src/index.js';
import { isPermissionError } from '../src/redis/connection.js';
import { runWriteScript } from '../src/redis/scripts.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag = (on = true): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: on ? 'on' : 'off',
});

let server: RedisServer;
let store: RedisFlagStore;
let raw: Redis;
beforeAll(async () => {
  server = await RedisServer.start();
  store = new RedisFlagStore({ url: server.url, logger: silent });
  raw = new Redis(server.url);
});
afterAll(async () => {
  raw?.disconnect();
  await store?.close();
  await server?.stop();
});

/** Everything stored for a set, to compare before and after a refused write. */
async function dump(set: string): Promise<unknown> {
  const keys = store.keys(set);
  const read = async (key: string, kind: string, full: () => Promise<unknown>): Promise<unknown> =>
    (await raw.type(key)) === kind ? full() : raw.dump(key);
  const [defs, meta, log] = await Promise.all([
    read(keys.defs, 'hash', () => raw.hgetall(keys.defs)),
    read(keys.meta, 'hash', () => raw.hgetall(keys.meta)),
    read(keys.log, 'stream', () => raw.xrange(keys.log, '-', '+')),
  ]);
  return { defs, meta, log };
}

describe('RedisFlagStore writes are all or nothing', () => {
  const corruptions: [string, (set: string) => Promise<unknown>, RegExp][] = [
    [
      'a non-integer version in the meta hash',
      (set) => raw.hset(store.keys(set).meta, 'version', 'abc'),
      /"version" .* is not an integer/,
    ],
    [
      'a version with a fraction',
      (set) => raw.hset(store.keys(set).meta, 'version', '2.5'),
      /is not an integer/,
    ],
    [
      'a log key of the wrong type',
      async (set) => {
        await raw.del(store.keys(set).log);
        await raw.set(store.keys(set).log, 'x');
      },
      /:log is a string, not a stream/,
    ],
    [
      'a defs key of the wrong type',
      async (set) => {
        await raw.del(store.keys(set).defs);
        await raw.rpush(store.keys(set).defs, 'x');
      },
      /:defs is not a hash/,
    ],
    [
      'a stream at its maximum id',
      (set) => raw.xadd(store.keys(set).log, '18446744073709551615-18446744073709551615', 'x', 'y'),
      /ID|greater|equal/i,
    ],
  ];
  for (const [what, corrupt, message] of corruptions) {
    it(`refuses every write with ${what}, leaving flags, version, log and subscribers untouched`, async () => {
      const set = `corrupt-${what.replace(/\W+/g, '-')}`;
      await store.putFlag(set, 'a', flag());
      await corrupt(set);
      const before = await dump(set);
      const notices: string[] = [];
      const listener = new Redis(server.url);
      listener.on('message', (_c: string, m: string) => notices.push(m));
      await listener.subscribe(store.keys(set).changes);
      try {
        for (const write of [
          () => store.patchFlag(set, 'a', { state: 'DISABLED' }, { actor: 'oncall', reason: 'INC-1' }),
          () => store.putFlag(set, 'b', flag()),
          () => store.replaceFlagSet(set, { flags: { c: flag() } }),
        ]) {
          const error = await write().catch((e: unknown) => e);
          expect(error, what).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(message);
        }
        expect(await dump(set)).toEqual(before);
        await new Promise((r) => setTimeout(r, 50));
        expect(notices).toEqual([]);
      } finally {
        listener.disconnect();
      }
    });
  }

  it('names the set when the script refuses, as a FlagStoreError', async () => {
    const set = 'corrupt-named';
    await store.putFlag(set, 'a', flag());
    await raw.hset(store.keys(set).meta, 'version', 'x1');
    const error = await store.patchFlag(set, 'a', { state: 'DISABLED' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlagStoreError);
    expect((error as FlagStoreError).flagSet).toBe(set);
    expect((error as Error).message).toMatch(/flag set "corrupt-named"/);
  });

  it('refuses a malformed payload in the script itself (a caller that bypasses the TypeScript checks)', async () => {
    const set = 'payload';
    await store.putFlag(set, 'a', flag());
    const before = await dump(set);
    const keys = { ...store.keys(set), write: store.keys(set).write('w-payload') };
    const valid = {
      v: 1,
      all: false,
      put: ['a', JSON.stringify(flag(false))],
      del: [],
      meta: [],
      unset: [],
      entry: ['op', 'patch', 'actor', 'x', 'flagKey', 'a', 'before', 'null', 'after', 'null'],
      maxlen: 100,
      channel: store.keys(set).changes,
      notice: '{"flagSet":"payload","version":',
      publish: 'PUBLISH' as const,
    };
    const broken: Record<string, unknown>[] = [
      { entry: ['op', 'patch', 'reason', null] },
      { entry: ['op', 'patch', 'actor', 5] },
      { entry: ['op'] },
      { put: ['a'] },
      { maxlen: 1.5 },
      { publish: 'FLUSHALL' },
      { v: 'x' },
    ];
    for (const change of broken) {
      const payload = { ...valid, ...change } as never;
      await expect(runWriteScript(store.client, keys, payload), JSON.stringify(change)).rejects.toThrow(
        /ensign:/,
      );
    }
    expect(await dump(set)).toEqual(before);
  });
});

describe('RedisFlagStore writes whose reply is lost (ioredis re-sends after reconnecting)', () => {
  let proxy: TcpProxy;
  let viaProxy: RedisFlagStore;
  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
    viaProxy = new RedisFlagStore({ url: proxy.url, logger: silent });
  });
  afterAll(async () => {
    await viaProxy?.close();
    await proxy?.stop();
  });
  const isWrite = (request: Buffer) => /evalsha|eval/i.test(request.toString('latin1'));

  it('a compare-and-set write that committed is reported committed, applied once, with one audit entry', async () => {
    const set = 'lost-cas';
    await store.putFlag(set, 'a', flag());
    const dropped = proxy.dropReplyTo(isWrite);
    const result = await viaProxy.patchFlag(
      set,
      'a',
      { state: 'DISABLED' },
      { expectedVersion: 1, actor: 'oncall' },
    );
    await dropped;
    expect(proxy.stats.repliesDropped).toBeGreaterThanOrEqual(1);
    expect(result).toEqual({ version: 2 });
    expect(await store.version(set)).toBe(2);
    expect((await store.history(set)).map((e) => [e.version, e.actor])).toEqual([
      [2, 'oncall'],
      [1, 'unknown'],
    ]);
  });

  it('a write without an expected version, and a whole-set replace, are applied once', async () => {
    const set = 'lost-plain';
    await store.putFlag(set, 'a', flag());
    let dropped = proxy.dropReplyTo(isWrite);
    expect(await viaProxy.putFlag(set, 'b', flag())).toEqual({ version: 2 });
    await dropped;
    dropped = proxy.dropReplyTo(isWrite);
    expect(await viaProxy.replaceFlagSet(set, { flags: { c: flag() } })).toEqual({ version: 3 });
    await dropped;
    expect(await store.version(set)).toBe(3);
    expect((await store.history(set)).map((e) => e.operation)).toEqual(['replace', 'put', 'put']);
  });
});

describe('RedisFlagStore errors during an outage', () => {
  it('classifies an error that lists itself among its previous errors without recursing forever', () => {
    const error = new Error('EXECABORT Transaction discarded because of previous errors.') as Error & {
      previousErrors: unknown[];
    };
    error.previousErrors = [error, new Error('Connection is closed.')];
    expect(isPermissionError(error)).toBe(false);
    error.previousErrors.push(new Error('NOPERM this user has no permissions'));
    expect(isPermissionError(error)).toBe(true);
  });

  it('reports the real error of a load and a write while Redis is down, not a stack overflow', async () => {
    const down = await RedisServer.start();
    const port = down.port;
    await down.stop();
    const offline = new RedisFlagStore({
      redis: { port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null },
      logger: silent,
    });
    try {
      for (const attempt of [offline.load('x'), offline.putFlag('x', 'a', flag()), offline.version('x')]) {
        const error = (await attempt.catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(Error);
        expect(error.message).not.toMatch(/call stack/);
        expect(error.message).toMatch(/closed|writeable|ECONNREFUSED|enableOfflineQueue/i);
      }
    } finally {
      await offline.close();
    }
  });
});
