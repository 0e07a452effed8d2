import { ErrorCode, ParseError } from '@openfeature/core';
import { describe, expect, it } from 'vitest';
import {
  FlagSetValidationError,
  MAX_RULE_DEPTH,
  MAX_RULE_NODES,
  MAX_VALUE_DEPTH,
  compileFlagSet,
  validateFlagSet,
} from '../src/index.js';

const good = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

function refused(document: unknown): FlagSetValidationError {
  try {
    compileFlagSet(document);
  } catch (error) {
    if (error instanceof FlagSetValidationError) return error;
    throw error;
  }
  throw new Error('the document was accepted');
}

/** `depth` nested `if`s: the innermost variant name sits `depth` rule levels down. */
function nestedIf(depth: number): unknown {
  let rule: unknown = 'on';
  for (let i = 0; i < depth; i++) rule = { if: [true, rule, 'off'] };
  return rule;
}

function nestedArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe(validateFlagSet.name, () => {
  it('accepts a valid document with no issues', () => {
    expect(
      validateFlagSet({ flags: { a: good }, $evaluators: { e: { '==': [1, 1] } }, metadata: { v: 1 } }),
    ).toEqual([]);
  });

  it('lists every problem with its JSON Pointer and flag key', () => {
    const issues = validateFlagSet({
      flags: {
        'bad-default': { ...good, defaultVariant: 'maybe' },
        mixed: { state: 'ENABLED', variants: { on: true, off: 'no' }, defaultVariant: 'on' },
        'bad-state': { ...good, state: 'ON' },
        'missing-ref': { ...good, targeting: { if: [{ $ref: 'nope' }, 'on', 'off'] } },
        'unknown-op': { ...good, targeting: { frobnicate: [{ var: 'x' }] } },
        'a/b~c': { ...good, defaultVariant: 42 },
        ok: good,
      },
    });
    expect(issues.map(({ path, flagKey }) => ({ path, flagKey }))).toEqual([
      { path: '/flags/bad-default/defaultVariant', flagKey: 'bad-default' },
      { path: '/flags/mixed/variants/off', flagKey: 'mixed' },
      { path: '/flags/bad-state/state', flagKey: 'bad-state' },
      { path: '/flags/missing-ref/targeting/if/0/$ref', flagKey: 'missing-ref' },
      { path: '/flags/unknown-op/targeting/frobnicate', flagKey: 'unknown-op' },
      { path: '/flags/a~1b~0c/defaultVariant', flagKey: 'a/b~c' },
    ]);
    expect(issues[0]!.message).toMatch(/"maybe", which is not a variant/);
    expect(issues[1]!.message).toMatch(/one type: this one is string, an earlier one is boolean/);
    expect(issues[2]!.message).toMatch(/"ENABLED" or "DISABLED", not "ON"/);
    expect(issues[3]!.message).toMatch(/evaluator "nope", which is not defined/);
    expect(issues[4]!.message).toMatch(/unknown operator "frobnicate"/);
  });

  it('reports document-level problems without a flag key', () => {
    expect(validateFlagSet(null)).toEqual([{ path: '', message: expect.stringMatching(/JSON object/) }]);
    expect(validateFlagSet({})).toEqual([{ path: '', message: 'missing required property "flags"' }]);
    expect(
      validateFlagSet({ flags: [], $evaluators: 3, metadata: { a: { b: 1 } } }).map((i) => i.path),
    ).toEqual(['/flags', '/$evaluators', '/metadata/a']);
  });

  it('finds missing parts, empty variants, bad metadata and $ref cycles', () => {
    const issues = validateFlagSet({
      flags: {
        bare: {},
        empty: { state: 'ENABLED', variants: {} },
        meta: { ...good, metadata: { owner: ['x'] } },
        cycle: { ...good, targeting: { $ref: 'a' } },
      },
      $evaluators: { a: { $ref: 'b' }, b: { $ref: 'a' } },
    });
    const byFlag = (key: string) => issues.filter((i) => i.flagKey === key).map((i) => i.message);
    expect(byFlag('bare')).toEqual([
      'missing required property "state"',
      'missing required property "variants"',
    ]);
    expect(byFlag('empty')).toEqual(['"variants" must have at least one variant']);
    expect(issues.find((i) => i.flagKey === 'meta')?.path).toBe('/flags/meta/metadata/owner');
    expect(byFlag('cycle').join()).toMatch(/cycle: a → b → a/);
    // The cycle is also reported for the evaluators themselves (no flag key).
    expect(issues.some((i) => i.flagKey === undefined && i.path.startsWith('/$evaluators/'))).toBe(true);
  });

  it('refuses a 10,000-deep nested `if` without overflowing the stack', () => {
    const issues = validateFlagSet({ flags: { deep: { ...good, targeting: nestedIf(10_000) } } });
    expect(issues).toEqual([
      { path: '/flags/deep/targeting', flagKey: 'deep', message: expect.stringMatching(/nested too deeply/) },
    ]);
  });

  it(`refuses a rule nested past MAX_RULE_DEPTH (${MAX_RULE_DEPTH}) and accepts one at it`, () => {
    // Each nested `if` is one level of rule nesting.
    expect(validateFlagSet({ flags: { f: { ...good, targeting: nestedIf(MAX_RULE_DEPTH) } } })).toEqual([]);
    const past = validateFlagSet({ flags: { f: { ...good, targeting: nestedIf(MAX_RULE_DEPTH + 1) } } });
    expect(past).toHaveLength(1);
    expect(past[0]!.message).toMatch(/nested too deeply/);
  });

  it('refuses a 100k-node rule', () => {
    const rule = { or: Array.from({ length: 100_000 }, (_, i) => ({ '==': [{ var: 'id' }, i] })) };
    const issues = validateFlagSet({ flags: { huge: { ...good, targeting: rule } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      flagKey: 'huge',
      message: `rule is too large (more than ${MAX_RULE_NODES} nodes)`,
    });
  });

  it(`accepts a rule of MAX_RULE_NODES (${MAX_RULE_NODES}) nodes and refuses one more`, () => {
    // `or` plus n × (`==`, `var`, "id", i) nodes.
    const rule = (n: number) => ({ or: Array.from({ length: n }, (_, i) => ({ '==': [{ var: 'id' }, i] })) });
    const full = Math.floor((MAX_RULE_NODES - 1) / 4);
    expect(validateFlagSet({ flags: { f: { ...good, targeting: rule(full) } } })).toEqual([]);
    const over = validateFlagSet({ flags: { f: { ...good, targeting: rule(full + 1) } } });
    expect(over.map((i) => i.message)).toEqual([`rule is too large (more than ${MAX_RULE_NODES} nodes)`]);
  });

  it('refuses a huge shared evaluator for itself and for each flag that uses it', () => {
    const big = { or: Array.from({ length: 1_000_000 }, (_, i) => i) };
    const issues = validateFlagSet({
      flags: { user: { ...good, targeting: { $ref: 'big' } } },
      $evaluators: { big },
    });
    expect(issues.map((i) => [i.flagKey, i.message])).toEqual([
      [undefined, `rule is too large (more than ${MAX_RULE_NODES} nodes)`],
      ['user', `rule is too large (more than ${MAX_RULE_NODES} nodes)`],
    ]);
  });

  it('refuses a deep rule reached through $ref, naming the flag that uses it', () => {
    const issues = validateFlagSet({
      flags: { user: { ...good, targeting: { $ref: 'deep' } } },
      $evaluators: { deep: nestedIf(5_000) },
    });
    expect(issues.map((i) => i.flagKey)).toEqual([undefined, 'user']);
    expect(
      issues.every((i) => i.path.startsWith('/$evaluators/deep') && /nested too deeply/.test(i.message)),
    ).toBe(true);
  });

  it('refuses deeply nested values anywhere, without overflowing the stack', () => {
    const deepObject = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    const issues = validateFlagSet({
      flags: {
        v: { ...good, variants: { on: deepObject, off: {} } },
        s: { ...good, state: nestedArray(100_000) },
        x: { ...good, extra: nestedArray(100_000) },
        d: { ...good, defaultVariant: nestedArray(100_000) },
      },
      metadata: { m: nestedArray(100_000) },
    });
    expect(issues.map((i) => i.path)).toEqual([
      '/metadata/m',
      '/flags/v/variants/on',
      '/flags/s/state',
      '/flags/x/extra',
      '/flags/d/defaultVariant',
    ]);
    expect(issues[1]!.message).toMatch(new RegExp(`more than ${MAX_VALUE_DEPTH} levels`));
  });
});

describe(compileFlagSet.name, () => {
  it('refuses an invalid document with FlagSetValidationError, an OpenFeature ParseError', () => {
    const error = refused({
      flags: { a: { ...good, defaultVariant: 'x' }, b: { ...good, state: 1 }, c: good },
    });
    expect(error).toBeInstanceOf(ParseError);
    expect(error.code).toBe(ErrorCode.PARSE_ERROR);
    expect(error.name).toBe('FlagSetValidationError');
    expect(error.flagKeys).toEqual(['a', 'b']);
    expect(error.issues).toHaveLength(2);
    expect(error.message).toContain('invalid flag set (2 problems)');
    expect(error.message).toContain('/flags/a/defaultVariant');
    expect(error.message).toContain('/flags/b/state');
  });

  it('refuses a document that is not a flag set even in isolate mode', () => {
    expect(() => compileFlagSet([], { invalidFlags: 'isolate' })).toThrow(FlagSetValidationError);
    expect(() => compileFlagSet({ flags: 'x' }, { invalidFlags: 'isolate' })).toThrow(FlagSetValidationError);
  });

  it('isolates one bad flag: it evaluates to PARSE_ERROR, the others are fine', () => {
    const flags = compileFlagSet(
      {
        flags: {
          bad: { ...good, targeting: { frobnicate: [] } },
          deep: { ...good, targeting: nestedIf(10_000) },
          fine: good,
        },
      },
      { invalidFlags: 'isolate' },
    );
    expect(flags.issues.map((i) => i.flagKey)).toEqual(['bad', 'deep']);
    for (const key of ['bad', 'deep']) {
      const result = flags.evaluate(key, 'boolean', false, {});
      expect(result).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.PARSE_ERROR });
      expect(result.errorMessage).toContain(`flag "${key}" is invalid`);
      expect(result.variant).toBeUndefined();
    }
    expect(flags.evaluate('fine', 'boolean', false, {})).toMatchObject({
      value: true,
      reason: 'STATIC',
      variant: 'on',
    });
    expect(flags.evaluateAll({}).map((r) => r.errorCode ?? r.reason)).toEqual([
      'PARSE_ERROR',
      'PARSE_ERROR',
      'STATIC',
    ]);
  });

  it('in reject mode refuses a rule error in an unused evaluator too', () => {
    expect(() => compileFlagSet({ flags: { a: good }, $evaluators: { e: { nope: [] } } })).toThrow(
      /unknown operator "nope"/,
    );
  });
});
