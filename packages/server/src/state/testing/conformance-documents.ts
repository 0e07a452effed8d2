/**
 * Documents of the `ServerState` conformance suite: versioned JSON documents by namespace and id,
 * compare-and-set and its races, deletion, listing, odd ids, expiry and argument checks.
 */
import { describe, expect, it } from 'vitest';
import { type ServerStateConformanceContext, fresh, sleep } from './conformance-context.js';

/** Registers the `documents` tests: get, put, delete and list. */
export function documentTests({ state }: ServerStateConformanceContext): void {
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
}
