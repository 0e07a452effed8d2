import type { EvaluationContext } from '@openfeature/core';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import {
  EXTENSION_OPERATORS,
  compareSemVer,
  compileFlagSet,
  parseSemVer,
  validateFlagSet,
} from '../src/index.js';

const SILENT = { error() {}, warn() {}, info() {}, debug() {} };

/** A flag whose variant is the rule's own result: 'true', 'false', or 'null' (the default). */
function documentFor(rule: unknown) {
  return {
    flags: {
      probe: {
        state: 'ENABLED',
        variants: { true: 'true', false: 'false', null: 'null' },
        defaultVariant: 'null',
        targeting: rule,
      },
    },
  };
}

/** What a rule returns for a context: `true`, `false` or `null`. */
function run(rule: unknown, context: EvaluationContext = {}): boolean | null {
  const result = compileFlagSet(documentFor(rule)).evaluate('probe', 'string', 'caller', context);
  if (result.errorCode) throw new Error(`${result.errorCode}: ${result.errorMessage}`);
  return JSON.parse(result.value);
}

/** The same through flagd-core, for flagd's own operators. */
function runFlagdCore(rule: unknown, context: EvaluationContext = {}): boolean | null {
  const core = new FlagdCore(undefined, SILENT);
  core.setConfigurations(JSON.stringify(documentFor(rule)));
  return JSON.parse(core.resolveStringEvaluation('probe', 'caller', context).value);
}

describe('sem_ver', () => {
  const cases: [unknown, string, unknown, boolean | null][] = [
    ['1.2.3', '=', '1.2.3', true],
    ['1.2.3', '!=', '1.2.4', true],
    ['1.2.3', '<', '1.10.0', true],
    ['1.10.0', '>', '1.9.9', true],
    ['2.0.0', '>=', '2.0.0', true],
    ['2.0.0', '>', '2.0.0', false],
    ['1.9.0', '<=', '2.0.0', true],
    ['1.0.0-alpha', '<', '1.0.0', true],
    ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta', true],
    ['1.0.0-beta.2', '<', '1.0.0-beta.11', true],
    ['1.0.0-rc.1', '>', '1.0.0-beta.11', true],
    ['1.5.0', '^', '1.0.0', true],
    ['2.0.0', '^', '1.9.9', false],
    ['1.2.9', '~', '1.2.0', true],
    ['1.3.0', '~', '1.2.0', false],
    ['v1.2.3', '=', '1.2.3', true],
    ['V1.2.3', '=', 'v1.2.3', true],
    ['1.2', '=', '1.2.0', true],
    ['1', '=', '1.0.0', true],
    [1, '=', '1.0.0', true],
    [1.2, '=', '1.2.0', true],
    ['1.0.0+build.5', '=', '1.0.0', true],
    ['not-a-version', '=', '1.0.0', null],
    ['1.0.0.0', '=', '1.0.0', null],
    ['01.0.0', '=', '1.0.0', null],
    ['1.0.0', '===', '1.0.0', null],
    [null, '=', '1.0.0', null],
    [{ a: 1 }, '=', '1.0.0', null],
  ];

  it.each(cases)('%j %s %j → %j, as flagd-core', (left, operator, right, expected) => {
    const rule = { sem_ver: [{ var: 'v' }, operator, right] };
    expect(run(rule, { v: left as never })).toBe(expected);
    expect(runFlagdCore(rule, { v: left as never })).toBe(expected);
  });

  it('takes rules on every side and refuses a wrong argument count', () => {
    const rule = { sem_ver: [{ var: 'a' }, { var: 'op' }, { var: 'b' }] };
    expect(run(rule, { a: '2.0.0', op: '>', b: '1.0.0' })).toBe(true);
    expect(run(rule, { a: '2.0.0', op: '<', b: '1.0.0' })).toBe(false);
    expect(run({ sem_ver: ['1.0.0', '='] })).toBeNull();
    expect(run({ sem_ver: '1.0.0' })).toBeNull();
  });

  it('parses and orders versions per SemVer 2.0.0', () => {
    expect(parseSemVer('v1.2.3-rc.1+b')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: ['rc', 1] });
    expect(parseSemVer('1.2.3.4')).toBeUndefined();
    expect(parseSemVer('99999999999999999999.0.0')).toBeUndefined();
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let i = 1; i < ordered.length; i++) {
      expect(compareSemVer(parseSemVer(ordered[i - 1])!, parseSemVer(ordered[i])!)).toBeLessThan(0);
      expect(compareSemVer(parseSemVer(ordered[i])!, parseSemVer(ordered[i - 1])!)).toBeGreaterThan(0);
    }
  });
});

