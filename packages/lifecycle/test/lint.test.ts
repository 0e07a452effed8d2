/** `lintFlagSet`: every convention off by default; each rule on its own; the recommended preset. */
import type { FlagSetDocument } from '@ensign/core';
import { describe, expect, it } from 'vitest';
import { lintFlagSet, resolveConventions } from '../src/index.js';

const NOW = Date.UTC(2026, 5, 1);
const document: FlagSetDocument = {
  flags: {
    release_checkout: {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
      metadata: { kind: 'release', owner: 'payments', expiresAt: '2026-09-01', description: 'checkout' },
    },
    'new-search': {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
      metadata: { kind: 'release' },
    },
    ops_bookings: {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
      metadata: { kind: 'ops', owner: 'sre' },
    },
    experiment_layout: {
      state: 'ENABLED',
      variants: { a: 'a' },
      defaultVariant: 'a',
      metadata: { kind: 'experiment', owner: 'growth', expiresAt: '2026-05-01' },
    },
    odd: {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
      metadata: { kind: 'migration', expiresAt: 'soon' },
    },
  },
};
const rules = (issues: ReturnType<typeof lintFlagSet>) =>
  issues.map((i) => `${i.flagKey}:${i.rule}:${i.severity}`);

describe(lintFlagSet.name, () => {
  it('reports nothing unless a team turns rules on', () => {
    expect(lintFlagSet(document, resolveConventions(), NOW)).toEqual([]);
  });

  it('recommended: owner, kind, expiresAt for temporary kinds, prefixes by kind; expired as a warning', () => {
    const issues = lintFlagSet(document, resolveConventions({ preset: 'recommended' }), NOW);
    expect(rules(issues)).toEqual([
      'experiment_layout:expired:warn',
      'new-search:owner:error',
      'new-search:expiresAt:error',
      'new-search:prefix:error',
      'odd:owner:error',
      'odd:kind:error',
      'odd:expiresAt:error',
    ]);
    expect(issues.find((i) => i.rule === 'prefix')).toMatchObject({
      pointer: '/flags/new-search',
      message: expect.stringContaining('"release_"'),
    });
    expect(issues.find((i) => i.flagKey === 'odd' && i.rule === 'expiresAt')?.pointer).toBe(
      '/flags/odd/metadata/expiresAt',
    );
  });

  it('takes a team’s own rules and prefixes, and refuses a config it cannot use, naming the field', () => {
    const conventions = resolveConventions({
      rules: { description: 'warn', prefix: 'error' },
      prefixes: { release: ['release_', 'new-'] },
    });
    expect(rules(lintFlagSet(document, conventions, NOW))).toEqual([
      'experiment_layout:description:warn',
      'new-search:description:warn',
      'odd:description:warn',
      'ops_bookings:description:warn',
    ]);
    expect(() => resolveConventions({ rules: { owners: 'error' } })).toThrow(/unknown rule "owners"/);
    expect(() => resolveConventions({ rules: { owner: 'fatal' } })).toThrow(/rules.owner/);
    expect(() => resolveConventions({ prefixes: { rollout: 'r_' } })).toThrow(/unknown kind "rollout"/);
    expect(() => resolveConventions({ preset: 'strict' })).toThrow(/preset/);
    expect(() => resolveConventions({ rule: {} })).toThrow(/unknown field "rule"/);
  });
});
