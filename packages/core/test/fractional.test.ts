import type { EvaluationContext } from '@openfeature/core';
import { FlagdCore } from '@openfeature/flagd-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, compileFlagSet, murmur3 } from '../src/index.js';

const SILENT = { error() {}, warn() {}, info() {}, debug() {} };
const asciiKey = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});
const weight = fc.oneof(
  fc.integer({ min: -5, max: 100 }),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: 0, max: 2 ** 29 }),
);

function documentFor(targeting: unknown, variantCount: number) {
  const variants: Record<string, string> = { fallback: 'fallback' };
  for (let i = 0; i < variantCount; i++) variants[`v${i}`] = `value-${i}`;
  return { flags: { 'rollout-flag': { state: 'ENABLED', variants, defaultVariant: 'fallback', targeting } } };
}

/** Evaluates the same document with ours and with flagd-core; returns both results' essentials. */
function both(document: object, context: EvaluationContext) {
  const ours = compileFlagSet(document).evaluate('rollout-flag', 'string', 'caller', context);
  const core = new FlagdCore(undefined, SILENT);
  core.setConfigurations(JSON.stringify(document));
  const theirs = core.resolveStringEvaluation('rollout-flag', 'caller', context);
  return {
    ours: { value: ours.value, variant: ours.variant, reason: ours.reason },
    theirs: { value: theirs.value, variant: theirs.variant, reason: theirs.reason },
  };
}

describe('fractional', () => {
  it('is bit-exact with flagd-core for random ASCII targeting keys and weights (property)', () => {
    fc.assert(
      fc.property(asciiKey, fc.array(weight, { minLength: 1, maxLength: 6 }), (targetingKey, weights) => {
        const targeting = { fractional: weights.map((w, i) => [`v${i}`, w]) };
        const { ours, theirs } = both(documentFor(targeting, weights.length), { targetingKey });
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 150 },
    );
  });

  it('is bit-exact with flagd-core with a bucketing-key expression and rule weights (property)', () => {
    fc.assert(
      fc.property(
        asciiKey,
        fc.array(weight, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -10, max: 100 }),
        (bucketKey, weights, ruleWeight) => {
          const targeting = {
            fractional: [
              { cat: [{ var: '$flagd.flagKey' }, { var: 'user.id' }] },
              ...weights.map((w, i) => [`v${i}`, w]),
              ['v0', { var: 'extraWeight' }],
            ],
          };
          const context = { user: { id: bucketKey }, extraWeight: ruleWeight };
          const { ours, theirs } = both(documentFor(targeting, weights.length), context);
          expect(ours).toEqual(theirs);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('follows flagd on edge cases: no key, zero, negative, fractional and too-large weights', () => {
    const cases: [unknown, EvaluationContext][] = [
      [
        {
          fractional: [
            ['v0', 50],
            ['v1', 50],
          ],
        },
        {},
      ],
      [
        {
          fractional: [
            ['v0', 0],
            ['v1', 0],
          ],
        },
        { targetingKey: 'u' },
      ],
      [
        {
          fractional: [
            ['v0', -50],
            ['v1', 50],
          ],
        },
        { targetingKey: 'u' },
      ],
      [
        {
          fractional: [
            ['v0', 0.5],
            ['v1', 50],
          ],
        },
        { targetingKey: 'u' },
      ],
      [
        {
          fractional: [
            ['v0', 2 ** 31 - 1],
            ['v1', 1],
          ],
        },
        { targetingKey: 'u' },
      ],
      [
        {
          fractional: [
            ['v0', 2 ** 31 - 2],
            ['v1', 1],
          ],
        },
        { targetingKey: 'u' },
      ],
      [{ fractional: [['v0'], ['v1']] }, { targetingKey: 'u' }],
      [{ fractional: [] }, { targetingKey: 'u' }],
      [{ fractional: [{ var: 'missing' }, ['v0', 1]] }, { targetingKey: 'u' }],
      [{ fractional: [{ var: 'bucket' }, ['v1', 1]] }, { targetingKey: 'u', bucket: ['v0', 1] }],
      [{ fractional: [['v0', 1], 'v1'] }, { targetingKey: 'u' }],
      [{ fractional: [['v0', 1, 2]] }, { targetingKey: 'u' }],
      [{ fractional: ['fixed-key', ['v0', 1], ['v1', 1]] }, {}],
    ];
    for (const [targeting, context] of cases) {
      const { ours, theirs } = both(documentFor(targeting, 2), context);
      expect(ours, JSON.stringify(targeting)).toEqual(theirs);
    }
  });

  it('buckets a non-ASCII key over its UTF-8 bytes (Go flagd), not UTF-16 (flagd-core)', () => {
    const targeting = { fractional: [{ var: 'k' }, ['v0', 25], ['v1', 25], ['v2', 25], ['v3', 25]] };
    const flags = compileFlagSet(documentFor(targeting, 4));
    const bucket = bucketOf(605818632, 100); // murmur3("café")
    const expected = `value-${Math.floor(bucket / 25)}`;
    expect(flags.evaluate('rollout-flag', 'string', 'x', { k: 'café' }).value).toBe(expected);
    for (const key of ['ünïcødé', '用户-42', 'emoji-🎉']) {
      const index = Math.floor(bucketOf(murmur3(key), 100) / 25);
      expect(flags.evaluate('rollout-flag', 'string', 'x', { k: key }).value).toBe(`value-${index}`);
    }
  });

  it('splits 10,000 users close to the weights, and each user always the same way', () => {
    const flags = compileFlagSet(
      documentFor(
        {
          fractional: [
            ['v0', 25],
            ['v1', 75],
          ],
        },
        2,
      ),
    );
    let first = 0;
    for (let i = 0; i < 10_000; i++) {
      const context = { targetingKey: `user-${i}` };
      const value = flags.evaluate<string>('rollout-flag', 'string', 'x', context).value;
      if (value === 'value-0') first++;
      expect(flags.evaluate('rollout-flag', 'string', 'x', context).value).toBe(value);
    }
    expect(first).toBeGreaterThan(2_300);
    expect(first).toBeLessThan(2_700);
  });
});
