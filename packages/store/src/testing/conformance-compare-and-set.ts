/**
 * Compare-and-set and races of the `FlagStore` conformance suite: expectedVersion and ifMatch, and
 * concurrent writers that must neither both win nor lose an update.
 */
import { expect, it } from 'vitest';
import {
  ABSENT_FLAG_ETAG,
  FlagConflictError,
  InvalidArgumentError,
  VersionConflictError,
  flagEtag,
} from '../index.js';
import { type FlagStoreConformanceContext, boolFlag, newSet } from './conformance-context.js';

/** Registers the compare-and-set and concurrency tests. */
export function compareAndSetTests({ store }: FlagStoreConformanceContext): void {
  it('compare-and-set: a stale expectedVersion is refused and writes nothing', async () => {
    const s = await store();
    const set = newSet('cas');
    await s.putFlag(set, 'a', boolFlag(), { expectedVersion: 0 });
    await s.putFlag(set, 'a', boolFlag('on'), { expectedVersion: 1 });
    const error = await s
      .patchFlag(set, 'a', { state: 'DISABLED' }, { expectedVersion: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ flagSet: set, expectedVersion: 1, actualVersion: 2 });
    expect((error as Error).message).toContain(set);
    await expect(s.deleteFlag(set, 'a', { expectedVersion: 5 })).rejects.toBeInstanceOf(VersionConflictError);
    await expect(s.replaceFlagSet(set, { flags: {} }, { expectedVersion: 0 })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    await expect(s.revert(set, 1, { expectedVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
    expect(await s.version(set)).toBe(2);
    expect((await s.load(set)).document.flags.a).toEqual(boolFlag('on'));
    await expect(s.putFlag(set, 'a', boolFlag(), { expectedVersion: -1 })).rejects.toThrow(/expectedVersion/);
  });

  it('compare-and-set on one flag (ifMatch): another flag changing does not refuse it, that flag changing does', async () => {
    const s = await store();
    const set = newSet('if-match');
    await s.putFlag(set, 'a', boolFlag(), { ifMatch: ABSENT_FLAG_ETAG });
    await expect(s.putFlag(set, 'a', boolFlag(), { ifMatch: ABSENT_FLAG_ETAG })).rejects.toBeInstanceOf(
      FlagConflictError,
    );
    const etag = flagEtag((await s.load(set)).document.flags.a);
    expect(etag).toBe(flagEtag(boolFlag()));
    await s.putFlag(set, 'b', boolFlag());
    expect(await s.patchFlag(set, 'a', { state: 'DISABLED' }, { ifMatch: etag })).toEqual({ version: 3 });
    const stale = await s
      .patchFlag(set, 'a', { state: 'ENABLED' }, { ifMatch: etag })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(FlagConflictError);
    expect(stale).toMatchObject({
      flagKey: 'a',
      expectedEtag: etag,
      actualEtag: flagEtag({ ...boolFlag(), state: 'DISABLED' }),
    });
    await expect(s.deleteFlag(set, 'a', { ifMatch: etag })).rejects.toBeInstanceOf(FlagConflictError);
    await expect(s.replaceFlagSet(set, { flags: {} }, { ifMatch: etag })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await s.version(set)).toBe(3);
  });

  it('compare-and-set under a race: of two writes expecting the same version, exactly one lands', async () => {
    const s = await store();
    const set = newSet('cas-race');
    await s.putFlag(set, 'a', boolFlag());
    const outcomes = await Promise.allSettled([
      s.patchFlag(set, 'a', { state: 'DISABLED' }, { expectedVersion: 1, actor: 'x' }),
      s.patchFlag(set, 'a', { defaultVariant: 'on' }, { expectedVersion: 1, actor: 'y' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(VersionConflictError);
    expect(await s.version(set)).toBe(2);
    expect(await s.history(set)).toHaveLength(2);
  });

  it('concurrent writers without expectedVersion: every write lands, versions advance one each', async () => {
    const s = await store();
    const set = newSet('race');
    const n = 20;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => s.putFlag(set, `f${i % 5}`, boolFlag(i % 2 ? 'on' : 'off'))),
    );
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
    expect(await s.version(set)).toBe(n);
    const log = await s.history(set, { limit: 1000 });
    expect(log.map((e) => e.version)).toEqual(Array.from({ length: n }, (_, i) => n - i));
  });

  it('concurrent patches of different fields of one flag all land (no lost update)', async () => {
    const s = await store();
    const set = newSet('patch-race');
    await s.putFlag(set, 'a', boolFlag());
    await Promise.all([
      s.patchFlag(set, 'a', { state: 'DISABLED' }),
      s.patchFlag(set, 'a', { targeting: { if: [true, 'on', 'off'] } }),
      s.patchFlag(set, 'a', { metadata: { owner: 'ops' } }),
      s.putFlag(set, 'b', boolFlag()),
    ]);
    expect((await s.load(set)).document.flags).toEqual({
      a: {
        ...boolFlag(),
        state: 'DISABLED',
        targeting: { if: [true, 'on', 'off'] },
        metadata: { owner: 'ops' },
      },
      b: boolFlag(),
    });
    expect(await s.version(set)).toBe(5);
  });
}
