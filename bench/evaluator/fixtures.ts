/**
 * The flags and users the evaluator benchmark runs on: one static flag, one targeted rollout, and a
 * realistic 100-flag set, all flagd documents that both our evaluator and flagd-core accept.
 */
import type { FlagSetDocument, JsonValue, TargetingRule } from '@ensign/core';

/** Number of distinct users the benchmark cycles through. */
export const USER_COUNT = 10_000;

/** A pre-built evaluation context, as a server would build one per request. */
export interface BenchUser {
  readonly targetingKey: string;
  readonly tier: string;
  readonly country: string;
  readonly [attribute: string]: string;
}

/** Deterministic PRNG (mulberry32), so every run sees the same users. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(next: () => number, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let roll = next() * total;
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

const TIERS = [
  ['free', 55],
  ['pro', 25],
  ['business', 12],
  ['enterprise', 8],
] as const;
const COUNTRIES = [
  ['US', 35],
  ['DE', 12],
  ['FR', 10],
  ['GB', 10],
  ['IN', 13],
  ['BR', 10],
  ['JP', 10],
] as const;
const VERSIONS = [
  ['1.9.4', 10],
  ['2.0.0', 20],
  ['2.3.1', 30],
  ['2.4.0-beta.2', 10],
  ['3.0.0', 30],
] as const;
const DOMAINS = [
  ['gmail.com', 50],
  ['acme.example', 30],
  ['ensign.dev', 5],
  ['outlook.com', 15],
] as const;

/**
 * Contexts as a server builds them from a request: through JSON, so their strings are flat, as
 * they are in production (strings built by concatenation are V8 cons strings, slower to hash).
 */
function asFromRequest<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The users of cases (a) and (b): `{ targetingKey, tier, country }`, distinct targeting keys. */
export function makeUsers(count = USER_COUNT): BenchUser[] {
  const next = random(0x5eed);
  return asFromRequest(
    Array.from({ length: count }, (_, i) => ({
      targetingKey: `user-${(i * 7919 + 104729).toString(36)}-${i}`,
      tier: weighted(next, TIERS),
      country: weighted(next, COUNTRIES),
    })),
  );
}

/**
 * The same users with the attributes the realistic set's rules read (email, app version), as
 * case (c) would see them.
 */
export function withProfile(users: readonly BenchUser[]): BenchUser[] {
  const next = random(0xface);
  return asFromRequest(
    users.map((user, i) => ({
      ...user,
      email: `${i % 50 === 0 ? 'admin' : 'user'}.${i}@${weighted(next, DOMAINS)}`,
      appVersion: weighted(next, VERSIONS),
    })),
  );
}

/** Case (a): a static boolean flag. */
export const STATIC_FLAG_KEY = 'new-onboarding';

/** Case (b): `tier in [pro, business] and country == US → B`, else `fractional` 25/75 A/C. */
export const ROLLOUT_FLAG_KEY = 'checkout-flow';

