/**
 * How rules and changes read (pure functions, no process): JsonLogic rendered as people write it,
 * a change of weights alone as `on 5% → 25%`, other rule changes as a line diff, and every line
 * fitted to 80 columns.
 */
import type { JsonValue } from '@ensign/core';
import { describe, expect, it } from 'vitest';
import { flagChanges, lineDiff, targetingChanges } from '../src/render/flag-diff.js';
import { expression, ruleLines, ruleSummary } from '../src/render/rule.js';
import { COLUMNS, fitLines, table, wrapLine } from '../src/render/text.js';

describe(ruleLines.name, () => {
  it('renders an if chain one branch per line, with splits, lists, $ref and null as default', () => {
    expect(
      ruleLines({
        if: [
          { and: [{ in: [{ var: 'tier' }, ['pro', 'business']] }, { '==': [{ var: 'country' }, 'US'] }] },
          'B',
          { $ref: 'beta' },
          'on',
          {
            fractional: [
              ['on', 25],
              ['off', 75],
            ],
          },
        ],
      }),
    ).toEqual([
      'if tier in ["pro", "business"] and country == "US" → B',
      'elif $ref beta → on',
      'else → split on 25% / off 75%',
    ]);
    expect(ruleLines({ if: [{ '>=': [{ var: 'age' }, 18] }, 'adult', null] })).toEqual([
      'if age >= 18 → adult',
      'else → default',
    ]);
    expect(ruleLines(undefined)).toEqual(['(none)']);
    expect(ruleLines({})).toEqual(['(none)']);
  });

  it('renders splits with a bucketing expression and weights that do not add up to 100', () => {
    expect(ruleLines({ fractional: [{ var: 'org' }, ['a', 1], ['b', 2]] })).toEqual([
      'split a 33.33% / b 66.67% by org',
    ]);
  });

  it('keeps precedence with parentheses and shows unknown operators as calls', () => {
    expect(expression({ and: [{ or: [{ var: 'a' }, { var: 'b' }] }, { '!': { var: 'c' } }] })).toBe(
      '(a or b) and not c',
    );
    expect(expression({ sem_ver: [{ var: 'version' }, '>=', '1.2.0'] })).toBe(
      'sem_ver(version, ">=", "1.2.0")',
    );
    expect(ruleSummary({ if: [{ var: 'a' }, 'x', { var: 'b' }, 'y', 'z'] })).toBe('2 conditions, else z');
  });
});

describe(targetingChanges.name, () => {
  const rule = (on: number): JsonValue => ({
    if: [
      { $ref: 'beta' },
      'on',
      {
        fractional: [
          ['on', on],
          ['off', 100 - on],
        ],
      },
    ],
  });

  it('reads a change of weights alone as percentages before and after', () => {
    expect(targetingChanges(rule(5), rule(25))).toEqual(['targeting split: on 5% → 25%, off 95% → 75%']);
  });

  it('shows any other rule change as a diff of the rendered lines, removals first', () => {
    expect(
      targetingChanges(
        { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'sale', null] },
        { if: [{ in: [{ var: 'tier' }, ['pro', 'business']] }, 'sale', null] },
      ),
    ).toEqual([
      'targeting:',
      '- if tier == "pro" → sale',
      '+ if tier in ["pro", "business"] → sale',
      '  else → default',
    ]);
    expect(targetingChanges(undefined, { fractional: [['a', 1]] })).toEqual([
      'targeting: added',
      '+ split a 100%',
    ]);
  });

  it('diffs lines by their longest common subsequence', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual(['  a', '- b', '+ x', '  c']);
  });
});

describe(flagChanges.name, () => {
  it('lists state, default, variants and metadata changes', () => {
    expect(
      flagChanges(
        {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'on',
          metadata: { owner: 'a' },
        },
        {
          state: 'DISABLED',
          variants: { on: true, off: false, maybe: true },
          defaultVariant: 'off',
          metadata: {},
        },
      ),
    ).toEqual([
      'state: ENABLED → DISABLED',
      'defaultVariant: on → off',
      'variants.maybe: added true',
      'metadata.owner: removed (was "a")',
    ]);
  });
});

describe('80 columns', () => {
  it('wraps long lines under their indentation and cuts words longer than a line', () => {
    const long = `    ${'word '.repeat(30)}`;
    const lines = wrapLine(long.trimEnd());
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(COLUMNS);
    expect(lines[1]).toMatch(/^ {6}word/);
    const key = `flag "${'k'.repeat(200)}" does not exist`;
    for (const line of fitLines(key).split('\n')) expect([...line].length).toBeLessThanOrEqual(COLUMNS);
  });

  it('fits tables: columns truncated with …, the last wrapped under itself', () => {
    const text = table(
      ['KEY', 'STATE', 'TARGETING'],
      [
        [
          `flag-${'x'.repeat(60)}`,
          'ENABLED',
          'if tier in ["pro", "business"] and country == "US" → B, else split on 25% / off 75%',
        ],
      ],
      [30, 8],
    );
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(COLUMNS);
    expect(text).toContain('…');
    expect(text.replace(/\s+/g, ' ')).toContain('else split on 25% / off 75%');
  });
});
