/**
 * Leases of the `ServerState` conformance suite: one holder at a time, renewal, release, and fencing
 * tokens that only grow.
 */
import { describe, expect, it } from 'vitest';
import { type ServerStateConformanceContext, fresh, sleep } from './conformance-context.js';

/** Registers the `leases` tests: acquireLease and releaseLease. */
export function leaseTests({ state }: ServerStateConformanceContext): void {
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
}
