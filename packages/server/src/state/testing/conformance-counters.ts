/**
 * Counters of the `ServerState` conformance suite: increment and maximize, under concurrency, with
 * expiry, and refusing values that are not finite numbers.
 */
import { describe, expect, it } from 'vitest';
import { type ServerStateConformanceContext, fresh, sleep } from './conformance-context.js';

/** Registers the `counters` tests: increment, maximize and counters. */
export function counterTests({ state }: ServerStateConformanceContext): void {
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
}
