/**
 * Intent-level actions as pure functions and over `MemoryFlagStore`: the diff format, kill
 * modes and exact restore, rollout weights, targeting changes, one-flag revert and promotion.
 * (The same intents over HTTP and Redis: packages/server/test/admin-*.test.ts.)
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { describe, expect, it } from 'vitest';
import {
  FlagConflictError,
  IntentError,
  MemoryFlagStore,
  flagEtag,
  jsonChanges,
  killFlag,
  killStateOf,
  killedDefinition,
  planPromotion,
  promote,
  restoreFlag,
  revertFlag,
  rolloutWeightsOf,
  withRolloutWeights,
  withTargetingChange,
} from '../src/index.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const rollout: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { fractional: [{ var: 'orgId' }, ['on', 5], ['off', 95]] },
  metadata: { offVariant: 'off' },
};
const set = (): FlagSetDocument => ({
  flags: { rollout, plain: { state: 'ENABLED', variants: { a: 'A', b: 'B' }, defaultVariant: 'a' } },
  $evaluators: { beta: { ends_with: [{ var: 'email' }, '@beta.example'] } },
});

describe('jsonChanges', () => {
  it('reports changes at JSON Pointers, arrays of equal length item by item, escaping ~ and /', () => {
    expect(
      jsonChanges({ a: [1, 2], 'x/y': 1, 'm~n': true }, { a: [1, 3], 'x/y': 2, add: null }, '/flags/k'),
    ).toEqual([
      { op: 'replace', path: '/flags/k/a/1', before: 2, after: 3 },
      { op: 'replace', path: '/flags/k/x~1y', before: 1, after: 2 },
      { op: 'remove', path: '/flags/k/m~0n', before: true },
      { op: 'add', path: '/flags/k/add', after: null },
    ]);
    expect(jsonChanges([1], [1, 2])).toEqual([{ op: 'replace', path: '', before: [1], after: [1, 2] }]);
    expect(jsonChanges({ b: 1, a: 2 }, { a: 2, b: 1 })).toEqual([]);
  });
});

describe('kill', () => {
  it('serves the off variant without targeting, or disables; marks who, when, why and how', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const off = killedDefinition(rollout, { actor: 'oncall', reason: 'INC-1', at });
    expect(off.detail).toEqual({ mode: 'off-variant', offVariant: 'off' });
    expect(off.flag).toEqual({
      state: 'ENABLED',
      variants: rollout.variants,
      defaultVariant: 'off',
      metadata: {
        offVariant: 'off',
        killedAt: '2026-01-02T03:04:05.000Z',
        killedBy: 'oncall',
        killMode: 'off-variant',
        killReason: 'INC-1',
      },
    });
    const plain = set().flags.plain!;
    const disabled = killedDefinition(plain, { actor: 'oncall', at });
    expect(disabled.flag).toEqual({
      ...plain,
      state: 'DISABLED',
      metadata: { killedAt: at.toISOString(), killedBy: 'oncall', killMode: 'disabled' },
    });
    expect(killStateOf(disabled.flag)).toEqual({
      killed: true,
      at: at.toISOString(),
      by: 'oncall',
      mode: 'disabled',
    });
    expect(killStateOf(plain)).toEqual({ killed: false });
  });

  it('restores exactly what the kill replaced, refuses a stale ETag, and refuses after a later edit', async () => {
    const store = new MemoryFlagStore({ flagSets: { app: set() }, logger: quiet });
    const before = (await store.load('app')).document.flags.rollout!;
    await expect(killFlag(store, 'app', 'rollout', { ifMatch: '"nope"' })).rejects.toBeInstanceOf(
      FlagConflictError,
    );
    const killed = await killFlag(store, 'app', 'rollout', { ifMatch: flagEtag(before), actor: 'a' });
    expect(killed).toMatchObject({ changed: true, version: 2, detail: { mode: 'off-variant' } });
    expect(await killFlag(store, 'app', 'rollout')).toMatchObject({ changed: false, version: 2 });
    const restored = await restoreFlag(store, 'app', 'rollout', { actor: 'b' });
    expect(restored).toMatchObject({
      changed: true,
      version: 3,
      etag: flagEtag(before),
      detail: { killVersion: 2, killedBy: 'a' },
    });
    expect((await store.load('app')).document.flags.rollout).toEqual(before);

    await killFlag(store, 'app', 'rollout');
    await store.patchFlag('app', 'rollout', { variants: { on: true, off: false, maybe: true } });
    await expect(restoreFlag(store, 'app', 'rollout')).rejects.toMatchObject({ code: 'changed-since-kill' });
    await expect(restoreFlag(store, 'app', 'plain')).rejects.toMatchObject({ code: 'not-killed' });
    await store.close();
  });
});

describe('rollout weights', () => {
  it('replaces the weights in bucket order, keeping the bucketing expression', () => {
    const next = withRolloutWeights('app', 'rollout', rollout, { off: 50, on: 50 });
    expect(next.targeting).toEqual({ fractional: [{ var: 'orgId' }, ['on', 50], ['off', 50]] });
    expect(rolloutWeightsOf(next)).toEqual({ on: 50, off: 50 });
    expect(() => withRolloutWeights('app', 'rollout', rollout, { on: 1, x: 1 })).toThrow(IntentError);
    const twoSplits: FlagDefinition = {
      ...rollout,
      targeting: { if: [true, { fractional: [['on', 1]] }, { fractional: [['off', 1]] }] },
    };
    expect(() => withRolloutWeights('app', 'rollout', twoSplits, { on: 1 })).toThrow(/2 fractional splits/);
    const computed: FlagDefinition = { ...rollout, targeting: { fractional: [[{ var: 'v' }, 1]] } };
    expect(() => withRolloutWeights('app', 'rollout', computed, { on: 1 })).toThrow(
      /not a list of \[variant, weight\] literals/,
    );
  });
});

describe('targeting changes', () => {
  it('keeps one list per attribute and variant, segments after lists, the old rule as fallback', () => {
    const { $evaluators } = set();
    let flag = withTargetingChange('app', 'rollout', rollout, $evaluators, {
      add: { variant: 'on', segment: 'beta' },
    });
    flag = withTargetingChange('app', 'rollout', flag, $evaluators, {
      add: { variant: 'on', values: ['u1', 'u2'] },
    });
    flag = withTargetingChange('app', 'rollout', flag, $evaluators, {
      add: { variant: 'off', values: ['u2'] },
    });
    expect(flag.targeting).toEqual({
      if: [
        { in: [{ var: 'targetingKey' }, ['u2']] },
        'off',
        { in: [{ var: 'targetingKey' }, ['u1']] },
        'on',
        { $ref: 'beta' },
        'on',
        rollout.targeting,
      ],
    });
    flag = withTargetingChange('app', 'rollout', flag, $evaluators, { remove: { values: ['u1', 'u2'] } });
    flag = withTargetingChange('app', 'rollout', flag, $evaluators, { remove: { segment: 'beta' } });
    expect(flag).toEqual(rollout);
    expect(() =>
      withTargetingChange('app', 'rollout', rollout, $evaluators, {
        add: { variant: 'on', segment: 'vips' },
      }),
    ).toThrow(expect.objectContaining({ code: 'unknown-segment', pointer: '/add/segment' }));
  });
});

describe('revert one flag and promote', () => {
  it('reverts one flag to an earlier version, leaving the others', async () => {
    const store = new MemoryFlagStore({ flagSets: { app: set() }, logger: quiet });
    await store.patchFlag('app', 'plain', { defaultVariant: 'b' });
    await store.patchFlag('app', 'rollout', { state: 'DISABLED' });
    const result = await revertFlag(store, 'app', 'plain', 1);
    expect(result).toMatchObject({ changed: true, version: 4, toVersion: 1 });
    const document = (await store.load('app')).document;
    expect(document.flags.plain).toEqual(set().flags.plain);
    expect(document.flags.rollout!.state).toBe('DISABLED');
    await store.close();
  });

  it('plans a promotion with its diff and applies it compare-and-set on the target', async () => {
    const store = new MemoryFlagStore({
      flagSets: { staging: set(), production: { flags: {}, metadata: { env: 'prod' } } },
      logger: quiet,
    });
    const plan = await planPromotion(store, 'staging', 'production', { flags: ['rollout'] });
    expect(plan.flags).toEqual({ added: ['rollout'], removed: [], changed: [] });
    expect(plan.changes).toEqual([{ op: 'add', path: '/flags/rollout', after: rollout }]);
    await store.replaceFlagSet('production', { flags: {}, metadata: { env: 'prod', touched: true } });
    await expect(
      promote(store, 'staging', 'production', { flags: ['rollout'], expectedVersion: plan.toVersion }),
    ).rejects.toMatchObject({
      name: 'VersionConflictError',
    });
    const applied = await promote(store, 'staging', 'production', {
      flags: ['rollout'],
      expectedVersion: plan.toVersion + 1,
    });
    expect(applied).toMatchObject({ applied: true, version: plan.toVersion + 2 });
    expect((await store.load('production')).document).toEqual({
      flags: { rollout },
      metadata: { env: 'prod', touched: true },
    });
    await store.close();
  });
});
