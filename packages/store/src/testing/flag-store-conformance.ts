/// <reference types="node" />
/**
 * One conformance suite for every `FlagStore` (in the spirit of unstorage's `testStorage`): the
 * memory store and the Redis store run exactly these tests, so they cannot drift apart.
 */
import { type FlagDefinition, type FlagSetDocument, FlagSetValidationError } from '@ensign/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ABSENT_FLAG_ETAG,
  type AuditEntry,
  FlagConflictError,
  type FlagStore,
  HistoryUnavailableError,
  InvalidArgumentError,
  MissingFlagError,
  VersionConflictError,
  flagEtag,
} from '../index.js';

/** Options every store under test must honour. */
export interface ConformanceStoreOptions {
  maxLogLength?: number;
}

const boolFlag = (defaultVariant: 'on' | 'off' = 'off'): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant,
});

const refFlag: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ $ref: 'beta-users' }, 'on', 'off'] },
};

const importDoc: FlagSetDocument = {
  flags: { gated: refFlag, plain: boolFlag('on') },
  $evaluators: { 'beta-users': { in: [{ var: 'tier' }, ['beta', 'staff']] } },
  metadata: { owner: 'team-a' },
};

let counter = 0;
/** A fresh set id per test, so tests never see each other's writes. */
const newSet = (label: string) => `${label}-${process.pid}-${++counter}`;