/** The definition of case (a)'s flag. */
export function staticFlag(): FlagSetDocument['flags'][string] {
  return { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
}

/** The definition of case (b)'s flag. */
export function rolloutFlag(): FlagSetDocument['flags'][string] {
  return {
    state: 'ENABLED',
    variants: { A: 'classic', B: 'one-click', C: 'redesign' },
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
  };
}

/** The document of cases (a) and (b). */
export function singleFlagsDocument(): FlagSetDocument {
  return {
    flags: { [STATIC_FLAG_KEY]: staticFlag(), [ROLLOUT_FLAG_KEY]: rolloutFlag() },
    metadata: { flagSetId: 'bench', version: '1' },
  };
}

/** `count` copies of case (b)'s flag under distinct keys, for memory per compiled flag. */
export function manyRolloutFlagsDocument(count: number): FlagSetDocument {
  const flags: FlagSetDocument['flags'] = {};
  for (let i = 0; i < count; i++) flags[`${ROLLOUT_FLAG_KEY}-${i}`] = rolloutFlag();
  return { flags };
}

const OWNERS = ['checkout', 'growth', 'platform', 'search', 'apps-sdk'];
const BOOLEAN = { on: true, off: false };

/** Shared rules of the realistic set (`$ref` targets). */
const EVALUATORS: Record<string, JsonValue> = {
  'paid-us': {
    and: [{ in: [{ var: 'tier' }, ['pro', 'business', 'enterprise']] }, { '==': [{ var: 'country' }, 'US'] }],
  },
  'internal-staff': { ends_with: [{ var: 'email' }, '@ensign.dev'] },
};

/**
 * Case (c): a realistic set of 100 flags — 40 static (35 booleans, 5 config values), 25 percentage
 * rollouts, 20 targeted rules (`in`, `==`, `starts_with`, `ends_with`, `sem_ver`, two via `$ref`),
 * 10 three-variant experiments and 5 disabled kill switches; about half carry lifecycle metadata.
 * `suffix` makes keys distinct when several copies are loaded together.
 */
export function realisticFlags(suffix = ''): FlagSetDocument['flags'] {
  const flags: FlagSetDocument['flags'] = {};
  const meta = (i: number, kind: string) =>
    i % 2 === 0 ? { metadata: { kind, owner: OWNERS[i % OWNERS.length]!, expiresAt: '2027-06-30' } } : {};

  for (let i = 0; i < 35; i++) {
    flags[`release-${i}${suffix}`] = {
      state: 'ENABLED',
      variants: BOOLEAN,
      defaultVariant: i % 3 === 0 ? 'off' : 'on',
      ...meta(i, 'release'),
    };
  }
  flags[`max-attachments${suffix}`] = {
    state: 'ENABLED',
    variants: { low: 3, high: 10 },
    defaultVariant: 'low',
  };
  flags[`search-page-size${suffix}`] = { state: 'ENABLED', variants: { s: 10, m: 25 }, defaultVariant: 'm' };
  flags[`widget-theme${suffix}`] = {
    state: 'ENABLED',
    variants: { light: { accent: '#0a7', radius: 8 }, dark: { accent: '#7af', radius: 8 } },
    defaultVariant: 'light',
    metadata: { kind: 'permission', owner: 'apps-sdk', clientSide: true },
  };
  flags[`support-banner${suffix}`] = {
    state: 'ENABLED',
    variants: { none: '', outage: 'We are investigating slow responses.' },
    defaultVariant: 'none',
    metadata: { kind: 'ops', clientSide: true },
  };
  flags[`model-timeout-ms${suffix}`] = {
    state: 'ENABLED',
    variants: { normal: 8000, long: 20000 },
    defaultVariant: 'normal',
  };

  const steps = [5, 10, 25, 50, 75];
  for (let i = 0; i < 25; i++) {
    const percent = steps[i % steps.length]!;
    flags[`rollout-${i}${suffix}`] = {
      state: 'ENABLED',
      variants: BOOLEAN,
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', percent],
          ['off', 100 - percent],
        ],
      },
      ...meta(i, 'release'),
    };
  }

  const rules: TargetingRule[] = [
    { in: [{ var: 'tier' }, ['pro', 'business']] },
    { '==': [{ var: 'country' }, 'US'] },
    { in: [{ var: 'country' }, ['DE', 'FR', 'GB']] },
    { starts_with: [{ var: 'email' }, 'admin.'] },
    { sem_ver: [{ var: 'appVersion' }, '>=', '2.3.0'] },
    { '==': [{ var: 'tier' }, 'enterprise'] },
    { sem_ver: [{ var: 'appVersion' }, '^', '2.0.0'] },
    { and: [{ '==': [{ var: 'tier' }, 'free'] }, { in: [{ var: 'country' }, ['IN', 'BR']] }] },
    { ends_with: [{ var: 'email' }, '@acme.example'] },
  ];
  for (let i = 0; i < 20; i++) {
    const rule =
      i === 18 ? { $ref: 'paid-us' } : i === 19 ? { $ref: 'internal-staff' } : rules[i % rules.length]!;
    flags[`targeted-${i}${suffix}`] = {
      state: 'ENABLED',
      variants: BOOLEAN,
      defaultVariant: 'off',
      targeting: { if: [rule, 'on', 'off'] },
      ...meta(i, 'permission'),
    };
  }

  for (let i = 0; i < 10; i++) {
    const [control, a, b] = i % 2 === 0 ? [34, 33, 33] : [50, 25, 25];
    const buckets: TargetingRule = {
      fractional: [
        ['control', control],
        ['treatment-a', a],
        ['treatment-b', b],
      ],
    };
    flags[`experiment-${i}${suffix}`] = {
      state: 'ENABLED',
      variants: { control: 'control', 'treatment-a': 'a', 'treatment-b': 'b' },
      defaultVariant: 'control',
      // Half the experiments only enrol paid users; the rest everyone.
      targeting: i % 2 === 0 ? buckets : { if: [{ '!=': [{ var: 'tier' }, 'free'] }, buckets, null] },
      metadata: { kind: 'experiment', owner: OWNERS[i % OWNERS.length]!, expiresAt: '2027-03-31' },
    };
  }

  for (let i = 0; i < 5; i++) {
    flags[`kill-${i}${suffix}`] = {
      state: 'DISABLED',
      variants: BOOLEAN,
      defaultVariant: 'on',
      metadata: { kind: 'ops', owner: 'platform' },
    };
  }
  return flags;
}

/** The realistic set as one document (case (c)). */
export function realisticDocument(): FlagSetDocument {
  return {
    flags: realisticFlags(),
    $evaluators: EVALUATORS,
    metadata: { flagSetId: 'bench-realistic', version: '7' },
  };
}

/** `copies` copies of the realistic set under distinct keys, for memory per compiled flag. */
export function manyRealisticFlagsDocument(copies: number): FlagSetDocument {
  const flags: FlagSetDocument['flags'] = {};
  for (let c = 0; c < copies; c++) Object.assign(flags, realisticFlags(`-${c}`));
  return { flags, $evaluators: EVALUATORS };
}
