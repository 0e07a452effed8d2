/**
 * Generated targeting functions must behave exactly like the closure compiler they stand in for:
 * random rules over the inlined operators (and some that are not inlined), random contexts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFlagSet } from '../src/index.js';
import { codegenAvailable, generateTargeting } from '../src/logic/codegen.js';
import { compileNode } from '../src/logic/compile.js';
import type { CompileScope } from '../src/logic/types.js';
import type { JsonValue } from '../src/types.js';

function scope(evaluators: Record<string, JsonValue> = {}): CompileScope {
  return {
    flagKey: 'flag',
    evaluators,
    path: '/flags/flag/targeting',
    depth: 0,
    inElementScope: false,
    refStack: [],
    counter: { nodes: 0 },
    issues: [],
    refs: new Set(),
  };
}

const scalar = fc.oneof(
  fc.constantFrom('pro', 'business', 'free', 'US', 'DE', '', '0', 'true'),
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.constant(null),
);
const key = fc.constantFrom('tier', 'country', 'n', 'flag', 'missing', 'targetingKey', '$flagd', 'toString');

const { rule } = fc.letrec<{ rule: JsonValue }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    key.map((k) => ({ var: k })),
    key.map((k) => ({ var: [k] })),
    fc.tuple(key, scalar).map(([k, d]) => ({ var: [k, d] })),
    fc
      .tuple(fc.constantFrom('==', '===', '!=', '!==', '<', '<=', '>', '>='), tie('rule'), tie('rule'))
      .map(([op, a, b]) => ({ [op]: [a, b] })),
    fc.tuple(fc.constantFrom('!', '!!'), tie('rule')).map(([op, a]) => ({ [op]: [a] })),
    fc
      .tuple(fc.constantFrom('and', 'or'), fc.array(tie('rule'), { minLength: 1, maxLength: 4 }))
      .map(([op, args]) => ({ [op]: args })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 5 }).map((args) => ({ if: args })),
    fc
      .tuple(tie('rule'), fc.array(scalar, { maxLength: 10 }))
      .map(([needle, list]) => ({ in: [needle, list] })),
    fc.constant({
      fractional: [
        ['a', 50],
        ['b', 50],
      ],
    }),
    fc.constant({ $ref: 'shared' }),
    fc.tuple(tie('rule')).map(([a]) => ({ cat: [a, '-'] })),
  ) as fc.Arbitrary<JsonValue>,
}));

const context = fc.record(
  {
    targetingKey: fc.string({ maxLength: 6 }),
    tier: scalar,
    country: scalar,
    n: fc.integer({ min: -3, max: 3 }),
    flag: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('code generation', () => {
  it('is available in Node', () => {
    expect(codegenAvailable()).toBe(true);
  });

  it('generates functions that agree with the closure compiler', () => {
    const evaluators = { shared: { in: [{ var: 'tier' }, ['pro', 'business']] } };
    fc.assert(
      fc.property(rule, fc.array(context, { minLength: 1, maxLength: 5 }), (r, contexts) => {
        const s = scope(evaluators);
        const closure = compileNode(r, s);
        fc.pre(s.issues.length === 0);
        const generated = generateTargeting(r, scope(evaluators)) ?? closure;
        for (const ctx of contexts) {
          expect(generated(ctx, ctx)).toEqual(closure(ctx, ctx));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps hostile literals and keys inert', () => {
    const r: JsonValue = {
      if: [{ '==': [{ var: '"); throw 1; ("' }, '"]); throw 2; (["'] }, 'a', { in: ['*/', ['*/']] }],
    };
    const generated = generateTargeting(r, scope());
    expect(generated).toBeDefined();
    expect(generated!({ '"); throw 1; ("': '"]); throw 2; (["' }, {})).toBe('a');
    expect(generated!({}, {})).toBe(true);
  });

  it('gives the same results with and without code generation for a whole set', () => {
    const doc: JsonValue = {
      flags: {
        f: {
          state: 'ENABLED',
          variants: { A: 'A', B: 'B', C: 'C' },
          defaultVariant: 'A',
          targeting: {
            if: [
              { and: [{ in: [{ var: 'tier' }, ['pro', 'business']] }, { '==': [{ var: 'country' }, 'US'] }] },
              'B',
              {
                fractional: [
                  ['A', 25],
                  ['C', 75],
                ],
              },
            ],
          },
        },
      },
    };
    const fast = compileFlagSet(doc);
    const slow = compileFlagSet(doc, { codegen: false });
    for (let i = 0; i < 500; i++) {
      const ctx = {
        targetingKey: `user-${i}`,
        tier: ['pro', 'free', 'business'][i % 3]!,
        country: i % 2 ? 'US' : 'DE',
      };
      expect(fast.evaluate('f', 'string', 'x', ctx)).toEqual(slow.evaluate('f', 'string', 'x', ctx));
    }
  });
});
