/**
 * The status and stage rules, as pure functions: each status and stage reached from the facts
 * that define it, with the policy's defaults and with a team's own lifetimes.
 */
import type { FlagDefinition } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  DEFAULT_LIFECYCLE_POLICY,
  type FlagFacts,
  changeFactsOf,
  deriveFlagLifecycle,
  instantOf,
  resolvePolicy,
  staticOutcomeOf,
} from '../src/index.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const days = (n: number) => NOW - n * DAY_MS;
const policy = resolvePolicy();

const split = (metadata: FlagDefinition['metadata'] = {}): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: {
    fractional: [
      ['on', 50],
      ['off', 50],
    ],
  },
  metadata: { kind: 'release', owner: 'payments', ...metadata },
});
const seen = (variants: Record<string, number>) => ({
  lastEvaluatedAt: Math.max(...Object.values(variants)),
  variants: new Map(Object.entries(variants)),
});
const derive = (facts: Partial<FlagFacts> & { flag: FlagDefinition }) =>
  deriveFlagLifecycle({ flagKey: 'new-checkout', ...facts }, policy, NOW);

describe(deriveFlagLifecycle.name, () => {
  it('new: created within newForDays, whatever it serves', () => {
    const flag = derive({
      flag: split(),
      changes: { createdAt: days(2), lastChangedAt: days(2) },
      usageSince: days(60),
    });
    expect(flag).toMatchObject({
      status: 'new',
      stage: 'live',
      ageDays: 2,
      kind: 'release',
      owner: 'payments',
    });
  });

  it('active: evaluated lately with more than one variant', () => {
    const flag = derive({
      flag: split(),
      changes: { createdAt: days(20), lastChangedAt: days(20) },
      seen: seen({ on: days(0.1), off: days(0.2) }),
      usageSince: days(60),
    });
    expect(flag).toMatchObject({ status: 'active', stage: 'live', recentVariants: ['off', 'on'] });
  });

  it('launched: one variant served for launchedAfterDays while unchanged; ready for code removal', () => {
    const flag = derive({
      flag: split(),
      changes: { createdAt: days(30), lastChangedAt: days(10) },
      seen: seen({ on: days(0.1), off: days(9) }),
      usageSince: days(60),
    });
    expect(flag).toMatchObject({
      status: 'launched',
      stage: 'ready-for-code-removal',
      recentVariants: ['on'],
    });
    expect(flag.reasons.map((r) => r.code)).toContain('launched');
  });

  it('not launched while the flag changed within the window, even serving one variant', () => {
    const flag = derive({
      flag: split(),
      changes: { createdAt: days(30), lastChangedAt: days(3) },
      seen: seen({ on: days(0.1) }),
      usageSince: days(60),
    });
    expect(flag.status).toBe('active');
  });

  it('launched by its definition alone (no usage known): one weighted bucket, unchanged', () => {
    const flag = derive({
      flag: {
        ...split(),
        targeting: {
          fractional: [
            ['on', 100],
            ['off', 0],
          ],
        },
      },
      changes: { lastChangedAt: days(8) },
      historyStart: days(100),
    });
    expect(flag).toMatchObject({
      status: 'launched',
      stage: 'ready-for-code-removal',
      existsSince: new Date(days(100)).toISOString(),
    });
    expect(flag.reasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(['usage-unknown', 'launched', 'history-trimmed', 'past-lifetime']),
    );
  });

  it('off everywhere: a disabled flag unchanged for the window counts as launched (code default)', () => {
    const flag = derive({
      flag: { ...split(), state: 'DISABLED' },
      changes: { createdAt: days(20), lastChangedAt: days(9) },
    });
    expect(flag.status).toBe('launched');
    expect(flag.reasons.map((r) => r.code)).toContain('off-everywhere');
  });

  it('inactive: not evaluated for inactiveAfterDays while usage was recorded; ready to archive with no code reference', () => {
    const facts = {
      flag: split(),
      changes: { createdAt: days(30), lastChangedAt: days(30) },
      seen: seen({ on: days(12), off: days(12) }),
      usageSince: days(60),
    };
    expect(derive(facts)).toMatchObject({
      status: 'inactive',
      stage: 'ready-for-code-removal',
      lastEvaluatedAt: new Date(days(12)).toISOString(),
    });
    expect(derive({ ...facts, codeReferences: 0 })).toMatchObject({
      stage: 'ready-to-archive',
      codeReferences: 0,
    });
    expect(derive({ ...facts, codeReferences: 3 }).stage).toBe('ready-for-code-removal');
    // Never evaluated at all since usage is recorded.
    const never = derive({ ...facts, seen: undefined });
    expect(never.status).toBe('inactive');
    expect(never.reasons.map((r) => r.code)).toContain('never-evaluated');
  });

  it('not inactive when usage has been recorded for less than the window', () => {
    const flag = derive({
      flag: split(),
      changes: { createdAt: days(30), lastChangedAt: days(30) },
      usageSince: days(3),
    });
    expect(flag.status).toBe('active');
  });

  it('expired: expiresAt has passed; stale while still undecided', () => {
    const flag = derive({
      flag: split({ expiresAt: '2026-05-01' }),
      changes: { createdAt: days(20), lastChangedAt: days(1) },
      seen: seen({ on: days(0.1), off: days(0.1) }),
      usageSince: days(60),
    });
    expect(flag).toMatchObject({ status: 'expired', stage: 'stale', expiresAt: '2026-05-01T00:00:00.000Z' });
  });

  it('stale: a temporary flag past its kind lifetime; a team may set its own lifetimes', () => {
    const facts = {
      flag: split(),
      changes: { createdAt: days(50), lastChangedAt: days(1) },
      seen: seen({ on: days(0.1), off: days(0.1) }),
      usageSince: days(60),
    };
    expect(derive(facts)).toMatchObject({ status: 'active', stage: 'stale', lifetimeDays: 40 });
    const patient = resolvePolicy({ lifetimeDays: { release: 90 } });
    expect(deriveFlagLifecycle({ flagKey: 'x', ...facts }, patient, NOW).stage).toBe('live');
  });

  it('permanent kinds never go stale by age, and keep their status', () => {
    for (const kind of ['ops', 'kill-switch', 'permission', 'Kill_Switch']) {
      const flag = derive({
        flag: split({ kind }),
        changes: { createdAt: days(400), lastChangedAt: days(400) },
        seen: seen({ on: days(30) }),
        usageSince: days(500),
      });
      expect(flag, kind).toMatchObject({
        stage: 'permanent',
        temporary: false,
        lifetimeDays: null,
        status: 'inactive',
      });
    }
  });

  it('a flag with no kind, or an unknown one, follows the default kind and says so', () => {
    const none = derive({ flag: { ...split(), metadata: {} }, changes: { createdAt: days(1) } });
    expect(none).toMatchObject({ kind: 'release', temporary: true });
    expect(none.reasons.map((r) => r.code)).toContain('no-kind');
    const odd = derive({ flag: split({ kind: 'migration' }), changes: { createdAt: days(1) } });
    expect(odd).toMatchObject({ kind: 'release', declaredKind: 'migration' });
    expect(odd.reasons.map((r) => r.code)).toContain('unknown-kind');
  });
});

