/**
 * The sync's incremental compilation: a change recompiles only the flags it touched, yet the
 * result behaves exactly like a full compile, with the new version on every flag's metadata.
 */
import { type EvaluationContext, type FlagSetDocument, compileFlagSet } from '@ensign/core';
import { describe, expect, it } from 'vitest';
import { IncrementalCompiler } from '../src/sync/compile.js';
import { FLAG_SET, sampleDocument } from './fixtures/flags.js';

const CONTEXTS: EvaluationContext[] = [
  {},
  { tier: 'pro', targetingKey: 'u1' },
  { pick: 'y' },
  { pick: 'nope' },
];

/** Every flag of `expected`, evaluated as every type in every context, must agree. */
function expectSameBehaviour(actual: ReturnType<typeof compileFlagSet>, document: FlagSetDocument): void {
  const expected = compileFlagSet(document, { invalidFlags: 'isolate' });
  expect(actual.keys().sort()).toEqual(expected.keys().sort());
  for (const key of expected.keys()) {
    for (const [type, fallback] of [
      ['boolean', false],
      ['string', ''],
      ['number', 0],
      ['object', {}],
    ] as const) {
      for (const context of CONTEXTS) {
        const a = actual.evaluate(key, type, fallback, context);
        const e = expected.evaluate(key, type, fallback, context);
        expect({
          key,
          type,
          value: a.value,
          variant: a.variant,
          reason: a.reason,
          errorCode: a.errorCode,
        }).toEqual({
          key,
          type,
          value: e.value,
          variant: e.variant,
          reason: e.reason,
          errorCode: e.errorCode,
        });
      }
    }
  }
}

describe(IncrementalCompiler.name, () => {
  it('recompiles only the flags whose stored JSON changed, and stamps the new version on all', () => {
    const compiler = new IncrementalCompiler(FLAG_SET);
    const v1 = compiler.compile(sampleDocument(), 1);
    const next = sampleDocument();
    next.flags.headline!.defaultVariant = 'b';
    delete (next.flags as Record<string, unknown>).picker;
    next.flags.added = { state: 'ENABLED', variants: { on: 'yes' }, defaultVariant: 'on' };
    const v2 = compiler.compile(next, 2);

    expect(v2.get('new-checkout')!.program).toBe(v1.get('new-checkout')!.program);
    expect(v2.get('theme')!.program).toBe(v1.get('theme')!.program);
    expect(v2.get('headline')!.program).not.toBe(v1.get('headline')!.program);
    expect(v2.get('picker')).toBeUndefined();
    expect(v2.get('new-checkout')!.flagMetadata).toMatchObject({ flagSetId: FLAG_SET, version: 2 });
    expectSameBehaviour(v2, next);
  });

  it('applies single flags with patch() exactly as a full compile would', () => {
    const compiler = new IncrementalCompiler(FLAG_SET);
    const v1 = compiler.compile(sampleDocument(), 1);
    const v2 = compiler.patch(
      {
        headline: { state: 'DISABLED', variants: { a: 'A' }, defaultVariant: 'a' },
        picker: null,
        theme: v1.get('theme')!.program.definition,
      },
      2,
    );
    const expected = sampleDocument();
    expected.flags.headline = { state: 'DISABLED', variants: { a: 'A' }, defaultVariant: 'a' };
    delete (expected.flags as Record<string, unknown>).picker;
    expectSameBehaviour(v2, expected);
    // An unchanged definition passed again is not recompiled.
    expect(v2.get('theme')!.program).toBe(v1.get('theme')!.program);
    expect(v2.get('max-items')!.flagMetadata.version).toBe(2);
    // The patched state is the base of the next full compile: nothing is recompiled for it.
    const v3 = compiler.compile(expected, 3);
    expect(v3.get('headline')!.program).toBe(v2.get('headline')!.program);
  });

  it('recompiles every flag when $evaluators change, since any flag may use them', () => {
    const compiler = new IncrementalCompiler(FLAG_SET);
    const withRef = (tier: string): FlagSetDocument => {
      const doc = sampleDocument();
      doc.$evaluators = { isPaid: { '==': [{ var: 'tier' }, tier] } };
      doc.flags['new-checkout']!.targeting = { if: [{ $ref: 'isPaid' }, 'on', null] };
      return doc;
    };
    const v1 = compiler.compile(withRef('pro'), 1);
    const v2 = compiler.compile(withRef('business'), 2);
    expect(v2.get('headline')!.program).not.toBe(v1.get('headline')!.program);
    expect(v2.evaluate('new-checkout', 'boolean', false, { tier: 'business' }).value).toBe(true);
    expect(v2.evaluate('new-checkout', 'boolean', false, { tier: 'pro' }).value).toBe(false);
    expectSameBehaviour(v2, withRef('business'));
  });
});
