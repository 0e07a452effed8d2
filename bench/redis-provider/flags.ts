/**
 * Flag sets of a given size for the provider benchmark: a realistic mix of static flags,
 * targeting on attributes, and percentage rollouts, plus the one flag the propagation runs write.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';

/** The string flag the propagation benchmark rewrites and the throughput run evaluates. */
export const BENCH_FLAG = 'bench-flag';

function flagAt(i: number): FlagDefinition {
  switch (i % 3) {
    case 0:
      return { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: i % 2 ? 'on' : 'off' };
    case 1:
      return {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: { if: [{ in: [{ var: 'tier' }, ['pro', 'business']] }, 'on', null] },
        metadata: { kind: 'release', owner: `team-${i % 7}` },
      };
    default:
      return {
        state: 'ENABLED',
        variants: { control: 'control', treatment: 'treatment' },
        defaultVariant: 'control',
        targeting: {
          fractional: [
            ['control', 50],
            ['treatment', 50],
          ],
        },
        metadata: { kind: 'experiment' },
      };
  }
}

/** A set of `count` flags (the last being {@link BENCH_FLAG} with value `value`). */
export function benchFlagSet(count: number, value = 'v0'): FlagSetDocument {
  const flags: FlagSetDocument['flags'] = {};
  for (let i = 0; i < count - 1; i++) flags[`flag-${i}`] = flagAt(i);
  flags[BENCH_FLAG] = benchFlag(value);
  return { flags, metadata: { owner: 'bench' } };
}

/** {@link BENCH_FLAG} serving `value`. */
export function benchFlag(value: string): FlagDefinition {
  return { state: 'ENABLED', variants: { [value]: value }, defaultVariant: value };
}
