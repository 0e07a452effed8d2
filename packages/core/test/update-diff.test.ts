import { ErrorCode, type EvaluationContext, type JsonValue } from '@openfeature/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompiledFlagSet, FlagSetValidationError, compileFlagSet, diffFlagSets } from '../src/index.js';

const flag = (variant: 'on' | 'off', targeting?: unknown) => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: variant,
  ...(targeting === undefined ? {} : { targeting }),
});

const document = {
  flags: {
    a: flag('off', { if: [{ $ref: 'isPro' }, 'on', 'off'] }),
    b: flag('off', { if: [{ and: [{ $ref: 'isPro' }, { $ref: 'isUS' }] }, 'on', null] }),
    c: flag('off', { if: [{ $ref: 'isUS' }, 'on', 'off'] }),
    d: flag('on'),
  },
  $evaluators: {
    isPro: { '==': [{ var: 'tier' }, 'pro'] },
    isUS: { '==': [{ var: 'country' }, 'US'] },
  },
  metadata: { flagSetId: 'shop' },
};

describe(diffFlagSets.name, () => {
  it('reports every flag as added against nothing', () => {
    expect(diffFlagSets(undefined, compileFlagSet(document))).toEqual({
      added: ['a', 'b', 'c', 'd'],
      removed: [],
      changed: [],
    });
  });

  it('reports nothing between two compilations of the same document', () => {
    expect(diffFlagSets(compileFlagSet(document), compileFlagSet(structuredClone(document)))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('ignores key order inside definitions', () => {
    const reordered = structuredClone(document);
    reordered.flags.d = {
      defaultVariant: 'on',
      variants: { off: false, on: true },
      state: 'ENABLED',
    } as never;
    expect(diffFlagSets(compileFlagSet(document), compileFlagSet(reordered)).changed).toEqual([]);
  });

  it('marks exactly the flags that use a changed $evaluators rule', () => {
    const after = structuredClone(document);
    after.$evaluators.isUS = { in: [{ var: 'country' }, ['US', 'CA']] } as never;
    expect(diffFlagSets(compileFlagSet(document), compileFlagSet(after))).toEqual({
      added: [],
      removed: [],
      changed: ['b', 'c'],
    });
  });
});

describe(`${CompiledFlagSet.name}.update`, () => {
  const before = compileFlagSet(document, { metadata: { version: 1 } });

  it('adds, removes and replaces flags, with exact changes', () => {
    const after = before.update({
      flags: { a: null, d: flag('off'), e: flag('on'), c: document.flags.c },
    });
    expect(diffFlagSets(before, after)).toEqual({ added: ['e'], removed: ['a'], changed: ['d'] });
    expect(after.keys()).toEqual(['b', 'c', 'd', 'e']);
    expect(after.evaluate('d', 'boolean', true)).toMatchObject({ value: false, variant: 'off' });
    expect(after.evaluate('a', 'boolean', true).errorCode).toBe(ErrorCode.FLAG_NOT_FOUND);
    // The original set is untouched.
    expect(before.keys()).toEqual(['a', 'b', 'c', 'd']);
    expect(before.evaluate('d', 'boolean', false).value).toBe(true);
  });

  it('reuses the compiled program of every flag the change does not touch', () => {
    const after = before.update({ flags: { d: flag('off') } });
    for (const key of ['a', 'b', 'c']) expect(after.get(key)!.program).toBe(before.get(key)!.program);
    expect(after.get('d')!.program).not.toBe(before.get('d')!.program);
  });

  it('recompiles with new $evaluators and marks exactly the flags that use the changed rule', () => {
    const after = before.update({
      evaluators: { ...document.$evaluators, isPro: { in: [{ var: 'tier' }, ['pro', 'business']] } },
    });
    expect(diffFlagSets(before, after)).toEqual({ added: [], removed: [], changed: ['a', 'b'] });
    expect(before.evaluate('a', 'boolean', false, { tier: 'business' }).value).toBe(false);
    expect(after.evaluate('a', 'boolean', false, { tier: 'business' }).value).toBe(true);
  });

  it('replaces set metadata and the overlay (e.g. a new version) without changing flags', () => {
    const after = before.update({ metadata: { flagSetId: 'shop-2' }, overlay: { version: 2 } });
    expect(after.evaluate('d', 'boolean', false).flagMetadata).toEqual({ flagSetId: 'shop-2', version: 2 });
    expect(before.evaluate('d', 'boolean', false).flagMetadata).toEqual({ flagSetId: 'shop', version: 1 });
    expect(after.toDocument().metadata).toEqual({ flagSetId: 'shop-2' });
    expect(diffFlagSets(before, after).changed).toEqual([]);
  });

  it('keeps the overlay when only flags change', () => {
    expect(before.update({ flags: { d: flag('off') } }).evaluate('d', 'boolean', true).flagMetadata).toEqual({
      flagSetId: 'shop',
      version: 1,
    });
  });

  it('refuses an invalid flag in reject mode and isolates it in isolate mode', () => {
    const bad = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' };
    expect(() => before.update({ flags: { x: bad } })).toThrow(FlagSetValidationError);
    const isolated = compileFlagSet(document, { invalidFlags: 'isolate' }).update({ flags: { x: bad } });
    expect(isolated.evaluate('x', 'boolean', false).errorCode).toBe(ErrorCode.PARSE_ERROR);
    expect(isolated.evaluate('d', 'boolean', false).value).toBe(true);
    expect(isolated.issues.map((i) => i.path)).toEqual(['/flags/x/defaultVariant']);
  });

  it('keeps the issues of a broken evaluator exactly once across updates (isolate mode)', () => {
    const broken = compileFlagSet(
      { flags: { u: flag('on', { $ref: 'bad' }), d: flag('on') }, $evaluators: { bad: { nope: [] } } },
      { invalidFlags: 'isolate' },
    );
    const issues = broken.issues.map((i) => [i.flagKey, i.path]);
    expect(issues).toEqual([
      [undefined, '/$evaluators/bad/nope'],
      ['u', '/$evaluators/bad/nope'],
    ]);
    const twice = broken.update({ flags: { d: flag('off') } }).update({ flags: { d: flag('on') } });
    expect(twice.issues.map((i) => [i.flagKey, i.path])).toEqual(issues);
    expect(twice.evaluate('u', 'boolean', false).errorCode).toBe(ErrorCode.PARSE_ERROR);
  });

  it('refuses new $evaluators that break a flag, naming it', () => {
    try {
      before.update({ evaluators: { isPro: document.$evaluators.isPro } });
      expect.unreachable('the update was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(FlagSetValidationError);
      expect((error as FlagSetValidationError).flagKeys).toEqual(['b', 'c']);
    }
  });

  it('refuses invalid set metadata', () => {
    expect(() => before.update({ metadata: { bad: {} as never } })).toThrow(/\/metadata\/bad/);
  });
});

describe('update and diff agree with recompiling (property)', () => {
  const definition = fc.record({
    state: fc.constantFrom('ENABLED', 'DISABLED'),
    variants: fc.constant({ on: true, off: false }),
    defaultVariant: fc.constantFrom('on', 'off'),
    targeting: fc.constantFrom(
      {},
      { $ref: 'isPro' },
      { $ref: 'isUS' },
      { if: [{ $ref: 'isPro' }, 'on', 'off'] },
      { if: [{ '==': [{ var: 'tier' }, 'free'] }, 'off', null] },
    ),
  });
  const flagSet = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), definition, { maxKeys: 5 });
  const evaluators = fc.record({
    isPro: fc.constantFrom(
      { '==': [{ var: 'tier' }, 'pro'] },
      { in: [{ var: 'tier' }, ['pro', 'business']] },
    ),
    isUS: fc.constantFrom({ '==': [{ var: 'country' }, 'US'] }, { '!=': [{ var: 'country' }, 'FR'] }),
  });
  const uses = (def: { targeting: unknown }, name: string) =>
    JSON.stringify(def.targeting).includes(`"${name}"`);

  it('reports exactly the added, removed and changed flags, and update() reaches the same set', () => {
    fc.assert(
      fc.property(flagSet, evaluators, flagSet, evaluators, (flagsA, evalsA, flagsB, evalsB) => {
        const before = compileFlagSet({ flags: flagsA, $evaluators: evalsA });
        const after = compileFlagSet({ flags: flagsB, $evaluators: evalsB });
        const changes = diffFlagSets(before, after);
        const inA = Object.keys(flagsA);
        const inB = Object.keys(flagsB);
        expect(changes.added.sort()).toEqual(inB.filter((k) => !inA.includes(k)).sort());
        expect(changes.removed.sort()).toEqual(inA.filter((k) => !inB.includes(k)).sort());
        const changed = inB.filter((k) => {
          const [a, b] = [flagsA[k], flagsB[k]];
          if (!a || !b) return false;
          if (JSON.stringify(a) !== JSON.stringify(b)) return true;
          return (['isPro', 'isUS'] as const).some(
            (name) => uses(b, name) && JSON.stringify(evalsA[name]) !== JSON.stringify(evalsB[name]),
          );
        });
        expect(changes.changed.sort()).toEqual(changed.sort());

        const updated = before.update({
          flags: { ...Object.fromEntries(changes.removed.map((k) => [k, null])), ...flagsB },
          evaluators: evalsB as unknown as Record<string, JsonValue>,
        });
        expect(diffFlagSets(updated, after)).toEqual({ added: [], removed: [], changed: [] });
        expect(updated.keys().sort()).toEqual(after.keys().sort());
        const contexts: EvaluationContext[] = [
          { tier: 'pro', country: 'US' },
          { tier: 'free', country: 'FR' },
          {},
        ];
        for (const context of contexts) {
          for (const key of after.keys()) {
            expect(updated.evaluate(key, 'boolean', false, context)).toEqual(
              after.evaluate(key, 'boolean', false, context),
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