describe(resolvePolicy.name, () => {
  it('has the documented defaults, and refuses what it cannot use by naming it', () => {
    expect(DEFAULT_LIFECYCLE_POLICY).toEqual({
      lifetimeDays: { release: 40, experiment: 40, ops: null, 'kill-switch': null, permission: null },
      defaultKind: 'release',
      newForDays: 7,
      launchedAfterDays: 7,
      inactiveAfterDays: 7,
    });
    expect(resolvePolicy({ lifetimeDays: { ops: 7 } }).lifetimeDays.ops).toBe(7);
    expect(() => resolvePolicy({ lifetimeDays: { release: 0 } })).toThrow(/lifetimeDays.release/);
    expect(() => resolvePolicy({ lifetimeDays: { rollout: 3 } as never })).toThrow(/unknown kind "rollout"/);
    expect(() => resolvePolicy({ inactiveAfterDays: -1 })).toThrow(/inactiveAfterDays/);
  });
});

describe(instantOf.name, () => {
  it('reads ISO dates and date-times (UTC without an offset) and epoch seconds, nothing else', () => {
    expect(instantOf('2026-05-01')).toBe(Date.UTC(2026, 4, 1));
    expect(instantOf('2026-05-01T10:30')).toBe(Date.UTC(2026, 4, 1, 10, 30));
    expect(instantOf('2026-05-01T10:30:00+02:00')).toBe(Date.UTC(2026, 4, 1, 8, 30));
    expect(instantOf(1_767_225_600)).toBe(1_767_225_600_000);
    for (const bad of ['2026-02-30', 'next week', '05/01/2026', '', true, Number.NaN])
      expect(instantOf(bad as never)).toBeUndefined();
  });
});

describe(staticOutcomeOf.name, () => {
  it('finds the one outcome of a definition, or none', () => {
    expect(staticOutcomeOf({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' })).toBe('on');
    expect(staticOutcomeOf({ state: 'DISABLED', variants: { on: true }, defaultVariant: 'on' })).toBe('');
    expect(
      staticOutcomeOf({ ...split(), targeting: { fractional: [{ var: 'org' }, ['on', 0], ['off', 10]] } }),
    ).toBe('off');
    expect(staticOutcomeOf(split())).toBeUndefined();
    expect(staticOutcomeOf({ ...split(), targeting: { if: [true, 'on', 'off'] } })).toBeUndefined();
  });
});

describe(changeFactsOf.name, () => {
  const entry = (version: number, at: number, fields: Partial<AuditEntry>): AuditEntry => ({
    id: String(version),
    flagSet: 's',
    version,
    operation: 'put',
    actor: 'a',
    at: new Date(at).toISOString(),
    before: null,
    after: null,
    ...fields,
  });
  it('finds creation and last change from single-flag and whole-set writes, newest first', () => {
    const a = split();
    const b = { ...split(), defaultVariant: 'on' };
    const facts = changeFactsOf([
      entry(4, days(1), { operation: 'patch', flagKey: 'a', before: a, after: b }),
      entry(3, days(5), {
        operation: 'replace',
        before: { flags: { a, c: a } },
        after: { flags: { a, c: b, d: a } },
      }),
      entry(2, days(9), { operation: 'put', flagKey: 'c', before: null, after: a }),
      entry(1, days(20), { operation: 'replace', before: { flags: {} }, after: { flags: { a } } }),
    ]);
    expect(facts.historyStart).toBe(days(20));
    expect(facts.flags.get('a')).toEqual({ createdAt: days(20), lastChangedAt: days(1) });
    expect(facts.flags.get('c')).toEqual({ createdAt: days(9), lastChangedAt: days(5) });
    expect(facts.flags.get('d')).toEqual({ createdAt: days(5), lastChangedAt: days(5) });
  });
});
