/**
 * The flag changes the demo offers (kill switch, rollout percentage), written to the store like
 * any operator would: audited, validated, and with compare-and-set so a concurrent edit is not
 * silently overwritten. Used by the demo page's endpoint and by the `flip` command.
 */
import type { FlagDefinition, TargetingRule } from '@ensign/core';
import type { FlagStore, WriteResult } from '@ensign/store';
import { BOOKINGS_ENABLED, CANCEL_BOOKING, FLAG_SET } from './flag-keys.js';

/** A change the demo can make. */
export type DemoChange = { action: 'kill' } | { action: 'revive' } | { action: 'rollout'; percent: number };

/** What the demo page shows about the flags it controls. */
export interface DemoFlagState {
  version: number;
  /** `true` while the kill switch is active: `bookings-enabled` is off, bookings in maintenance. */
  killed: boolean;
  /** The `cancel-booking` rollout percentage for users outside the targeted organizations. */
  cancelRolloutPercent: number | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Finds the `on` weight of the first two-bucket `fractional` in a rule, as a percentage. */
export function rolloutPercent(rule: unknown): number | undefined {
  if (Array.isArray(rule)) {
    for (const item of rule) {
      const found = rolloutPercent(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isRecord(rule)) return undefined;
  const fractional = rule.fractional;
  if (Array.isArray(fractional)) {
    const buckets = fractional.filter(Array.isArray) as unknown[][];
    const on = buckets.find((bucket) => bucket[0] === 'on');
    const total = buckets.reduce((sum, bucket) => sum + (typeof bucket[1] === 'number' ? bucket[1] : 1), 0);
    if (on && total > 0) return ((typeof on[1] === 'number' ? on[1] : 1) / total) * 100;
  }
  for (const value of Object.values(rule)) {
    const found = rolloutPercent(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Returns a copy of `rule` whose `on`/`off` fractional split is `percent` / `100 - percent`. */
export function withRolloutPercent(rule: TargetingRule, percent: number): TargetingRule {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!isRecord(node)) return node;
    if (Array.isArray(node.fractional)) {
      const buckets = node.fractional.filter(Array.isArray) as unknown[][];
      if (buckets.some((bucket) => bucket[0] === 'on')) {
        const bucketBy = node.fractional.filter((item) => !Array.isArray(item));
        return {
          fractional: [...bucketBy, ['on', percent], ['off', 100 - percent]],
        };
      }
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, rewrite(value)]));
  };
  return rewrite(rule) as TargetingRule;
}

/** Reads what the demo page shows. */
export async function readDemoFlags(store: FlagStore): Promise<DemoFlagState> {
  const { version, document } = await store.load(FLAG_SET);
  const enabled = document.flags[BOOKINGS_ENABLED] as FlagDefinition | undefined;
  const cancel = document.flags[CANCEL_BOOKING] as FlagDefinition | undefined;
  return {
    version,
    // The app evaluates `bookings-enabled` with the default `false`: a missing flag is a kill too.
    killed: enabled === undefined || enabled.state === 'DISABLED' || enabled.defaultVariant === 'off',
    cancelRolloutPercent: rolloutPercent(cancel?.targeting),
  };
}

/**
 * Applies one demo change to the store.
 * @throws {RangeError} when `percent` is not an integer from 0 to 100.
 * @throws {Error} when `cancel-booking` has no `on`/`off` fractional split to change.
 */
export async function applyDemoChange(
  store: FlagStore,
  change: DemoChange,
  actor = 'demo',
): Promise<WriteResult> {
  const options = { actor, reason: 'fitness-app demo' };
  switch (change.action) {
    // The kill switch is the flag's state: DISABLED serves the caller's default (`false`).
    case 'kill':
      return store.patchFlag(FLAG_SET, BOOKINGS_ENABLED, { state: 'DISABLED' }, options);
    case 'revive':
      return store.patchFlag(FLAG_SET, BOOKINGS_ENABLED, { state: 'ENABLED' }, options);
    case 'rollout': {
      const { percent } = change;
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
        throw new RangeError(`percent must be an integer from 0 to 100, got ${String(percent)}`);
      }
      const { version, document } = await store.load(FLAG_SET);
      const targeting = (document.flags[CANCEL_BOOKING] as FlagDefinition | undefined)?.targeting;
      if (rolloutPercent(targeting) === undefined || targeting === undefined) {
        throw new Error(
          `flag "${CANCEL_BOOKING}" in set "${FLAG_SET}" has no on/off fractional rollout to change`,
        );
      }
      return store.patchFlag(
        FLAG_SET,
        CANCEL_BOOKING,
        { targeting: withRolloutPercent(targeting, percent) },
        { ...options, expectedVersion: version },
      );
    }
  }
}