describe('starts_with and ends_with', () => {
  const cases: [string, unknown, unknown, boolean | null][] = [
    ['starts_with', 'abcdef', 'abc', true],
    ['starts_with', 'abcdef', 'def', false],
    ['starts_with', 'abcdef', '', true],
    ['ends_with', 'user@example.com', '@example.com', true],
    ['ends_with', 'user@example.com', '@example.org', false],
    ['ends_with', 'abc', 'abcd', false],
    ['starts_with', 123, '1', null],
    ['ends_with', 'abc', 3, null],
    ['starts_with', null, 'a', null],
  ];

  it.each(cases)('%s(%j, %j) → %j, as flagd-core', (operator, text, part, expected) => {
    const rule = { [operator]: [{ var: 't' }, { var: 'p' }] };
    const context = { t: text as never, p: part as never };
    expect(run(rule, context)).toBe(expected);
    expect(runFlagdCore(rule, context)).toBe(expected);
  });

  it('returns null for a wrong argument count', () => {
    expect(run({ starts_with: ['abc'] })).toBeNull();
    expect(run({ ends_with: ['abc', 'c', 'x'] })).toBeNull();
  });
});

describe('missing and missing_some', () => {
  const context = { tier: 'pro', empty: '', nothing: null, user: { id: 'u1', org: null }, list: ['a'] };
  const cases: [unknown[], boolean][] = [
    [['tier'], false],
    [['absent'], true],
    [['empty', 'nothing'], false],
    [['user.id', 'list.0'], false],
    [['user.org.id'], true],
    [['user.nope'], true],
    [['$flagd.flagKey', '$flagd.timestamp'], false],
  ];

  it.each(cases)('missing %j is %j, as flagd-core', (keys, anyMissing) => {
    const rule = { '!!': [{ missing: keys }] };
    expect(run(rule, context)).toBe(anyMissing);
    expect(runFlagdCore(rule, context)).toBe(anyMissing);
  });

  it('never finds prototype members (flagd-core does: it reads inherited properties)', () => {
    expect(run({ '!!': [{ missing: ['constructor', 'toString', '__proto__'] }] }, context)).toBe(true);
  });

  it('missing_some needs the minimum present', () => {
    for (const [need, expected] of [
      [1, false],
      [2, false],
      [3, true],
    ] as const) {
      const rule = { '!!': [{ missing_some: [need, ['tier', 'user.id', 'absent']] }] };
      expect(run(rule, context)).toBe(expected);
      expect(runFlagdCore(rule, context)).toBe(expected);
    }
  });
});

describe('$flagd properties', () => {
  it('injects flagKey and timestamp, ignoring the same names in the context', () => {
    expect(run({ '==': [{ var: '$flagd.flagKey' }, 'probe'] }, { $flagd: { flagKey: 'other' } })).toBe(true);
    const now = Math.floor(Date.now() / 1000);
    expect(run({ '>=': [{ var: '$flagd.timestamp' }, now] })).toBe(true);
    expect(run({ '<=': [{ var: '$flagd.timestamp' }, now + 60] })).toBe(true);
  });
});

describe('regex (extension)', () => {
  it('is listed as an extension and validates', () => {
    expect(EXTENSION_OPERATORS).toEqual(['regex', 'before', 'after']);
    expect(validateFlagSet(documentFor({ regex: [{ var: 'email' }, '@example\\.com$'] }))).toEqual([]);
  });

  it('matches anywhere in the text', () => {
    const rule = { regex: [{ var: 'email' }, '@example\\.com$'] };
    expect(run(rule, { email: 'ann@example.com' })).toBe(true);
    expect(run(rule, { email: 'ann@example.com.evil' })).toBe(false);
    expect(run({ regex: [{ var: 'id' }, 'b+'] }, { id: 'abbbc' })).toBe(true);
  });

  it('takes the flags i, m and s', () => {
    expect(run({ regex: ['ABC', '^abc$'] })).toBe(false);
    expect(run({ regex: ['ABC', '^abc$', 'i'] })).toBe(true);
    expect(run({ regex: ['a\nb', '^b$'] })).toBe(false);
    expect(run({ regex: ['a\nb', '^b$', 'm'] })).toBe(true);
    expect(run({ regex: ['a\nb', 'a.b'] })).toBe(false);
    expect(run({ regex: ['a\nB', 'a.b', 'si'] })).toBe(true);
  });

  it('gives null (the default variant) for an invalid pattern, unknown flag or non-string text', () => {
    expect(run({ regex: ['abc', '('] })).toBeNull();
    expect(run({ regex: ['aa', '(a)\\1'] })).toBeNull(); // backreferences are not RE2
    expect(run({ regex: ['ab', 'a(?=b)'] })).toBeNull(); // nor lookahead
    expect(run({ regex: ['abc', 'abc', 'x'] })).toBeNull();
    expect(run({ regex: ['abc', 'abc', 1] })).toBeNull();
    expect(run({ regex: [{ var: 'n' }, '\\d+'] }, { n: 42 })).toBeNull();
    expect(run({ regex: ['abc'] })).toBeNull();
  });

  it('takes patterns from the context, and an invalid one gives null', () => {
    const rule = { regex: [{ var: 't' }, { var: 'p' }, { var: 'f' }] };
    expect(run(rule, { t: 'Hello', p: '^h', f: 'i' })).toBe(true);
    expect(run(rule, { t: 'Hello', p: '^h' })).toBe(false);
    expect(run(rule, { t: 'Hello', p: '[' })).toBeNull();
  });

  it('never mixes up cached patterns from the context', () => {
    const rule = { regex: [{ var: 't' }, { var: 'p' }, { var: 'f' }] };
    // An invalid pair first, then valid pairs that a naive cache key would confuse with it.
    expect(run(rule, { t: 'a/x', p: 'x', f: 'i/' })).toBeNull();
    expect(run(rule, { t: 'a/x', p: '/x', f: 'i' })).toBe(true);
    expect(run(rule, { t: '123', p: 123 })).toBeNull();
    expect(run(rule, { t: '123', p: '123' })).toBe(true);
    expect(run(rule, { t: 'A', p: 'a', f: 'i' })).toBe(true);
    expect(run(rule, { t: 'A', p: 'a' })).toBe(false);
  });

  it('does not backtrack: (a+)+$ against 100,000 a and a ! is a plain non-match', () => {
    const text = `${'a'.repeat(100_000)}!`;
    expect(run({ regex: [{ var: 't' }, '(a+)+$'] }, { t: text })).toBe(false);
    expect(run({ regex: [{ var: 't' }, '^(a|aa)+$'] }, { t: text })).toBe(false);
  });
});

