/**
 * Durability part of the `ServerState` conformance suite: what a state must still hold after a
 * restart, run only when the suite is given a way to reopen one.
 */
import { describe, expect, it } from 'vitest';
import type { ServerState } from '../server-state.js';
import { type ServerStateConformanceContext, fresh, sleep } from './conformance-context.js';

/** Registers the `across a restart` tests, reopening states with `reopen`. */
export function restartTests(
  { factory, opened }: ServerStateConformanceContext,
  reopen: (state: ServerState) => Promise<ServerState>,
): void {
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
