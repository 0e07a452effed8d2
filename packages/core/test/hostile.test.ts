/** Hostile input: random documents, random contexts and prototype tricks cannot crash the evaluator. */
import { ErrorCode, type EvaluationContext, StandardResolutionReasons } from '@openfeature/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompiledFlagSet,
  FlagSetValidationError,
  compileFlagSet,
  validateFlagSet,
} from '../src/index.js';

const REASONS = new Set<string>(Object.values(StandardResolutionReasons));
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
const VARIANTS = ['on', 'off', 'a', 'b'];

const OPERATORS = [
  ...['var', 'missing', 'missing_some', 'if', '?:', 'and', 'or', '==', '===', '!=', '!==', '!', '!!'],
  ...['>', '>=', '<', '<=', 'max', 'min', '+', '-', '*', '/', '%', 'in', 'cat', 'substr', 'merge'],
  ...['map', 'filter', 'all', 'none', 'some', 'reduce', 'log', 'fractional', 'sem_ver', 'starts_with'],
  ...['ends_with', 'regex', 'before', 'after', '$ref', 'not-an-operator'],
];
const PATHS = [
  ...['__proto__', '__proto__.x', 'constructor', 'constructor.name', 'prototype', 'toString', 'valueOf'],
  ...['hasOwnProperty', 'tier', 'user.id', 'targetingKey', '$flagd.flagKey', '$flagd.timestamp', '', 'list'],
  ...['list.0', 'list.length', 'a.b.c', 'createdAt', 'version'],
];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length'];

const leaf = fc.oneof(
  fc.constantFrom(...VARIANTS),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('1.2.3', '2026-01-01', '^a.*', '(a+)+$', 'e', 'x'),
);

/** JsonLogic-shaped rules built from every operator we know (and one we do not). */
const { rule } = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    leaf,
    fc.constantFrom(...PATHS).map((path) => ({ var: path })),
    fc.array(tie('rule'), { maxLength: 3 }),
    fc
      .tuple(fc.constantFrom(...OPERATORS), fc.array(tie('rule'), { maxLength: 4 }))
      .map(([operator, args]) => ({ [operator]: operator === '$ref' ? 'e' : args })),
  ),
}));

/** Rules as targeting: half of them pick a variant by a random condition, so matches occur too. */
const targetingRule = fc.oneof(
  rule,
  rule.map((condition) => ({ if: [condition, 'a', { if: [{ '!': condition }, 'b', null] }] })),
);

const contextKey = fc.oneof(
  fc.constantFrom(...KEYS, 'tier', 'user', 'id', 'list', 'targetingKey'),
  fc.string({ maxLength: 6 }),
);
const { value: contextValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.string({ maxLength: 12 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.date(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(contextKey, tie('value'), { maxKeys: 5 }),
  ),
}));
const context = fc.dictionary(contextKey, contextValue, { maxKeys: 8 }) as fc.Arbitrary<EvaluationContext>;

function expectValidResult(flags: CompiledFlagSet, key: string, ctx: EvaluationContext): void {
  const result = flags.evaluate(key, 'string', 'caller-default', ctx);
  expect(REASONS.has(result.reason!)).toBe(true);
  if (result.errorCode !== undefined) {
    expect(ERROR_CODES.has(result.errorCode)).toBe(true);
    expect(result.reason).toBe(StandardResolutionReasons.ERROR);
    expect(result.value).toBe('caller-default');
  } else if (result.variant !== undefined) {
    expect(VARIANTS).toContain(result.value);
  } else {
    expect(result.value).toBe('caller-default');
  }
}

function ruleDocument(targeting: unknown, evaluator: unknown) {
  return JSON.parse(
    JSON.stringify({
      flags: {
        f: {
          state: 'ENABLED',
          variants: Object.fromEntries(VARIANTS.map((v) => [v, v])),
          defaultVariant: 'on',
          targeting,
        },
      },
      $evaluators: { e: evaluator },
    }),
  );
}

