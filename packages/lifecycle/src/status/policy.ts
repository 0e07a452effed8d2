/**
 * How long flags of each kind are expected to live, and the windows behind the statuses, with
 * the defaults the report uses when a team sets nothing: Unleash's expected lifetimes (release and
 * experiment 40 days; kill switch and permission never) and LaunchDarkly's seven-day windows
 * for "new", "launched" and "inactive". `ops` is a kill switch here (as `KillSwitchHook` reads
 * it), so it never goes stale by age.
 */
import { FLAG_KINDS, type FlagKind } from './kinds.js';

/** A lifecycle policy: every value in days; `null` lifetime: the kind is permanent. */
export interface LifecyclePolicy {
  /** Expected lifetime of each kind, in days; `null` for kinds meant to stay. */
  readonly lifetimeDays: Readonly<Record<FlagKind, number | null>>;
  /** The kind assumed for a flag whose metadata names none (or an unknown one). @default 'release' */
  readonly defaultKind: FlagKind;
  /** A flag created less than this long ago is `new`. @default 7 */
  readonly newForDays: number;
  /** A flag serving one outcome, unchanged, for this long is `launched`. @default 7 */
  readonly launchedAfterDays: number;
  /** A flag not evaluated for this long (while usage is recorded) is `inactive`. @default 7 */
  readonly inactiveAfterDays: number;
}

/** What a team may override (everything optional; lifetimes per kind). */
export interface LifecyclePolicyOptions {
  lifetimeDays?: Partial<Record<FlagKind, number | null>>;
  defaultKind?: FlagKind;
  newForDays?: number;
  launchedAfterDays?: number;
  inactiveAfterDays?: number;
}

/** The defaults of {@link LifecyclePolicy}. */
export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = Object.freeze({
  lifetimeDays: Object.freeze({
    release: 40,
    experiment: 40,
    ops: null,
    'kill-switch': null,
    permission: null,
  }),
  defaultKind: 'release',
  newForDays: 7,
  launchedAfterDays: 7,
  inactiveAfterDays: 7,
});

function days(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`lifecycle policy: ${name} must be a positive number of days, got ${String(value)}`);
  return value;
}

/**
 * The policy `options` describe, over the defaults; refuses a value it cannot use, naming it.
 * @example
 * resolvePolicy({ lifetimeDays: { release: 30, ops: 7 } })
 */
export function resolvePolicy(options: LifecyclePolicyOptions = {}): LifecyclePolicy {
  const lifetimeDays: Record<FlagKind, number | null> = { ...DEFAULT_LIFECYCLE_POLICY.lifetimeDays };
  for (const [kind, value] of Object.entries(options.lifetimeDays ?? {})) {
    if (!(FLAG_KINDS as readonly string[]).includes(kind))
      throw new TypeError(
        `lifecycle policy: lifetimeDays names an unknown kind "${kind}" (${FLAG_KINDS.join(', ')})`,
      );
    if (value === undefined) continue;
    lifetimeDays[kind as FlagKind] = value === null ? null : days(`lifetimeDays.${kind}`, value);
  }
  const defaultKind = options.defaultKind ?? DEFAULT_LIFECYCLE_POLICY.defaultKind;
  if (!(FLAG_KINDS as readonly string[]).includes(defaultKind))
    throw new TypeError(`lifecycle policy: defaultKind must be one of ${FLAG_KINDS.join(', ')}`);
  const d = DEFAULT_LIFECYCLE_POLICY;
  return {
    lifetimeDays,
    defaultKind,
    newForDays: options.newForDays === undefined ? d.newForDays : days('newForDays', options.newForDays),
    launchedAfterDays:
      options.launchedAfterDays === undefined
        ? d.launchedAfterDays
        : days('launchedAfterDays', options.launchedAfterDays),
    inactiveAfterDays:
      options.inactiveAfterDays === undefined
        ? d.inactiveAfterDays
        : days('inactiveAfterDays', options.inactiveAfterDays),
  };
}