async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs the store conformance suite against stores made by `factory`. */
export function testFlagStore(
  name: string,
  factory: (options?: ConformanceStoreOptions) => Promise<FlagStore>,
): void {
  describe(`${name} conformance`, () => {
    const opened: FlagStore[] = [];
    const open = async (options?: ConformanceStoreOptions) => {
      const store = await factory(options);
      opened.push(store);
      return store;
    };
    let shared: FlagStore | undefined;
    const store = async () => {
      shared ??= await open();
      return shared;
    };
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it('reads a set never written as version 0 and empty', async () => {
      const s = await store();
      const set = newSet('empty');
      expect(await s.load(set)).toEqual({ flagSet: set, version: 0, document: { flags: {} }, position: '' });
      expect(await s.version(set)).toBe(0);
      expect(await s.history(set)).toEqual([]);
    });

    it('puts a flag, bumps the version and records who, when, before and after', async () => {
      const s = await store();
      const set = newSet('put');
      const t0 = Date.now();
      expect(await s.putFlag(set, 'a', boolFlag(), { actor: 'alice', reason: 'launch' })).toEqual({
        version: 1,
      });
      expect(await s.putFlag(set, 'a', boolFlag('on'), { actor: 'bob' })).toEqual({ version: 2 });
      const snapshot = await s.load(set);
      expect(snapshot.version).toBe(2);
      expect(snapshot.document).toEqual({ flags: { a: boolFlag('on') } });
      expect(await s.version(set)).toBe(2);
      const [second, first] = await s.history(set);
      expect(first).toMatchObject({
        flagSet: set,
        version: 1,
        operation: 'put',
        flagKey: 'a',
        actor: 'alice',
        reason: 'launch',
        before: null,
        after: boolFlag(),
      });
      expect(second).toMatchObject({ version: 2, actor: 'bob', before: boolFlag(), after: boolFlag('on') });
      expect(second!.reason).toBeUndefined();
      const at = Date.parse(first!.at);
      expect(at).toBeGreaterThanOrEqual(t0 - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
      expect(first!.id).not.toBe(second!.id);
    });

    it('records actor "unknown" when none is given', async () => {
      const s = await store();
      const set = newSet('actor');
      await s.putFlag(set, 'a', boolFlag());
      expect((await s.history(set))[0]!.actor).toBe('unknown');
    });

    it('gives each snapshot the feed position of its version', async () => {
      const s = await store();
      const set = newSet('position');
      expect((await s.load(set)).position).toBe('');
      await s.putFlag(set, 'a', boolFlag());
      const first = await s.load(set);
      const [entry] = await s.history(set, { limit: 1 });
      expect(first.position).toBe(entry!.id);
      await s.putFlag(set, 'b', boolFlag());
      expect((await s.load(set)).position).not.toBe(first.position);
    });

    it('patches top-level fields, removing those set to null', async () => {
      const s = await store();
      const set = newSet('patch');
      const flag: FlagDefinition = {
        ...boolFlag(),
        targeting: { if: [true, 'on', 'off'] },
        metadata: { kind: 'ops' },
      };
      await s.putFlag(set, 'kill', flag);
      expect(
        await s.patchFlag(set, 'kill', { state: 'DISABLED', targeting: null }, { actor: 'oncall' }),
      ).toEqual({
        version: 2,
      });
      const after = {
        state: 'DISABLED',
        variants: flag.variants,
        defaultVariant: 'off',
        metadata: { kind: 'ops' },
      };
      expect((await s.load(set)).document.flags.kill).toEqual(after);
      expect((await s.history(set, { limit: 1 }))[0]).toMatchObject({
        operation: 'patch',
        flagKey: 'kill',
        actor: 'oncall',
        before: flag,
        after,
      });
    });

    it('refuses to patch or delete a flag that does not exist, writing nothing', async () => {
      const s = await store();
      const set = newSet('missing');
      await s.putFlag(set, 'a', boolFlag());
      await expect(s.patchFlag(set, 'nope', { state: 'DISABLED' })).rejects.toBeInstanceOf(MissingFlagError);
      await expect(s.deleteFlag(set, 'nope')).rejects.toThrow(/flag "nope" does not exist in flag set/);
      expect(await s.version(set)).toBe(1);
    });

    it('deletes a flag and records what it was', async () => {
      const s = await store();
      const set = newSet('delete');
      await s.putFlag(set, 'a', boolFlag());
      await s.putFlag(set, 'b', boolFlag());
      expect(await s.deleteFlag(set, 'a', { actor: 'carol' })).toEqual({ version: 3 });
      expect((await s.load(set)).document).toEqual({ flags: { b: boolFlag() } });
      expect((await s.history(set, { limit: 1 }))[0]).toMatchObject({
        operation: 'delete',
        flagKey: 'a',
        actor: 'carol',
        before: boolFlag(),
        after: null,
      });
    });

    it('replaces a whole set, including $evaluators and metadata', async () => {
      const s = await store();
      const set = newSet('replace');
      await s.putFlag(set, 'old', boolFlag());
      expect(await s.replaceFlagSet(set, importDoc, { actor: 'importer' })).toEqual({ version: 2 });
      expect((await s.load(set)).document).toEqual(importDoc);
      const [entry] = await s.history(set, { limit: 1 });
      expect(entry).toMatchObject({ operation: 'replace', actor: 'importer', after: importDoc });
      expect(entry!.flagKey).toBeUndefined();
      expect(entry!.before).toEqual({ flags: { old: boolFlag() } });
      // A replacement without $evaluators or metadata removes them.
      await s.replaceFlagSet(set, { flags: { plain: boolFlag() } });
      expect((await s.load(set)).document).toEqual({ flags: { plain: boolFlag() } });
    });

    it('refuses an invalid flag before writing anything', async () => {
      const s = await store();
      const set = newSet('invalid');
      await s.putFlag(set, 'a', boolFlag());
      const bad = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' } as FlagDefinition;
      const error = await s.putFlag(set, 'bad', bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagSetValidationError);
      expect((error as FlagSetValidationError).flagKeys).toEqual(['bad']);
      await expect(s.patchFlag(set, 'a', { defaultVariant: 'nope' })).rejects.toBeInstanceOf(
        FlagSetValidationError,
      );
      await expect(s.patchFlag(set, 'a', { variants: { on: true, off: 'no' } })).rejects.toBeInstanceOf(
        FlagSetValidationError,
      );
      await expect(s.replaceFlagSet(set, { flags: { x: bad } })).rejects.toBeInstanceOf(
        FlagSetValidationError,
      );
      expect(await s.version(set)).toBe(1);
      expect(await s.history(set)).toHaveLength(1);
      expect((await s.load(set)).document).toEqual({ flags: { a: boolFlag() } });
    });

    it('refuses a $ref to a missing evaluator, and removing an evaluator still in use', async () => {
      const s = await store();
      const set = newSet('refs');
      await expect(s.putFlag(set, 'gated', refFlag)).rejects.toThrow(/beta-users/);
      expect(await s.version(set)).toBe(0);
      await s.replaceFlagSet(set, importDoc);
      const { $evaluators: _, ...withoutEvaluators } = importDoc;
      await expect(s.replaceFlagSet(set, withoutEvaluators)).rejects.toBeInstanceOf(FlagSetValidationError);
      expect((await s.load(set)).document).toEqual(importDoc);
      // Once nothing uses it, the evaluator may go.
      await s.deleteFlag(set, 'gated');
      await s.replaceFlagSet(set, { flags: { plain: boolFlag('on') }, metadata: { owner: 'team-a' } });
      expect(await s.version(set)).toBe(3);
    });

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
      await expect(s.deleteFlag(set, 'a', { expectedVersion: 5 })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      await expect(s.replaceFlagSet(set, { flags: {} }, { expectedVersion: 0 })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      await expect(s.revert(set, 1, { expectedVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
      expect(await s.version(set)).toBe(2);
      expect((await s.load(set)).document.flags.a).toEqual(boolFlag('on'));
      await expect(s.putFlag(set, 'a', boolFlag(), { expectedVersion: -1 })).rejects.toThrow(
        /expectedVersion/,
      );
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

    it('refuses malformed arguments before anything is read or written, naming the argument', async () => {
      const s = await store();
      const set = newSet('arguments');
      await s.putFlag(set, 'a', boolFlag());
      const refusals: [Promise<unknown>, RegExp][] = [
        [s.patchFlag(set, 'a', 'xy' as never), /patchFlag: patch must be an object/],
        [s.patchFlag(set, 'a', 5 as never), /patch must be an object/],
        [s.patchFlag(set, 'a', [] as never), /patch must be an object.*array/],
        [s.patchFlag(set, 'a', true as never), /patch must be an object/],
        [s.patchFlag(set, 'a', {}), /patch changes nothing/],
        [s.patchFlag(set, 'a', { sate: 'DISABLED' } as never), /patch\.sate is not a flag field/],
        [s.patchFlag(set, 'a', { state: 'OFF' } as never), /patch\.state must be 'ENABLED' or 'DISABLED'/],
        [s.patchFlag(set, 'a', { variants: null } as never), /patch\.variants must be an object/],
        [
          s.patchFlag(set, 'a', { state: 'DISABLED' }, { reason: null } as never),
          /options\.reason must be a string/,
        ],
        [
          s.patchFlag(set, 'a', { state: 'DISABLED' }, { actor: 5 } as never),
          /options\.actor must be a string/,
        ],
        [s.patchFlag(set, 'a', { state: 'DISABLED' }, { actor: '' }), /options\.actor must not be empty/],
        [
          s.patchFlag(set, 'a', { state: 'DISABLED' }, { expectedVerison: 1 } as never),
          /options\.expectedVerison is not a write option/,
        ],
        [
          s.patchFlag(set, 'a', { state: 'DISABLED' }, { expectedVersion: 1.5 }),
          /expectedVersion must be a non-negative integer/,
        ],
        [s.patchFlag(set, 'a', { state: 'DISABLED' }, { reason: 'x\uD800' }), /well-formed Unicode/],
        [s.patchFlag(set, 'a', { state: 'DISABLED' }, 'alice' as never), /options must be an object/],
        [s.putFlag(set, 'b', null as never), /putFlag: flag must be a flag object/],
        [s.putFlag(set, 'b', [] as never), /flag must be a flag object/],
        [s.replaceFlagSet(set, null as never), /replaceFlagSet: document must be a flag-set document/],
        [s.replaceFlagSet(set, { flags: [] } as never), /document\.flags must be an object/],
        [s.revert(set, Number.NaN), /revert: version must be a non-negative integer/],
        [s.revert(set, -1), /version must be a non-negative integer/],
      ];
      for (const [attempt, message] of refusals) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error, String(message)).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message).toMatch(message);
      }
      await expect(s.patchFlag(null as never, 'a', { state: 'DISABLED' })).rejects.toThrow(
        /flag set id null is invalid/,
      );
      await expect(s.patchFlag(set, null as never, { state: 'DISABLED' })).rejects.toThrow(
        /flag key null is invalid/,
      );
      expect(await s.version(set)).toBe(1);
      expect(await s.history(set)).toHaveLength(1);
    });

    it('refuses a flag key or set id that is not well-formed Unicode, in every store alike', async () => {
      const s = await store();
      const set = newSet('surrogate');
      await expect(s.putFlag(set, 'bad\uD800', boolFlag())).rejects.toThrow(
        /flag key .* well-formed Unicode/,
      );
      await expect(s.putFlag(set, '\uDC00x', boolFlag())).rejects.toThrow(/well-formed Unicode/);
      await expect(s.putFlag(`${set}\uD800`, 'a', boolFlag())).rejects.toThrow(/flag set id .* well-formed/);
      await s.putFlag(set, 'ok-\u{1F680}', boolFlag());
      expect(Object.keys((await s.load(set)).document.flags)).toEqual(['ok-\u{1F680}']);
    });

    it('refuses input nested far too deep with a validation error, not a stack overflow', async () => {
      const s = await store();
      const set = newSet('deep');
      await s.putFlag(set, 'a', boolFlag());
      let rule: Record<string, unknown> = { var: 'x' };
      for (let i = 0; i < 100_000; i++) rule = { '!': [rule] };
      const deepFlag = { ...boolFlag(), targeting: rule } as FlagDefinition;
      for (const attempt of [
        s.putFlag(set, 'deep', deepFlag),
        s.patchFlag(set, 'a', { targeting: rule as never }),
        s.replaceFlagSet(set, { flags: { deep: deepFlag } }),
      ]) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FlagSetValidationError);
        expect((error as FlagSetValidationError).issues[0]).toMatchObject({
          path: expect.stringMatching(/^\/flags\/(deep|a)$/),
          message: expect.stringMatching(/nested deeper than/),
        });
      }
      expect(await s.version(set)).toBe(1);
    });

    it('hands out copies: callers cannot change stored state', async () => {
      const s = await store();
      const set = newSet('copies');
      const flag = boolFlag();
      await s.putFlag(set, 'a', flag);
      flag.defaultVariant = 'on';
      const snapshot = await s.load(set);
      expect(snapshot.document.flags.a!.defaultVariant).toBe('off');
      snapshot.document.flags.a!.state = 'DISABLED';
      ((await s.history(set))[0]!.after as FlagDefinition).state = 'DISABLED';
      expect((await s.load(set)).document.flags.a).toEqual(boolFlag());
      expect((await s.history(set))[0]!.after).toEqual(boolFlag());
    });

    it('keeps flags named like Object.prototype members as ordinary flags', async () => {
      const s = await store();
      const set = newSet('proto');
      for (const key of ['__proto__', 'constructor', 'toString']) await s.putFlag(set, key, boolFlag());
      await s.patchFlag(set, '__proto__', { state: 'DISABLED' });
      const { flags } = (await s.load(set)).document;
      expect(Object.keys(flags).sort()).toEqual(['__proto__', 'constructor', 'toString']);
      expect(Object.getPrototypeOf(flags)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(flags, '__proto__')?.value).toEqual({
        ...boolFlag(),
        state: 'DISABLED',
      });
      const [patched] = await s.history(set, { limit: 1 });
      expect(patched).toMatchObject({ flagKey: '__proto__', after: { ...boolFlag(), state: 'DISABLED' } });
      await s.revert(set, 1);
      expect(Object.keys((await s.load(set)).document.flags)).toEqual(['__proto__']);
      await s.deleteFlag(set, '__proto__');
      expect((await s.load(set)).document.flags).toEqual({});
    });

    it('refuses set ids that would break the key layout', async () => {
      const s = await store();
      await expect(s.load('')).rejects.toThrow(/flag set id/);
      await expect(s.putFlag('a{b}', 'x', boolFlag())).rejects.toThrow(/hash tag/);
      await expect(s.putFlag('ok', '', boolFlag())).rejects.toThrow(/flag key/);
    });
  });
}
