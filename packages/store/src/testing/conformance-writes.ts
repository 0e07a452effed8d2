/**
 * Reads and writes of the `FlagStore` conformance suite: each kind of write, what it records, and the
 * validation that refuses a write before anything is stored.
 */
import { type FlagDefinition, FlagSetValidationError } from '@ensign/core';
import { expect, it } from 'vitest';
import { MissingFlagError } from '../index.js';
import {
  type FlagStoreConformanceContext,
  boolFlag,
  importDoc,
  newSet,
  refFlag,
} from './conformance-context.js';

/** Registers the read and write tests: load, put, patch, delete, replace and their validation. */
export function writeTests({ store }: FlagStoreConformanceContext): void {
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
    await expect(s.replaceFlagSet(set, { flags: { x: bad } })).rejects.toBeInstanceOf(FlagSetValidationError);
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
}
