/**
 * A team's flag conventions, as `ensign lint` checks them: every rule is off unless the team
 * turns it on (a config file, or the `recommended` preset, which is what the seeds ask for:
 * an owner and a kind on every flag, an expiry date on temporary flags, key prefixes by kind).
 */
import { FLAG_KINDS, type FlagKind } from '../status/kinds.js';

/** The rules. */
export const LINT_RULES = ['owner', 'kind', 'expiresAt', 'expired', 'prefix', 'description'] as const;

/**
 * A rule:
 * - `owner`: metadata `owner` names someone;
 * - `kind`: metadata `kind` is one of the known kinds;
 * - `expiresAt`: temporary kinds carry an `expiresAt` date, and any `expiresAt` reads as one;
 * - `expired`: no `expiresAt` in the past;
 * - `prefix`: the key starts with its kind's prefix (`release_`, `experiment_`, `ops_`, `permission_`);
 * - `description`: metadata `description` says what the flag is for.
 */
export type LintRule = (typeof LINT_RULES)[number];

/** How a rule reports: not at all, as a warning, or as an error (`ensign lint` exits 1). */
export type LintSeverity = 'off' | 'warn' | 'error';

/** The conventions, resolved. */
export interface LintConventions {
  readonly rules: Readonly<Record<LintRule, LintSeverity>>;
  /** Accepted key prefixes per kind. */
  readonly prefixes: Readonly<Record<FlagKind, readonly string[]>>;
  /** Kinds that must carry `expiresAt`. */
  readonly temporaryKinds: readonly FlagKind[];
}

/** What a config may say (JSON: the `lint` section of `ensign.config.json`). */
export interface LintConventionsInput {
  /** Start from a preset: `recommended`, or `off` (every rule off). @default 'off' */
  preset?: 'off' | 'recommended';
  rules?: Partial<Record<LintRule, LintSeverity>>;
  prefixes?: Partial<Record<FlagKind, string | string[]>>;
  temporaryKinds?: FlagKind[];
}

/** The key prefixes the seeds suggest: `release_`, `experiment_`, `ops_` (kill switches too), `permission_`. */
export const DEFAULT_PREFIXES: Readonly<Record<FlagKind, readonly string[]>> = {
  release: ['release_'],
  experiment: ['experiment_'],
  ops: ['ops_'],
  'kill-switch': ['ops_'],
  permission: ['permission_'],
};

const OFF: Record<LintRule, LintSeverity> = {
  owner: 'off',
  kind: 'off',
  expiresAt: 'off',
  expired: 'off',
  prefix: 'off',
  description: 'off',
};

/** The `recommended` preset's rules. */
export const RECOMMENDED_RULES: Readonly<Record<LintRule, LintSeverity>> = {
  owner: 'error',
  kind: 'error',
  expiresAt: 'error',
  expired: 'warn',
  prefix: 'error',
  description: 'off',
};

function isKind(value: unknown): value is FlagKind {
  return typeof value === 'string' && (FLAG_KINDS as readonly string[]).includes(value);
}

/**
 * Conventions from a config (JSON), refusing what it cannot use with a `TypeError` naming the
 * field. Without any input every rule is off.
 * @example
 * resolveConventions({ preset: 'recommended', rules: { prefix: 'warn' } })
 */
export function resolveConventions(input: unknown = {}): LintConventions {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new TypeError('lint conventions must be an object');
  const config = input as Record<string, unknown>;
  for (const field of Object.keys(config))
    if (!['preset', 'rules', 'prefixes', 'temporaryKinds'].includes(field))
      throw new TypeError(
        `lint conventions: unknown field "${field}" (preset, rules, prefixes, temporaryKinds)`,
      );
  const preset = config.preset ?? 'off';
  if (preset !== 'off' && preset !== 'recommended')
    throw new TypeError(
      `lint conventions: preset must be "off" or "recommended", got ${JSON.stringify(preset)}`,
    );
  const rules: Record<LintRule, LintSeverity> = { ...(preset === 'recommended' ? RECOMMENDED_RULES : OFF) };
  const given = config.rules ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new TypeError('lint conventions: rules must be an object of rule → "off" | "warn" | "error"');
  for (const [rule, severity] of Object.entries(given)) {
    if (!(LINT_RULES as readonly string[]).includes(rule))
      throw new TypeError(`lint conventions: unknown rule "${rule}" (${LINT_RULES.join(', ')})`);
    if (severity !== 'off' && severity !== 'warn' && severity !== 'error')
      throw new TypeError(`lint conventions: rules.${rule} must be "off", "warn" or "error"`);
    rules[rule as LintRule] = severity;
  }
  const prefixes: Record<FlagKind, readonly string[]> = { ...DEFAULT_PREFIXES };
  const givenPrefixes = config.prefixes ?? {};
  if (givenPrefixes === null || typeof givenPrefixes !== 'object' || Array.isArray(givenPrefixes))
    throw new TypeError('lint conventions: prefixes must be an object of kind → prefix or prefixes');
  for (const [kind, value] of Object.entries(givenPrefixes)) {
    if (!isKind(kind)) throw new TypeError(`lint conventions: prefixes names an unknown kind "${kind}"`);
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || p === ''))
      throw new TypeError(`lint conventions: prefixes.${kind} must be a non-empty string or a list of them`);
    prefixes[kind] = list as string[];
  }
  const temporary = config.temporaryKinds ?? ['release', 'experiment'];
  if (!Array.isArray(temporary) || !temporary.every(isKind))
    throw new TypeError(`lint conventions: temporaryKinds must list kinds (${FLAG_KINDS.join(', ')})`);
  return { rules, prefixes, temporaryKinds: temporary };
}
