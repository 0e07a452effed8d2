import { compileFlagSet } from '@ensign/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RolloutError,
  checkPlanAgainstFlag,
  formatDuration,
  parseDuration,
  parsePlanSpec,
  releasedPercent,
  stageWeights,
  withPlanMarks,
} from '../src/index.js';

const base = {
  flagKey: 'checkout',
  release: 'on',
  replace: 'off',
  stages: [{ percent: 5, minDuration: '1h', minUnitsPerArm: 100 }, { percent: 100 }],
  guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase' }],
};

function problems(raw: unknown): string[] {
  try {
    parsePlanSpec('shop', raw);
  } catch (error) {
    expect(error).toBeInstanceOf(RolloutError);
    return (error as RolloutError).problems.map((p) => `${p.pointer} ${p.message}`);
  }
  return [];
}

describe(parsePlanSpec.name, () => {
  it('fills the defaults and reads durations', () => {
    const spec = parsePlanSpec('shop', base);
    expect(spec).toMatchObject({
      id: 'checkout',
      onHarm: 'rollback',
      onInconclusive: 'proceed',
      alpha: 0.05,
      minUnitsForTests: 200,
    });
    expect(spec.stages).toEqual([
      { percent: 5, minDurationMs: 3_600_000, minUnitsPerArm: 100 },
      { percent: 100, minDurationMs: 0, minUnitsPerArm: 0 },
    ]);
    expect(spec.guardrails[0]).toEqual({
      metric: 'error',
      kind: 'proportion',
      direction: 'increase',
      tolerance: 0,
      sequential: true,
      requireEvents: true,
    });
  });

  it('lists every problem by JSON Pointer at once', () => {
    expect(
      problems({
        ...base,
        id: 'has space',
        release: 'off',
        stages: [{ percent: 50 }, { percent: 25, minDuration: 'soon' }, { percent: 120 }],
        guardrails: [
          { metric: 'error', kind: 'proportion', direction: 'increase', threshold: 2 },
          { metric: 'error', kind: 'mean', direction: 'increase', sequential: false },
        ],
        onHarm: 'panic',
        alpha: 0.9,
        extra: true,
      }),
    ).toEqual([
      '/extra is not an allowed field',
      '/id must be 1 to 64 letters, digits, ".", "_" or "-" (default: the flag key, when it is one)',
      '/replace must differ from release',
      '/stages/1/minDuration must be a duration such as "30m", "2h", "1d" or a number of ms',
      '/stages/2/percent must be a number above 0 and at most 100',
      '/guardrails/0/threshold of a proportion must be between 0 and 1',
      '/guardrails/1/threshold is required when sequential is false (the guardrail would check nothing)',
      '/onHarm must be "rollback" or "kill"',
      '/alpha must be in (0, 0.5]',
    ]);
    expect(problems({ ...base, stages: [{ percent: 25 }, { percent: 25 }] })).toEqual([
      "/stages/1/percent must be above the previous stage's 25% (stages only increase; a rollback is the controller's job)",
    ]);
    expect(problems('plan')).toEqual([]); // not an object: refused without problems to list
    expect(() => parsePlanSpec('shop', 'plan')).toThrow(/must be a JSON object/);
  });

  it('reads and prints durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('1 week')).toBeUndefined();
    expect(formatDuration(3_723_000)).toBe('1h 2m');
    expect(formatDuration(500)).toBe('500ms');
  });
});

describe(stageWeights.name, () => {
  it('splits the pool of the two variants, scaling every weight once when it is too coarse', () => {
    expect(stageWeights({ on: 0, off: 100 }, 'on', 'off', 5)).toEqual({ on: 500, off: 9500 });
    expect(stageWeights({ on: 500, off: 9500 }, 'on', 'off', 25)).toEqual({ on: 2500, off: 7500 });
    // A third variant keeps its share: its weight is scaled with the others, never moved.
    expect(stageWeights({ a: 20, on: 0, off: 80 }, 'on', 'off', 50)).toEqual({
      a: 2500,
      on: 5000,
      off: 5000,
    });
    expect(releasedPercent({ a: 2500, on: 5000, off: 5000 }, 'on', 'off')).toBe(50);
  });

  it('keeps every user in the released variant as the percentage grows (property, real evaluator)', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 1, max: 99 }), { minLength: 2, maxLength: 5 })
          .map((p) => [...new Set(p)].sort((a, b) => a - b)),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        (percents, other, releaseFirst) => {
          let weights: Record<string, number> = releaseFirst
            ? { other, on: 0, off: 100 - Math.min(other, 99) }
            : { other, off: 100 - Math.min(other, 99), on: 0 };
          const users = Array.from({ length: 400 }, (_, i) => `u${i}`);
          let before: (string | undefined)[] | undefined;
          for (const percent of percents) {
            weights = stageWeights(weights, 'on', 'off', percent);
            const flags = compileFlagSet({
              flags: {
                f: {
                  state: 'ENABLED',
                  variants: { on: 'on', off: 'off', other: 'other' },
                  defaultVariant: 'off',
                  targeting: { fractional: Object.entries(weights) },
                },
              },
            });
            const now = users.map((u) => flags.evaluate('f', 'string', '', { targetingKey: u }).variant);
            if (before)
              before.forEach((variant, i) => {
                if (variant === 'on' || variant === 'other') expect(now[i]).toBe(variant);
              });
            before = now;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe(checkPlanAgainstFlag.name, () => {
  const spec = parsePlanSpec('shop', base);
  const flag = (targeting: unknown, variants: Record<string, boolean> = { on: true, off: false }) => ({
    state: 'ENABLED' as const,
    variants,
    defaultVariant: 'off',
    ...(targeting !== undefined && { targeting: targeting as never }),
  });

  it('accepts a split inside a rule, and a released variant not in the split yet', () => {
    expect(
      checkPlanAgainstFlag('shop', spec, flag({ if: [{ '==': [1, 1] }, { fractional: [['off', 100]] }] })),
    ).toEqual({
      off: 100,
    });
  });

  it('refuses what does not fit, with the reason', () => {
    const codes = [
      flag(undefined),
      flag(
        {
          fractional: [
            ['on', 50],
            ['off', 50],
          ],
        },
        { on: true },
      ),
      flag(
        {
          fractional: [
            ['on', 0],
            ['beta', 50],
            ['off', 50],
          ],
        },
        { on: true, off: false, beta: true },
      ),
      flag({
        fractional: [
          ['on', 0],
          ['off', 0],
        ],
      }),
    ].map((f) => {
      try {
        checkPlanAgainstFlag('shop', spec, f);
        return 'accepted';
      } catch (error) {
        return (error as RolloutError).code;
      }
    });
    expect(codes).toEqual(['not-a-split', 'unknown-variant', 'not-adjacent', 'not-a-split']);
    expect(() => checkPlanAgainstFlag('shop', spec, undefined)).toThrow(/does not exist/);
  });
});

describe(withPlanMarks.name, () => {
  it('marks and unmarks the flag, keeping its other metadata', () => {
    const marked = withPlanMarks(
      { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a', metadata: { owner: 'x' } },
      { plan: 'p', cohort: 'p.1' },
    );
    expect(marked.metadata).toEqual({ owner: 'x', rolloutPlan: 'p', metricsCohort: 'p.1' });
    expect(withPlanMarks(marked, undefined).metadata).toEqual({ owner: 'x' });
    expect(
      withPlanMarks({ state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' }, undefined),
    ).not.toHaveProperty('metadata');
  });
});
