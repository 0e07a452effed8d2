import type { FlagDefinition } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCluster } from '../../../test/support/redis-server.js';
import { RedisFlagStore, redisAclRules } from '../src/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag = (on: boolean): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: on ? 'on' : 'off',
});

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`${RedisFlagStore.name} on a 3-master Redis Cluster`, () => {
  let cluster: RedisCluster;
  let admin: Cluster;
  const stores: RedisFlagStore[] = [];

  /** Two set ids with `prefix` whose hash tags land on different masters. */
  async function twoSetsOnTwoMasters(prefix: string): Promise<[string, string]> {
    const sets: string[] = [];
    const owners = new Set<string>();
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']) {
      const candidate = prefix + name;
      const slot = Number(await admin.cluster('KEYSLOT', `flags:{${candidate}}:defs`));
      const owner = slot <= 5460 ? 'first' : slot <= 10922 ? 'second' : 'third';
      if (owners.has(owner)) continue;
      owners.add(owner);
      sets.push(candidate);
      if (sets.length === 2) break;
    }
    expect(sets).toHaveLength(2);
    return sets as [string, string];
  }

  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    admin = new Cluster(cluster.startupNodes);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await admin?.quit();
    await cluster?.stop();
  });

  const open = (pubsub: 'global' | 'sharded') => {
    const store = new RedisFlagStore({
      cluster: { startupNodes: cluster.startupNodes },
      pubsub,
      logger: silent,
    });
    stores.push(store);
    return store;
  };

  it('serves the documented reader ACL user (with its Cluster rules) on every node: load and the live feed', async () => {
    const acl = ['reader', 'on', '>pw', ...redisAclRules('reader', { cluster: true })];
    for (const node of cluster.nodes) expect(await node.cli('acl', 'setuser', ...acl)).toBe('OK');
    const writer = open('global');
    const reader = new RedisFlagStore({
      cluster: {
        startupNodes: cluster.startupNodes,
        options: { redisOptions: { username: 'reader', password: 'pw' } },
      },
      logger: silent,
    });
    stores.push(reader);
    await writer.putFlag('acl-set', 'a', flag(true));
    expect(await reader.load('acl-set')).toMatchObject({
      version: 1,
      document: { flags: { a: flag(true) } },
    });
    const versions: number[] = [];
    await reader.follow('acl-set', (await reader.load('acl-set')).position, (n) => versions.push(n.version));
    await writer.patchFlag('acl-set', 'a', { state: 'DISABLED' });
    await eventually(() => versions.length === 1, 'an entry');
    expect(versions).toEqual([2]);
    await expect(reader.putFlag('acl-set', 'b', flag(true))).rejects.toThrow(
      /may not write flag set "acl-set"/,
    );
  });

  for (const pubsub of ['global', 'sharded'] as const) {
    it(`writes, loads and announces two sets on different masters (${pubsub} pub/sub)`, async () => {
      const writer = open(pubsub);
      const reader = open(pubsub);
      const [one, two] = await twoSetsOnTwoMasters(pubsub === 'sharded' ? 's-' : 'g-');
      const notices: AuditEntry[] = [];
      await reader.follow(one, '', (n) => notices.push(n));
      await reader.follow(two, '', (n) => notices.push(n));

      await writer.putFlag(one, 'a', flag(true), { actor: 'ops' });
      await writer.replaceFlagSet(two, { flags: { b: flag(false), c: flag(true) } });
      await writer.patchFlag(one, 'a', { state: 'DISABLED' });
      await writer.deleteFlag(two, 'c');
      await writer.revert(one, 1);

      expect(await reader.load(one)).toMatchObject({ version: 3, document: { flags: { a: flag(true) } } });
      expect(await reader.load(two)).toMatchObject({ version: 2, document: { flags: { b: flag(false) } } });
      expect((await reader.history(one)).map((e) => e.operation)).toEqual(['revert', 'patch', 'put']);
      await eventually(() => notices.length === 5, 'five entries');
      expect(notices.filter((n) => n.flagSet === one).map((n) => n.version)).toEqual([1, 2, 3]);
      expect(notices.filter((n) => n.flagSet === two).map((n) => n.version)).toEqual([1, 2]);

      // Every key of a set lives on one master, and the two sets on two different masters.
      const holders = await Promise.all(
        [one, two].map(async (set) => {
          const slot = Number(await admin.cluster('KEYSLOT', reader.keys(set).defs));
          const counts = await Promise.all(
            admin.nodes('master').map((node) => node.cluster('COUNTKEYSINSLOT', slot) as Promise<number>),
          );
          // defs, meta, log and the write-id keys: all in one slot on one master.
          expect(counts.filter((c) => c > 0)).toHaveLength(1);
          return counts.findIndex((c) => c > 0);
        }),
      );
      expect(holders[0]).not.toBe(holders[1]);
    });
  }
});
