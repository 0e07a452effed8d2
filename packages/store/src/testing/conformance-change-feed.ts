/**
 * Change feed of the `FlagStore` conformance suite: `follow` from a position, catching up, a trimmed
 * log, and listeners that throw.
 */
import { expect, it } from 'vitest';
import type { AuditEntry } from '../index.js';
import { type FlagStoreConformanceContext, boolFlag, eventually, newSet } from './conformance-context.js';

/** Registers the change-feed (`follow`) tests. */
export function changeFeedTests({ store, open }: FlagStoreConformanceContext): void {
  it('follows every write after a position, in order, with its after-state, until unsubscribed', async () => {
    const s = await store();
    const set = newSet('feed');
    const other = newSet('feed-other');
    const entries: AuditEntry[] = [];
    const otherEntries: AuditEntry[] = [];
    const sub = await s.follow(set, (await s.load(set)).position, (e) => entries.push(e));
    const otherSub = await s.follow(other, '', (e) => otherEntries.push(e));
    await s.putFlag(set, 'a', boolFlag(), { actor: 'alice', reason: 'launch' });
    await s.patchFlag(set, 'a', { state: 'DISABLED' });
    await s.replaceFlagSet(set, { flags: {} });
    await s.revert(set, 1);
    await s.putFlag(set, 'b', boolFlag());
    await s.deleteFlag(set, 'b');
    await eventually(() => entries.length === 6, 'six entries');
    expect(entries.map((e) => [e.version, e.operation, e.flagKey])).toEqual([
      [1, 'put', 'a'],
      [2, 'patch', 'a'],
      [3, 'replace', undefined],
      [4, 'revert', undefined],
      [5, 'put', 'b'],
      [6, 'delete', 'b'],
    ]);
    expect(entries[0]).toMatchObject({ flagSet: set, actor: 'alice', reason: 'launch', after: boolFlag() });
    expect(entries[1]!.after).toEqual({ ...boolFlag(), state: 'DISABLED' });
    expect(entries[2]!.after).toEqual({ flags: {} });
    expect(entries[3]!.after).toEqual({ flags: { a: boolFlag() } });
    expect(entries[5]!.after).toBeNull();
    expect(entries).toEqual((await s.history(set)).reverse());
    expect(otherEntries).toEqual([]);
    await sub.unsubscribe();
    await s.putFlag(other, 'x', boolFlag());
    await s.putFlag(set, 'c', boolFlag());
    await eventually(() => otherEntries.length === 1, 'an entry on the other set');
    expect(entries).toHaveLength(6);
    await otherSub.unsubscribe();
  });

  it('follows from a snapshot or an entry: what came before is not delivered, what came after is', async () => {
    const s = await store();
    const set = newSet('catch-up');
    await s.putFlag(set, 'a', boolFlag());
    await s.putFlag(set, 'b', boolFlag());
    const snapshot = await s.load(set);
    await s.putFlag(set, 'c', boolFlag());
    await s.putFlag(set, 'd', boolFlag());
    const fromSnapshot: number[] = [];
    const a = await s.follow(set, snapshot.position, (e) => fromSnapshot.push(e.version));
    const [, third] = (await s.history(set)).reverse().slice(1);
    const fromEntry: number[] = [];
    const b = await s.follow(set, third!.id, (e) => fromEntry.push(e.version));
    const fromStart: number[] = [];
    const c = await s.follow(set, '', (e) => fromStart.push(e.version));
    await s.putFlag(set, 'e', boolFlag());
    await eventually(
      () => fromSnapshot.length === 3 && fromEntry.length === 2 && fromStart.length === 5,
      'catch-up',
    );
    expect(fromSnapshot).toEqual([3, 4, 5]);
    expect(fromEntry).toEqual([4, 5]);
    expect(fromStart).toEqual([1, 2, 3, 4, 5]);
    await Promise.all([a.unsubscribe(), b.unsubscribe(), c.unsubscribe()]);
  });

  it('follows from a position the log no longer holds by starting at the oldest entry kept (a visible gap)', async () => {
    const s = await open({ maxLogLength: 10 });
    const set = newSet('trimmed');
    await s.putFlag(set, 'a', boolFlag());
    const old = (await s.load(set)).position;
    for (let i = 0; i < 40; i++) await s.putFlag(set, 'a', boolFlag(i % 2 ? 'on' : 'off'));
    const versions: number[] = [];
    const sub = await s.follow(set, old, (e) => versions.push(e.version));
    await s.putFlag(set, 'b', boolFlag());
    await eventually(() => versions.at(-1) === 42, 'the newest entry');
    expect(versions[0]).toBeGreaterThan(2);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => versions[0]! + i));
    await sub.unsubscribe();
  });

  it('a listener that throws does not stop the others', async () => {
    const s = await store();
    const set = newSet('throws');
    const got: number[] = [];
    const a = await s.follow(set, '', () => {
      throw new Error('listener failure (expected in this test)');
    });
    const b = await s.follow(set, '', (e) => got.push(e.version));
    await s.putFlag(set, 'a', boolFlag());
    await s.putFlag(set, 'b', boolFlag());
    await eventually(() => got.length === 2, 'the second listener');
    await a.unsubscribe();
    await b.unsubscribe();
  });
}