describe('before and after (extensions)', () => {
  const isAfter = (a: unknown, b: unknown) =>
    run({ after: [{ var: 'a' }, { var: 'b' }] }, { a: a as never, b: b as never });
  const isBefore = (a: unknown, b: unknown) =>
    run({ before: [{ var: 'a' }, { var: 'b' }] }, { a: a as never, b: b as never });

  it('compares ISO dates and date-times', () => {
    expect(isAfter('2026-03-01', '2026-01-01')).toBe(true);
    expect(isBefore('2026-03-01', '2026-01-01')).toBe(false);
    expect(isAfter('2026-01-01T00:00:01Z', '2026-01-01')).toBe(true);
    expect(isAfter('2026-01-01T00:00:00.001Z', '2026-01-01T00:00:00Z')).toBe(true);
    expect(isAfter('2026-01-01', '2026-01-01')).toBe(false);
    expect(isBefore('2026-01-01', '2026-01-01')).toBe(false);
  });

  it('reads a date-time without an offset as UTC, and honours offsets', () => {
    expect(isAfter('2026-01-01T00:00:00', '2026-01-01T00:00:00Z')).toBe(false);
    expect(isBefore('2026-01-01T00:00:00', '2026-01-01T00:00:00Z')).toBe(false);
    expect(isAfter('2026-01-01 00:00:01', '2026-01-01')).toBe(true);
    // 01:00 at +02:00 is 23:00 UTC the day before.
    expect(isBefore('2026-01-01T01:00:00+02:00', '2026-01-01')).toBe(true);
    expect(isBefore('2026-01-01T01:00:00+0200', '2026-01-01')).toBe(true);
    expect(isAfter('2025-12-31T23:30:00-01:00', '2026-01-01')).toBe(true);
  });

  it('takes epoch seconds, $flagd.timestamp and Date objects', () => {
    expect(isAfter(1767225601, '2026-01-01')).toBe(true); // 2026-01-01T00:00:01Z
    expect(isBefore(1767225599, '2026-01-01')).toBe(true);
    expect(run({ after: [{ var: '$flagd.timestamp' }, '2020-01-01'] })).toBe(true);
    expect(run({ before: [{ var: '$flagd.timestamp' }, '2020-01-01'] })).toBe(false);
    expect(isAfter(new Date('2026-02-01T00:00:00Z'), '2026-01-01')).toBe(true);
    expect(isBefore(new Date('2026-02-01T00:00:00Z'), new Date('2026-03-01T00:00:00Z'))).toBe(true);
  });

  it('works for the "accounts created after 2026-01-01" rule', () => {
    const rule = { if: [{ after: [{ var: 'createdAt' }, '2026-01-01'] }, 'true', 'false'] };
    expect(run(rule, { createdAt: '2026-05-04T10:00:00Z' })).toBe(true);
    expect(run(rule, { createdAt: '2025-05-04' })).toBe(false);
    expect(run(rule, {})).toBe(false);
  });

  it('gives null for anything that is not an instant', () => {
    for (const garbage of [
      'yesterday',
      '2026-13-01',
      '2026-02-30',
      '2025-02-29',
      '2026-1-1',
      '2026-01-01T25:00:00Z',
      '20260101',
      '',
      `2026-01-01${' '.repeat(100)}`,
      true,
      null,
      Number.NaN,
      [2026],
      { year: 2026 },
      new Date('nope'),
    ]) {
      expect(isAfter(garbage, '2020-01-01'), String(garbage)).toBeNull();
      expect(isBefore('2020-01-01', garbage), String(garbage)).toBeNull();
    }
    expect(isAfter('2024-02-29', '2024-02-28')).toBe(true);
    expect(run({ after: ['2026-01-01'] })).toBeNull();
    expect(run({ after: [{ var: 'a' }, 'garbage'] }, { a: '2026-01-01' })).toBeNull();
  });
});
