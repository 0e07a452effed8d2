/// <reference types="node" />
/**
 * One conformance suite for every `ServerState` (as `@ensign/store/testing` is for flag stores):
 * the memory state and the Redis state run exactly these tests, so they cannot drift apart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerState } from '../server-state.js';

/** Options of {@link testServerState}. */
export interface ServerStateConformanceOptions {
  /**
   * Closes `state` and opens another over the same storage, as a server restart would; the
   * durability tests run only when this is given.
   */
  reopen?: (state: ServerState) => Promise<ServerState>;
}

let sequence = 0;
/** A fresh name per test, so tests never see each other's data, also on a shared Redis. */
const fresh = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${++sequence}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the server-state conformance suite against states made by `factory`. */
export function testServerState(
  name: string,
  factory: () => Promise<ServerState>,
  options: ServerStateConformanceOptions = {},
): void {
  describe(`${name} conformance`, () => {
    const opened: ServerState[] = [];
    let shared: ServerState | undefined;
    const state = async () => {
      if (!shared) {
        shared = await factory();
        opened.push(shared);
      }
      return shared;
    };
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    describe('documents', () => {
      it('reads a missing document as undefined and an empty namespace as empty', async () => {
        const s = await state();
        const ns = fresh('docs');
        expect(await s.get(ns, 'nothing')).toBeUndefined();
        expect(await s.list(ns)).toEqual(new Map());
        expect(await s.delete(ns, 'nothing')).toBe(false);
      });

      it('writes and versions documents, and hands out copies that share nothing', async () => {
        const s = await state();
        const ns = fresh('docs');
        const value = { name: 'ci', nested: { roles: ['admin'] } };
        expect(await s.put(ns, 'a', value)).toBe(1);
        value.nested.roles.push('changed after the write');
        const read = await s.get<typeof value>(ns, 'a');
        expect(read).toEqual({ value: { name: 'ci', nested: { roles: ['admin'] } }, version: 1 });
        read!.value.nested.roles.push('changed after the read');
        expect((await s.get<typeof value>(ns, 'a'))?.value.nested.roles).toEqual(['admin']);
        expect(await s.put(ns, 'a', { name: 'second' })).toBe(2);
        expect(await s.put(ns, 'a', 'third')).toBe(3);
        expect(await s.get(ns, 'a')).toEqual({ value: 'third', version: 3 });
      });

      it('stores values as JSON, and refuses what JSON cannot hold', async () => {
        const s = await state();
        const ns = fresh('json');
        const value = {
          text: 'ünïcødé 🚩 "quoted" \\ back',
          number: -12.5,
          big: 2 ** 53 - 1,
          flag: false,
          none: null,
          list: [1, 'two', { three: [3] }],
          dropped: undefined,
          when: new Date('2026-01-02T03:04:05.000Z'),
        };
        await s.put(ns, 'v', value);
        expect((await s.get(ns, 'v'))?.value).toEqual(JSON.parse(JSON.stringify(value)));
        for (const scalar of [0, '', true, null, [], {}]) {
          await s.put(ns, 'scalar', scalar);
          expect((await s.get(ns, 'scalar'))?.value).toEqual(scalar);
        }
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        for (const bad of [10n, () => 1, undefined, circular, Symbol('s')])
          await expect(s.put(ns, 'bad', bad)).rejects.toBeInstanceOf(TypeError);
        expect(await s.get(ns, 'bad')).toBeUndefined();
      });

      it('compare-and-set: version 0 only creates, a stale version writes nothing, the current one writes', async () => {
        const s = await state();
        const ns = fresh('cas');
        expect(await s.put(ns, 'a', 'first', { expectedVersion: 0 })).toBe(1);
        expect(await s.put(ns, 'a', 'again', { expectedVersion: 0 })).toBeUndefined();
        expect(await s.put(ns, 'a', 'stale', { expectedVersion: 2 })).toBeUndefined();
        expect(await s.get(ns, 'a')).toEqual({ value: 'first', version: 1 });
        expect(await s.put(ns, 'a', 'second', { expectedVersion: 1 })).toBe(2);
        expect(await s.put(ns, 'a', 'late', { expectedVersion: 1 })).toBeUndefined();
        expect(await s.get(ns, 'a')).toEqual({ value: 'second', version: 2 });
        expect(await s.put(ns, 'missing', 'x', { expectedVersion: 1 })).toBeUndefined();
        expect(await s.get(ns, 'missing')).toBeUndefined();
      });

      it('compare-and-set races: of 20 concurrent writers at one version exactly one wins', async () => {
        const s = await state();
        const ns = fresh('race');
        for (const expectedVersion of [0, 1]) {
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => s.put(ns, 'doc', { writer: i }, { expectedVersion })),
          );
          const winners = results.flatMap((r, i) => (r === undefined ? [] : [i]));
          expect(winners).toHaveLength(1);
          expect(results[winners[0]!]).toBe(expectedVersion + 1);
          expect(await s.get(ns, 'doc')).toEqual({
            value: { writer: winners[0] },
            version: expectedVersion + 1,
          });
        }
      });

      it('read-modify-write loops with compare-and-set lose no update', async () => {
        const s = await state();
        const ns = fresh('rmw');
        await s.put(ns, 'total', { n: 0, by: [] as number[] });
        const writer = async (w: number) => {
          for (let i = 0; i < 10; i++) {
            for (;;) {
              const doc = await s.get<{ n: number; by: number[] }>(ns, 'total');
              const next = { n: doc!.value.n + 1, by: [...doc!.value.by, w] };
              if ((await s.put(ns, 'total', next, { expectedVersion: doc!.version })) !== undefined) break;
            }
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
        const total = await s.get<{ n: number; by: number[] }>(ns, 'total');
        expect(total?.value.n).toBe(80);
        expect(total?.version).toBe(81);
        for (let w = 0; w < 8; w++) expect(total?.value.by.filter((x) => x === w)).toHaveLength(10);
      });

      it('deletes once, and a deleted document starts again at version 1', async () => {
        const s = await state();
        const ns = fresh('delete');
        await s.put(ns, 'a', 1);
        await s.put(ns, 'a', 2);
        await s.put(ns, 'b', 'stays');
        expect(await s.delete(ns, 'a')).toBe(true);
        expect(await s.delete(ns, 'a')).toBe(false);
        expect(await s.get(ns, 'a')).toBeUndefined();
        expect([...(await s.list(ns)).keys()]).toEqual(['b']);
        expect(await s.put(ns, 'a', 'again', { expectedVersion: 0 })).toBe(1);
        const races = await Promise.all([s.delete(ns, 'b'), s.delete(ns, 'b'), s.delete(ns, 'b')]);
        expect(races.filter(Boolean)).toHaveLength(1);
      });

      it('lists a namespace in id order, its live documents only, apart from every other namespace', async () => {
        const s = await state();
        const ns = fresh('list');
        const ids = ['b', 'a', 'c:d', 'A', '10', '9', 'é', 'z z'];
        for (const [i, id] of ids.entries()) await s.put(ns, id, { i });
        await s.put(ns, 'b', { i: 'b again' });
        await s.put(`${ns}:sub`, 'other', 1);
        await s.put(`${ns}x`, 'other', 1);
        await s.put(ns.slice(0, -1), 'other', 1);
        const listed = await s.list(ns);
        expect([...listed.keys()]).toEqual(['10', '9', 'A', 'a', 'b', 'c:d', 'z z', 'é']);
        expect(listed.get('b')).toEqual({ value: { i: 'b again' }, version: 2 });
        expect(listed.get('é')).toEqual({ value: { i: 6 }, version: 1 });
        expect([...(await s.list(`${ns}:sub`)).keys()]).toEqual(['other']);
      });

      it('keeps ids such as __proto__, braces, colons and long Unicode as plain ids', async () => {
        const s = await state();
        const ns = fresh('ids');
        const ids = [
          '__proto__',
          'constructor',
          'hasOwnProperty',
          '{tag}',
          'a:b:c',
          '🚩'.repeat(300),
          ' ',
          '\n',
        ];
        for (const id of ids) expect(await s.put(ns, id, { id })).toBe(1);
        for (const id of ids) expect(await s.get(ns, id)).toEqual({ value: { id }, version: 1 });
        const listed = await s.list<{ id: string }>(ns);
        expect(listed.size).toBe(ids.length);
        for (const id of ids) expect(listed.get(id)?.value.id).toBe(id);
        expect(({} as Record<string, unknown>).id).toBeUndefined();
        expect(await s.delete(ns, '__proto__')).toBe(true);
        expect(await s.get(ns, '__proto__')).toBeUndefined();
      });

      it('expires a document ttlMs after its write: gone from get and list, its id free again', async () => {
        const s = await state();
        const ns = fresh('ttl');
        expect(await s.put(ns, 'short', 'soon gone', { ttlMs: 150 })).toBe(1);
        await s.put(ns, 'renewed', 'kept', { ttlMs: 150 });
        await s.put(ns, 'renewed', 'kept without ttl');
        await s.put(ns, 'long', 'kept', { ttlMs: 60_000 });
        expect(await s.get(ns, 'short')).toEqual({ value: 'soon gone', version: 1 });
        await sleep(400);
        expect(await s.get(ns, 'short')).toBeUndefined();
        expect([...(await s.list(ns)).keys()]).toEqual(['long', 'renewed']);
        expect(await s.get(ns, 'renewed')).toEqual({ value: 'kept without ttl', version: 2 });
        expect(await s.delete(ns, 'short')).toBe(false);
        expect(await s.put(ns, 'short', 'back', { expectedVersion: 0 })).toBe(1);
        expect((await s.list(ns)).get('short')).toEqual({ value: 'back', version: 1 });
      });

      it('refuses bad arguments with a TypeError naming them, before writing anything', async () => {
        const s = await state();
        const ns = fresh('args');
        const refusals: [() => Promise<unknown>, RegExp][] = [
          [() => s.get('', 'a'), /namespace/],
          [() => s.get(ns, ''), /id/],
          [() => s.put('a{b', 'a', 1), /namespace .* may not contain/],
          [() => s.put(ns, 'a', 1, { expectedVersion: -1 }), /expectedVersion/],
          [() => s.put(ns, 'a', 1, { expectedVersion: 1.5 }), /expectedVersion/],
          [() => s.put(ns, 'a', 1, { ttlMs: 0 }), /ttlMs/],
          [() => s.put(ns, 'a', 1, { expectedVerison: 0 } as never), /unknown option "expectedVerison"/],
          [() => s.put(ns, '\uD800', 1), /id/],
          [() => s.list('x}'), /namespace/],
          [() => s.delete(ns, 42 as never), /id/],
        ];
        for (const [call, message] of refusals) {
          const error = await call().catch((e: unknown) => e);
          expect(error, String(call)).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(message);
        }
        expect(await s.list(ns)).toEqual(new Map());
      });
    });

    describe('counters', () => {
      it('start empty, add up, and return every counter of the record', async () => {
        const s = await state();
        const ns = fresh('ctr');
        expect(await s.counters(ns, 'r')).toEqual({});
        expect(await s.increment(ns, 'r', { a: 1 })).toEqual({ a: 1 });
        expect(await s.increment(ns, 'r', { a: 2, b: 5 })).toEqual({ a: 3, b: 5 });
        expect(await s.increment(ns, 'r', { b: -7 })).toEqual({ a: 3, b: -2 });
        expect(await s.increment(ns, 'r', {})).toEqual({ a: 3, b: -2 });
        expect(await s.counters(ns, 'r')).toEqual({ a: 3, b: -2 });
        expect(await s.counters(ns, 'other')).toEqual({});
        expect(await s.increment(ns, 'big', { n: 2 ** 52 })).toEqual({ n: 2 ** 52 });
        expect(await s.increment(ns, 'big', { n: 2 ** 52 - 1 })).toEqual({ n: 2 ** 53 - 1 });
      });

      it('lose no increment under concurrency', async () => {
        const s = await state();
        const ns = fresh('ctr-race');
        await Promise.all(Array.from({ length: 100 }, () => s.increment(ns, 'r', { hits: 1, bytes: 10 })));
        expect(await s.counters(ns, 'r')).toEqual({ hits: 100, bytes: 1000 });
      });

      it('add fractions to about 15 digits, and keep names such as __proto__ as names', async () => {
        const s = await state();
        const ns = fresh('ctr-frac');
        await s.increment(ns, 'r', { sum: 0.1 });
        const after = await s.increment(ns, 'r', { sum: 0.2, __proto__: 1, constructor: 2 } as Record<
          string,
          number
        >);
        expect(after.sum).toBeCloseTo(0.3, 12);
        const named = await s.increment(ns, 'p', JSON.parse('{"__proto__": 4}') as Record<string, number>);
        expect(Object.hasOwn(named, '__proto__')).toBe(true);
        expect(Object.getOwnPropertyDescriptor(named, '__proto__')?.value).toBe(4);
      });

      it('expire a record ttlMs after its last increment with ttlMs, and refuse a bad ttl', async () => {
        const s = await state();
        const ns = fresh('counters-ttl');
        // Margins of 450 ms either way: a loaded machine must not turn expiry into a race.
        await s.increment(ns, 'window', { n: 1 }, { ttlMs: 600 });
        await s.increment(ns, 'kept', { n: 1 });
        await s.increment(ns, 'renewed', { n: 1 }, { ttlMs: 600 });
        await sleep(150);
        expect(await s.increment(ns, 'renewed', { n: 1 }, { ttlMs: 60_000 })).toEqual({ n: 2 });
        // An increment without ttlMs leaves the expiry as it was.
        expect(await s.increment(ns, 'window', { n: 2 })).toEqual({ n: 3 });
        await sleep(900);
        expect(await s.counters(ns, 'window')).toEqual({});
        expect(await s.counters(ns, 'kept')).toEqual({ n: 1 });
        expect(await s.counters(ns, 'renewed')).toEqual({ n: 2 });
        // An expired record starts again from nothing.
        expect(await s.increment(ns, 'window', { n: 5 }, { ttlMs: 60_000 })).toEqual({ n: 5 });
        for (const bad of [{ ttlMs: 0 }, { ttlMs: 1.5 }, { ttl: 5 }])
          await expect(s.increment(ns, 'kept', { n: 1 }, bad as never)).rejects.toBeInstanceOf(TypeError);
        expect(await s.counters(ns, 'kept')).toEqual({ n: 1 });
      });

      it('refuse increments that are not finite numbers, and change nothing', async () => {
        const s = await state();
        const ns = fresh('ctr-bad');
        await s.increment(ns, 'r', { a: 1 });
        for (const bad of [{ a: 1, b: Number.NaN }, { a: Number.POSITIVE_INFINITY }, { a: '1' }, null]) {
          const error = await s.increment(ns, 'r', bad as never).catch((e: unknown) => e);
          expect(error, JSON.stringify(bad)).toBeInstanceOf(TypeError);
        }
        expect(await s.counters(ns, 'r')).toEqual({ a: 1 });
      });

      it('maximize keeps the larger of stored and given, in the records increment writes, idempotently', async () => {
        const s = await state();
        const ns = fresh('ctr-max');
        const at = 1_767_225_600_000; // epoch milliseconds stay exact
        await s.maximize(ns, 'seen', { a: at, b: -5, c: 0.25 });
        await s.maximize(ns, 'seen', { a: at - 1, b: 3, c: 0.125, d: 7 });
        await s.maximize(ns, 'seen', { a: at - 1, b: 3, c: 0.125, d: 7 });
        expect(await s.counters(ns, 'seen')).toEqual({ a: at, b: 3, c: 0.25, d: 7 });
        // The same records as increment: counters of either kind live side by side.
        expect(await s.increment(ns, 'seen', { n: 2 })).toEqual({ a: at, b: 3, c: 0.25, d: 7, n: 2 });
        await s.maximize(ns, 'seen', { n: 1 });
        expect((await s.counters(ns, 'seen')).n).toBe(2);
        const named = JSON.parse('{"__proto__": 4}') as Record<string, number>;
        await s.maximize(ns, 'p', named);
        expect(Object.getOwnPropertyDescriptor(await s.counters(ns, 'p'), '__proto__')?.value).toBe(4);
        await s.maximize(ns, 'empty', {});
        expect(await s.counters(ns, 'empty')).toEqual({});
      });

      it('maximize agrees on the largest value under concurrency, in any order', async () => {
        const s = await state();
        const ns = fresh('ctr-max-race');
        const values = Array.from({ length: 60 }, (_, i) => (i * 37) % 60);
        await Promise.all(values.map((v) => s.maximize(ns, 'r', { last: v, first: 1 - v })));
        expect(await s.counters(ns, 'r')).toEqual({ last: 59, first: 1 });
      });

      it('maximize expires a record ttlMs after a call with ttlMs, and refuses bad values, changing nothing', async () => {
        const s = await state();
        const ns = fresh('ctr-max-ttl');
        await s.maximize(ns, 'window', { at: 1 }, { ttlMs: 600 });
        await s.maximize(ns, 'kept', { at: 1 });
        await sleep(1_050);
        expect(await s.counters(ns, 'window')).toEqual({});
        expect(await s.counters(ns, 'kept')).toEqual({ at: 1 });
        for (const bad of [{ at: Number.NaN }, { at: Number.NEGATIVE_INFINITY }, { at: '9' }, null]) {
          const error = await s.maximize(ns, 'kept', bad as never).catch((e: unknown) => e);
          expect(error, JSON.stringify(bad)).toBeInstanceOf(TypeError);
        }
        for (const bad of [{ ttlMs: 0 }, { ttl: 5 }])
          await expect(s.maximize(ns, 'kept', { at: 2 }, bad as never)).rejects.toBeInstanceOf(TypeError);
        expect(await s.counters(ns, 'kept')).toEqual({ at: 1 });
      });
    });

    describe('leases', () => {
      it('grants a free lease, refuses it to others while it lasts, and renews it for its owner with the same token', async () => {
        const s = await state();
        const lease = fresh('lease');
        const first = await s.acquireLease(lease, 'alpha', 5_000);
        expect(first).toMatchObject({ owner: 'alpha' });
        expect(first!.token).toBeGreaterThan(0);
        expect(first!.expiresAt).toBeGreaterThan(Date.now() + 3_000);
        expect(await s.acquireLease(lease, 'beta', 5_000)).toBeUndefined();
        await sleep(20);
        const renewed = await s.acquireLease(lease, 'alpha', 10_000);
        expect(renewed?.token).toBe(first!.token);
        expect(renewed!.expiresAt).toBeGreaterThan(first!.expiresAt);
        expect(await s.acquireLease(lease, 'beta', 5_000)).toBeUndefined();
      });

      it('grants one lease to exactly one of many concurrent claimants', async () => {
        const s = await state();
        const lease = fresh('lease-race');
        const grants = await Promise.all(
          Array.from({ length: 12 }, (_, i) => s.acquireLease(lease, `owner-${i}`, 5_000)),
        );
        expect(grants.filter((g) => g !== undefined)).toHaveLength(1);
      });

      it('grows fencing tokens strictly across expiry and owner changes, also for a former owner', async () => {
        const s = await state();
        const lease = fresh('fence');
        const tokens: number[] = [];
        const take = async (owner: string) => {
          const granted = await s.acquireLease(lease, owner, 120);
          expect(granted, `${owner} after expiry`).toBeDefined();
          tokens.push(granted!.token);
          await sleep(250);
        };
        await take('alpha');
        await take('beta');
        await take('beta'); // the same owner after its lease lapsed: a new token, it may have been paused
        await take('alpha');
        for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
      });

      it('releases only for the owner; a released lease is free at once, with a larger token', async () => {
        const s = await state();
        const lease = fresh('release');
        const first = await s.acquireLease(lease, 'alpha', 60_000);
        await s.releaseLease(lease, 'beta');
        expect(await s.acquireLease(lease, 'beta', 60_000)).toBeUndefined();
        await s.releaseLease(lease, 'alpha');
        await s.releaseLease(fresh('never-held'), 'alpha');
        const second = await s.acquireLease(lease, 'beta', 60_000);
        expect(second?.owner).toBe('beta');
        expect(second!.token).toBeGreaterThan(first!.token);
        await s.releaseLease(lease, 'beta');
        const third = await s.acquireLease(lease, 'beta', 60_000);
        expect(third!.token).toBeGreaterThan(second!.token);
      });

      it('keeps leases of different names apart, and refuses bad arguments', async () => {
        const s = await state();
        const a = fresh('lease-a');
        const b = `${a}:b`;
        expect(await s.acquireLease(a, 'alpha', 60_000)).toBeDefined();
        expect(await s.acquireLease(b, 'beta', 60_000)).toBeDefined();
        expect(await s.acquireLease(a, 'beta', 60_000)).toBeUndefined();
        for (const call of [
          () => s.acquireLease(a, 'alpha', 0),
          () => s.acquireLease(a, 'alpha', 1.5),
          () => s.acquireLease('', 'alpha', 100),
          () => s.acquireLease('x{y', 'alpha', 100),
          () => s.acquireLease(a, '', 100),
          () => s.releaseLease(a, ''),
        ])
          await expect(call()).rejects.toBeInstanceOf(TypeError);
        expect((await s.acquireLease(a, 'alpha', 60_000))?.owner).toBe('alpha');
      });
    });

    const { reopen } = options;
    if (reopen) {
      describe('across a restart', () => {
        it('keeps documents, versions, expiry, counters and fencing tokens', async () => {
          const before = await factory();
          const ns = fresh('restart');
          const lease = fresh('restart-lease');
          await before.put(ns, 'token', { role: 'admin' });
          await before.put(ns, 'token', { role: 'viewer' });
          await before.put(ns, '__proto__', 'odd id');
          await before.put(ns, 'short', 'expires', { ttlMs: 300 });
          await before.put(ns, 'long', 'kept', { ttlMs: 60_000 });
          await before.increment(ns, 'usage', { calls: 3 });
          await before.increment(ns, 'window', { calls: 1 }, { ttlMs: 300 });
          await before.increment(ns, 'daily', { calls: 2 }, { ttlMs: 60_000 });
          await before.maximize(ns, 'seen', { at: 1_767_225_600_000 });
          const held = await before.acquireLease(lease, 'alpha', 60_000);
          const after = await reopen(before);
          opened.push(after);
          expect(await after.get(ns, 'token')).toEqual({ value: { role: 'viewer' }, version: 2 });
          expect(await after.get(ns, '__proto__')).toEqual({ value: 'odd id', version: 1 });
          expect(await after.counters(ns, 'usage')).toEqual({ calls: 3 });
          expect(await after.counters(ns, 'seen')).toEqual({ at: 1_767_225_600_000 });
          // The lease is still held across the restart, and later grants outgrow its token.
          expect(await after.acquireLease(lease, 'beta', 60_000)).toBeUndefined();
          await after.releaseLease(lease, 'alpha');
          expect((await after.acquireLease(lease, 'beta', 60_000))!.token).toBeGreaterThan(held!.token);
          await sleep(400);
          expect([...(await after.list(ns)).keys()]).toEqual(['__proto__', 'long', 'token']);
          expect(await after.counters(ns, 'window')).toEqual({});
          expect(await after.counters(ns, 'daily')).toEqual({ calls: 2 });
          expect(await after.put(ns, 'token', 'cas', { expectedVersion: 2 })).toBe(3);
        });
      });
    }
  });
}