describe('random documents', () => {
  it('never make validation or compilation throw anything but FlagSetValidationError (property)', () => {
    const documents = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }),
      fc.record({
        flags: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }),
      }),
      fc.record({
        flags: fc.dictionary(
          fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 4 })),
          fc.record(
            {
              state: fc.oneof(fc.constantFrom('ENABLED', 'DISABLED'), fc.jsonValue({ maxDepth: 2 })),
              variants: fc.oneof(
                fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 3 })),
                fc.jsonValue(),
              ),
              defaultVariant: fc.oneof(
                fc.string({ maxLength: 3 }),
                fc.constant(null),
                fc.jsonValue({ maxDepth: 2 }),
              ),
              targeting: fc.oneof(rule, fc.jsonValue({ maxDepth: 3 })),
              metadata: fc.jsonValue({ maxDepth: 2 }),
            },
            { requiredKeys: [] },
          ),
          { maxKeys: 4 },
        ),
        $evaluators: fc.dictionary(fc.constantFrom('e', 'f', '__proto__'), rule, { maxKeys: 3 }),
        metadata: fc.jsonValue({ maxDepth: 2 }),
      }),
    );
    fc.assert(
      fc.property(documents, (generated) => {
        // Through JSON, as documents arrive: `__proto__` becomes an own key.
        const document = JSON.parse(JSON.stringify(generated) ?? 'null');
        const issues = validateFlagSet(document);
        for (const issue of issues) {
          expect(typeof issue.path).toBe('string');
          expect(issue.message.length).toBeGreaterThan(0);
        }
        let rejected: unknown;
        try {
          compileFlagSet(document);
        } catch (error) {
          rejected = error;
        }
        expect(rejected === undefined || rejected instanceof FlagSetValidationError).toBe(true);
        // Refused exactly when validation found problems.
        expect(rejected === undefined).toBe(issues.length === 0);
        try {
          const flags = compileFlagSet(document, { invalidFlags: 'isolate' });
          for (const result of flags.evaluateAll({ targetingKey: 'u' }))
            expect(REASONS.has(result.reason)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(FlagSetValidationError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('random rules and contexts', () => {
  it('evaluate to a valid result and never throw (property)', () => {
    fc.assert(
      fc.property(
        targetingRule,
        rule,
        fc.array(context, { minLength: 1, maxLength: 3 }),
        (targeting, evaluator, contexts) => {
          const flags = compileFlagSet(ruleDocument(targeting, evaluator), { invalidFlags: 'isolate' });
          for (const ctx of contexts) {
            expectValidResult(flags, 'f', ctx);
            expect(flags.evaluateAll(ctx)).toHaveLength(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('give the same results with and without code generation (property)', () => {
    fc.assert(
      fc.property(
        targetingRule,
        rule,
        fc.array(context, { minLength: 1, maxLength: 3 }),
        (targeting, evaluator, contexts) => {
          const document = ruleDocument(targeting, evaluator);
          const generated = compileFlagSet(document, { invalidFlags: 'isolate', codegen: true });
          const closures = compileFlagSet(document, { invalidFlags: 'isolate', codegen: false });
          for (const ctx of contexts) {
            const a = generated.evaluate('f', 'string', 'x', ctx);
            const b = closures.evaluate('f', 'string', 'x', ctx);
            expect([a.value, a.variant, a.reason, a.errorCode]).toEqual([
              b.value,
              b.variant,
              b.reason,
              b.errorCode,
            ]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  const everyOperator = {
    or: [
      { '==': [{ var: 'deep' }, 'x'] },
      { in: ['x', { var: 'deep' }] },
      { '==': [{ cat: [{ var: 'deep' }] }, 'x'] },
      { sem_ver: [{ var: 'deep' }, '=', '1.0.0'] },
      { regex: [{ var: 'deep' }, 'x'] },
      { after: [{ var: 'deep' }, '2026-01-01'] },
      { some: [{ var: 'big' }, { '==': [{ var: '' }, -1] }] },
      { in: [-1, { var: 'big' }] },
      { '==': [{ var: 'huge.k99999' }, 'x'] },
      { fractional: [{ var: 'deep' }, ['a', 1], ['b', 1]] },
    ],
  };

  it('survives very deep and very large context values', () => {
    const flags = compileFlagSet(ruleDocument({ if: [everyOperator, 'a', 'b'] }, 1), {
      invalidFlags: 'isolate',
    });
    let deepArray: unknown = 'x';
    let deepObject: unknown = 'x';
    for (let i = 0; i < 100_000; i++) {
      deepArray = [deepArray];
      deepObject = { deep: deepObject };
    }
    const huge = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    const big = Array.from({ length: 100_000 }, (_, i) => i);
    for (const deep of [deepArray, deepObject]) {
      const ctx = { deep, huge, big, targetingKey: deep } as unknown as EvaluationContext;
      expectValidResult(flags, 'f', ctx);
    }
  });

  it('turns a context that throws when read into a GENERAL error', () => {
    const flags = compileFlagSet(ruleDocument({ if: [{ var: 'tier' }, 'a', 'b'] }, 1));
    const trap = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('trap');
        },
      },
    );
    expect(flags.evaluate('f', 'string', 'x', trap)).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.GENERAL,
    });
    const nullProto = Object.assign(Object.create(null), { id: 1 });
    const catRule = compileFlagSet(ruleDocument({ cat: [{ var: 'obj' }] }, 1));
    expect(catRule.evaluate('f', 'string', 'x', { obj: nullProto })).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.GENERAL,
    });
  });
});

describe('prototype safety', () => {
  const evaluate = (targeting: unknown, ctx: EvaluationContext) =>
    compileFlagSet(ruleDocument(targeting, 1)).evaluate('f', 'string', 'x', ctx).value;

  it.each([
    '__proto__',
    '__proto__.x',
    '__proto__.constructor',
    'constructor',
    'constructor.name',
    'constructor.prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'user.constructor',
    'user.__proto__',
    'list.constructor',
    'name.toString',
  ])('var %s never reaches a prototype', (path) => {
    const rule = { if: [{ var: path }, 'on', 'off'] };
    expect(evaluate(rule, {})).toBe('off');
    expect(evaluate(rule, { user: {}, list: [], name: 'ann' })).toBe('off');
    expect(evaluate({ if: [{ '==': [{ var: [path, 'fallback'] }, 'fallback'] }, 'on', 'off'] }, {})).toBe(
      'on',
    );
    expect(evaluate({ if: [{ missing: [path] }, 'on', 'off'] }, {})).toBe('on');
    expect(evaluate({ if: [{ some: [[{}], { var: path }] }, 'on', 'off'] }, {})).toBe('off');
  });

  it('reads an own __proto__ key of a context parsed from JSON as data', () => {
    const ctx = JSON.parse('{"__proto__": {"x": "a", "tier": "pro"}, "constructor": "b"}');
    expect(evaluate({ var: '__proto__.x' }, ctx)).toBe('a');
    expect(evaluate({ var: 'constructor' }, ctx)).toBe('b');
    expect(evaluate({ if: [{ var: 'tier' }, 'on', 'off'] }, ctx)).toBe('off');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).tier).toBeUndefined();
  });

  it('keeps a flag named __proto__ as a flag', () => {
    const document = JSON.parse(
      '{"flags": {"__proto__": {"state": "ENABLED", "variants": {"on": true}, "defaultVariant": "on"}, "constructor": {"state": "DISABLED", "variants": {"on": true}}}}',
    );
    const flags = compileFlagSet(document);
    expect(flags.keys()).toEqual(['__proto__', 'constructor']);
    expect(flags.evaluate('__proto__', 'boolean', false)).toMatchObject({ value: true, reason: 'STATIC' });
    expect(flags.evaluate('constructor', 'boolean', false)).toMatchObject({
      value: false,
      reason: 'DISABLED',
    });
    expect(flags.evaluate('toString', 'boolean', false).errorCode).toBe(ErrorCode.FLAG_NOT_FOUND);
    const copy = flags.toDocument();
    expect(Object.getPrototypeOf(copy.flags)).toBe(Object.prototype);
    expect(Object.keys(copy.flags)).toEqual(['__proto__', 'constructor']);
    expect(compileFlagSet(JSON.parse(JSON.stringify(copy))).keys()).toEqual(['__proto__', 'constructor']);
  });

  it('does not treat an evaluator named like a prototype member as defined', () => {
    const issues = validateFlagSet({
      flags: {
        f: {
          state: 'ENABLED',
          variants: { on: true },
          defaultVariant: 'on',
          targeting: { $ref: 'toString' },
        },
      },
    });
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/evaluator "toString", which is not defined/),
    ]);
  });
});

describe('rule text never becomes code', () => {
  const nasty = [
    '"]);globalThis.__pwned=1;//',
    "'];globalThis.__pwned=1;//",
    '`${globalThis.__pwned=1}`',
    '*/globalThis.__pwned=1;/*',
    'a\\"b',
    'line\nbreak\u2028\u2029',
    '\\u0022);globalThis.__pwned=1;//',
    '__proto__',
    '</script>',
  ];

  it.each(nasty)('var path and literals %j are data', (text) => {
    const g = globalThis as Record<string, unknown>;
    const rule = {
      if: [
        {
          and: [
            { '==': [{ var: text }, text] },
            { in: [{ var: 'tier' }, [text, 'pro']] },
            { '!': [{ '===': [text, 'x'] }] },
          ],
        },
        'a',
        'b',
      ],
    };
    for (const codegen of [true, false]) {
      const flags = compileFlagSet(ruleDocument(rule, 1), { codegen });
      const hit = JSON.parse(`{${JSON.stringify(text)}: ${JSON.stringify(text)}, "tier": "pro"}`);
      // A dotted path reads nested properties, so only dot-free texts find their own key.
      expect(flags.evaluate('f', 'string', 'x', hit).value).toBe(text.includes('.') ? 'b' : 'a');
      expect(flags.evaluate('f', 'string', 'x', { tier: 'pro' }).value).toBe('b');
      expect(g.__pwned).toBeUndefined();
    }
  });
});
