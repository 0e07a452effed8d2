/**
 * History of the `FlagStore` conformance suite: listing the audit log, reverting to an earlier
 * version, and what a log trimmed to maxLogLength can no longer do.
 */
import { expect, it } from 'vitest';
import { HistoryUnavailableError, InvalidArgumentError } from '../index.js';
import { type FlagStoreConformanceContext, boolFlag, importDoc, newSet } from './conformance-context.js';

/** Registers the history, revert and log-trimming tests. */
export function historyTests({ store, open }: FlagStoreConformanceContext): void {
  it('lists history newest first, by flag (whole-set writes that changed it included), with a limit', async () => {
    const s = await store();
    const set = newSet('history');
    await s.putFlag(set, 'a', boolFlag()); // 1
    await s.putFlag(set, 'b', boolFlag()); // 2
    await s.patchFlag(set, 'a', { state: 'DISABLED' }); // 3
    await s.replaceFlagSet(set, { flags: { a: boolFlag('on'), b: boolFlag() } }); // 4: changes a only
    await s.replaceFlagSet(set, { flags: { a: boolFlag('on'), b: boolFlag() }, metadata: { x: 1 } }); // 5: neither
    expect((await s.history(set)).map((e) => e.version)).toEqual([5, 4, 3, 2, 1]);
    expect((await s.history(set, { flagKey: 'a' })).map((e) => e.version)).toEqual([4, 3, 1]);
    expect((await s.history(set, { flagKey: 'b' })).map((e) => e.version)).toEqual([2]);
    expect((await s.history(set, { limit: 2 })).map((e) => e.version)).toEqual([5, 4]);
    expect((await s.history(set, { flagKey: 'a', limit: 1 })).map((e) => e.version)).toEqual([4]);
  });

  it('reverts to an earlier version as a recorded write', async () => {
    const s = await store();
    const set = newSet('revert');
    await s.replaceFlagSet(set, importDoc); // 1
    await s.putFlag(set, 'c', boolFlag()); // 2
    const atTwo = (await s.load(set)).document;
    await s.patchFlag(set, 'plain', { state: 'DISABLED' }); // 3
    await s.deleteFlag(set, 'gated'); // 4
    await s.replaceFlagSet(set, { flags: { only: boolFlag('on') } }); // 5
    await s.putFlag(set, 'only', boolFlag()); // 6
    expect(await s.revert(set, 2, { actor: 'dave', reason: 'bad release' })).toEqual({ version: 7 });
    expect((await s.load(set)).document).toEqual(atTwo);
    const [entry] = await s.history(set, { limit: 1 });
    expect(entry).toMatchObject({
      version: 7,
      operation: 'revert',
      actor: 'dave',
      reason: 'bad release',
      after: atTwo,
    });
    expect(entry!.before).toEqual({ flags: { only: boolFlag() } });
    // A revert is itself undone like any write.
    await s.revert(set, 6);
    expect((await s.load(set)).document).toEqual({ flags: { only: boolFlag() } });
    await s.revert(set, 0);
    expect((await s.load(set)).document).toEqual({ flags: {} });
    expect(await s.version(set)).toBe(9);
    await expect(s.revert(set, 10)).rejects.toBeInstanceOf(HistoryUnavailableError);
    await expect(s.revert(set, -1)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await s.version(set)).toBe(9);
  });

  it('refuses a revert the trimmed log no longer reaches', async () => {
    const s = await open({ maxLogLength: 5 });
    const set = newSet('trimmed');
    for (let i = 0; i < 40; i++) await s.putFlag(set, 'a', boolFlag(i % 2 ? 'on' : 'off'));
    const error = await s.revert(set, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryUnavailableError);
    expect((error as Error).message).toMatch(/no longer holds .*maxLogLength/);
    expect(await s.version(set)).toBe(40);
    expect(await s.revert(set, 39)).toEqual({ version: 41 });
    expect((await s.history(set)).length).toBeLessThan(40);
  });
}
