import { type FlagDefinition, compileFlagSet } from '@ensign/core';
import { testFlagStore } from '@ensign/store/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, killClients } from '../../../test/support/redis-server.js';
import { until } from '../../store/test/fixtures/harness.js';
import { RedisFlagStore } from '../src/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const boolFlag: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
};

let server: RedisServer;
beforeAll(async () => {
  // Small stream nodes so `MAXLEN ~` trims within a short test.
  server = await RedisServer.start({ args: ['--stream-node-max-entries', '4'] });
});
afterAll(async () => {
  await server?.stop();
});

testFlagStore(
  RedisFlagStore.name,
  async (options) => new RedisFlagStore({ url: server.url, ...options, logger: silent }),
);
testFlagStore(
  `${RedisFlagStore.name} (sharded pub/sub)`,
  async (options) => new RedisFlagStore({ url: server.url, pubsub: 'sharded', ...options, logger: silent }),
);

describe(RedisFlagStore.name, () => {
  const stores: RedisFlagStore[] = [];
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(clients.map((c) => c.quit()));
  });
  const open = (options: ConstructorParameters<typeof RedisFlagStore>[0] = {}) => {
    const store = new RedisFlagStore({ url: server.url, logger: silent, ...options });
    stores.push(store);
    return store;
  };

  it('lays a set out under one hash tag: defs, meta, log and a changes channel', async () => {
    const store = open({ prefix: 'ff:' });
    const { write, ...keys } = store.keys('app');
    expect(keys).toEqual({
      defs: 'ff:{app}:defs',
      meta: 'ff:{app}:meta',
      log: 'ff:{app}:log',
      changes: 'ff:{app}:changes',
    });
    expect(write('w1')).toBe('ff:{app}:write:w1');
    await store.replaceFlagSet('app', {
      flags: { a: boolFlag },
      metadata: { owner: 'x' },
      $evaluators: { e: true },
    });
    expect(await server.cli('hget', 'ff:{app}:defs', 'a')).toBe(JSON.stringify(boolFlag));
    expect(await server.cli('hget', 'ff:{app}:meta', 'version')).toBe('1');
    expect(await server.cli('hget', 'ff:{app}:meta', 'logpos')).toBe((await store.history('app'))[0]!.id);
    expect(await server.cli('hget', 'ff:{app}:meta', 'metadata')).toBe('{"owner":"x"}');
    expect(await server.cli('hget', 'ff:{app}:meta', '$evaluators')).toBe('{"e":true}');
    expect(await server.cli('xlen', 'ff:{app}:log')).toBe('1');
  });

  it('two clients racing on one set: N writes advance the version exactly N, all in the log', async () => {
    // Retries raised so that heavy contention on three shared flags cannot exhaust them.
    const a = open({ maxWriteRetries: 100 });
    const b = open({ maxWriteRetries: 100 });
    const set = 'race-two-clients';
    await a.putFlag(set, 'shared', boolFlag);
    const perWriter = 25;
    const writes = (store: RedisFlagStore, who: string) =>
      (async () => {
        for (let i = 0; i < perWriter; i++) {
          if (i % 2) await store.putFlag(set, `f${i % 3}`, boolFlag, { actor: who });
          else await store.patchFlag(set, 'shared', { metadata: { [who]: i } }, { actor: who });
        }
      })();
    await Promise.all([writes(a, 'a'), writes(b, 'b'), writes(a, 'a2'), writes(b, 'b2')]);
    const n = perWriter * 4 + 1;
    expect(await a.version(set)).toBe(n);
    const log = await b.history(set, { limit: 1000 });
    expect(log).toHaveLength(n);
    expect(log.map((e) => e.version)).toEqual(Array.from({ length: n }, (_, i) => n - i));
    for (const who of ['a', 'b', 'a2', 'b2'])
      expect(log.filter((e) => e.actor === who)).toHaveLength(perWriter);
    // Each audit entry's "before" is exactly the previous entry's "after" for that flag.
    const last = new Map<string, unknown>();
    for (const entry of [...log].reverse()) {
      expect(entry.before).toEqual(last.get(entry.flagKey!) ?? null);
      last.set(entry.flagKey!, entry.after);
    }
  });

  it('a flag corrupted by hand breaks only itself: loaded raw, warned about, isolated by the evaluator', async () => {
    const warnings: string[] = [];
    const store = open({
      logger: { ...silent, warn: (...args: unknown[]) => warnings.push(args.join(' ')) },
    });
    await store.putFlag('hand', 'good', boolFlag);
    const { defs } = store.keys('hand');
    await server.cli('hset', defs, 'broken', '{"state": "ENABLED", variants');
    await server.cli('hset', defs, 'wrong', '{"state":"ON","variants":{"a":1}}');
    const snapshot = await store.load('hand');
    expect(snapshot.document.flags.good).toEqual(boolFlag);
    expect(snapshot.document.flags.broken).toBe('{"state": "ENABLED", variants');
    expect(warnings.some((w) => w.includes('"hand"') && w.includes('flag "broken" cannot be read'))).toBe(
      true,
    );
    expect(warnings.some((w) => w.includes('flag "wrong" is invalid'))).toBe(true);
    const compiled = compileFlagSet(snapshot.document, { invalidFlags: 'isolate' });
    expect(compiled.evaluate('good', 'boolean', false).value).toBe(true);
    expect(compiled.evaluate('broken', 'boolean', false)).toMatchObject({
      value: false,
      errorCode: 'PARSE_ERROR',
    });
    expect(compiled.evaluate('wrong', 'number', 0)).toMatchObject({ errorCode: 'PARSE_ERROR' });
    // The same problems are not repeated on every load.
    const count = warnings.length;
    await store.load('hand');
    expect(warnings).toHaveLength(count);
    await expect(store.patchFlag('hand', 'broken', { state: 'DISABLED' })).rejects.toThrow(
      /replace it with putFlag/,
    );
    // Writes to other flags still go through; the broken one can be overwritten.
    await store.putFlag('hand', 'other', boolFlag);
    await store.putFlag('hand', 'broken', boolFlag);
    expect((await store.load('hand')).document.flags.broken).toEqual(boolFlag);
    await expect(
      store.putFlag('hand', 'fresh', { state: 'ON' } as unknown as FlagDefinition),
    ).rejects.toThrow(/invalid flag set/);
  });

  it('writes through EVALSHA and reloads the script after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
    const store = open();
    await store.putFlag('flush', 'a', boolFlag);
    expect(await server.cli('script', 'flush')).toBe('OK');
    await store.putFlag('flush', 'b', boolFlag);
    expect(await store.version('flush')).toBe(2);
  });

  it('uses a client it was given without closing it, and closes only its own feed connection', async () => {
    const client = new Redis(server.url);
    clients.push(client);
    const store = new RedisFlagStore({ client, logger: silent });
    await store.follow('borrowed', '', () => {});
    await store.putFlag('borrowed', 'a', boolFlag);
    const before = Number((await server.cli('info', 'clients')).match(/connected_clients:(\d+)/)![1]);
    await store.close();
    expect(client.status).toBe('ready');
    expect(await client.hget(store.keys('borrowed').meta, 'version')).toBe('1');
    const after = Number((await server.cli('info', 'clients')).match(/connected_clients:(\d+)/)![1]);
    expect(after).toBe(before - 1);
  });

  it('reports an interrupted feed and its resumption, and delivers every entry, also those written meanwhile', async () => {
    const store = open();
    const writer = open();
    const set = 'resume';
    const events: string[] = [];
    const versions: number[] = [];
    await store.follow(set, '', (e) => versions.push(e.version), {
      onInterrupt: () => events.push('interrupt'),
      onResume: () => events.push('resume'),
    });
    await writer.putFlag(set, 'a', boolFlag);
    await until(() => versions.length === 1, 'the first entry');
    await killClients(server, 'xread');
    await writer.putFlag(set, 'b', boolFlag);
    await writer.putFlag(set, 'c', boolFlag);
    await until(() => events.includes('resume') && versions.length === 3, 'resumption and the entries');
    expect(events).toEqual(['interrupt', 'resume']);
    expect(versions).toEqual([1, 2, 3]);
  });

  for (const pubsub of ['global', 'sharded'] as const) {
    it(`publishes the previous release's notice on every write, for its providers during an upgrade (${pubsub})`, async () => {
      const store = open({ pubsub });
      const set = `notices-${pubsub}`;
      const subscriber = new Redis(server.url);
      clients.push(subscriber);
      const notices: unknown[] = [];
      const channel = store.keys(set).changes;
      subscriber.on('message', (_c: string, m: string) => notices.push(JSON.parse(m)));
      subscriber.on('smessage', (_c: string, m: string) => notices.push(JSON.parse(m)));
      if (pubsub === 'sharded') await subscriber.ssubscribe(channel);
      else await subscriber.subscribe(channel);
      await store.putFlag(set, 'a', boolFlag);
      await store.replaceFlagSet(set, { flags: {} });
      await until(() => notices.length === 2, 'two notices');
      expect(notices).toEqual([
        { flagSet: set, operation: 'put', flagKeys: ['a'], version: 1 },
        { flagSet: set, operation: 'replace', version: 2 },
      ]);
    });
  }
});
