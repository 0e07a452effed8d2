/**
 * What a flag serves to everyone, read from its definition alone: a `DISABLED` flag serves every
 * caller its code default; an enabled flag without targeting serves its default variant; a
 * `fractional` split with one non-zero weight serves that variant. GrowthBook calls a flag that
 * does one of these for two weeks "stale"; here it is one way a flag counts as launched.
 */
import type { FlagDefinition, JsonValue } from '@ensign/core';

/** The one outcome of a flag: a variant, or `''` for the caller's code default. */
export type StaticOutcome = string;

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single variant a literal `fractional` split serves, if exactly one bucket has weight. */
function singleBucket(args: JsonValue): string | undefined {
  if (!Array.isArray(args)) return undefined;
  // The first argument is the bucketing expression when it is not a bucket itself.
  const buckets = args.filter((item) => Array.isArray(item)) as JsonValue[][];
  if (buckets.length !== args.length && buckets.length !== args.length - 1) return undefined;
  let served: string | undefined;
  for (const bucket of buckets) {
    const [variant, weight] = bucket;
    if (typeof variant !== 'string') return undefined;
    const w = bucket.length === 1 ? 1 : weight;
    if (typeof w !== 'number') return undefined;
    if (w <= 0) continue;
    if (served !== undefined) return undefined;
    served = variant;
  }
  return served;
}

/**
 * The one outcome a flag's definition gives every caller, or `undefined` when it may give
 * different callers different outcomes.
 * @example
 * staticOutcomeOf({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }) // → 'on'
 * staticOutcomeOf({ state: 'DISABLED', variants: { on: true } }) // → '' (the code default)
 */
export function staticOutcomeOf(flag: FlagDefinition): StaticOutcome | undefined {
  if (flag.state === 'DISABLED') return '';
  const targeting = flag.targeting as unknown;
  const fallback = typeof flag.defaultVariant === 'string' ? flag.defaultVariant : '';
  if (targeting === undefined || targeting === null) return fallback;
  if (!isRecord(targeting)) return undefined;
  const operators = Object.keys(targeting);
  if (operators.length === 0) return fallback;
  if (operators.length === 1 && operators[0] === 'fractional') return singleBucket(targeting.fractional!);
  return undefined;
}
