/**
 * What a rollout does to its flag: the weights of each stage, written into the flag's one
 * `fractional` split, and the metadata that marks the flag as owned by the plan.
 *
 * Bucketing stability: `fractional` gives a user the variant whose cumulative range holds
 * `floor(hash · total / 2³²)`, which depends only on the weights as fractions of the total. The
 * released and replaced variants are neighbours in the split and only the boundary between them
 * moves, always towards the replaced one, so a user who had the released variant at 5% keeps it
 * at 25%, and a third variant's users never move. Weights are scaled once, by a whole factor
 * applied to every variant (which changes no fraction, hence no user), when the pool of the two
 * variants is too coarse for the stage percentages.
 */
import type { FlagDefinition, MetadataValue } from '@ensign/core';
import { COHORT_METADATA } from '@ensign/hooks';
import { MAX_TOTAL_WEIGHT, rolloutWeightsOf } from '@ensign/store';
import { RolloutError } from '../errors.js';
import type { RolloutPlanSpec } from './spec.js';

/** Flag metadata key naming the running plan that owns the flag (the CLI's `apply` leaves such flags alone). */
export const PLAN_METADATA = 'rolloutPlan';

/** Weights per variant, in bucket order. */
export type Weights = Record<string, number>;

/** Resolution of the released variant's share: 1/10,000 (0.01%). */
const POOL_RESOLUTION = 10_000;

/**
 * Refuses a plan that does not fit the flag: the flag exists and is a flag object, both variants
 * exist, its targeting has exactly one literal `fractional` split, and the two variants are
 * neighbours in it (a variant absent from the split counts as appended at its end). Resolves the
 * split's weights now, in bucket order.
 * @throws {RolloutError} `flag-not-found`, `unknown-variant`, `not-a-split`, `not-adjacent`.
 */
export function checkPlanAgainstFlag(
  flagSet: string,
  spec: RolloutPlanSpec,
  flag: FlagDefinition | undefined,
): Weights {
  const key = spec.flagKey;
  if (flag === undefined || typeof flag !== 'object' || flag === null) {
    throw new RolloutError(
      'flag-not-found',
      flagSet,
      `flag "${key}" does not exist in flag set "${flagSet}"`,
      [{ pointer: '/flagKey', message: 'no such flag' }],
    );
  }
  const variants = Object.keys(flag.variants ?? {});
  const problems = (['release', 'replace'] as const)
    .filter((field) => !variants.includes(spec[field]))
    .map((field) => ({
      pointer: `/${field}`,
      message: `flag "${key}" has no variant "${spec[field]}" (variants: ${variants.join(', ')})`,
    }));
  if (problems.length > 0) {
    throw new RolloutError('unknown-variant', flagSet, problems.map((p) => p.message).join('; '), problems);
  }
  const weights = rolloutWeightsOf(flag);
  if (weights === undefined || Object.keys(weights).length === 0) {
    throw new RolloutError(
      'not-a-split',
      flagSet,
      `flag "${key}" is not a percentage split: a rollout needs exactly one "fractional" split of [variant, weight] literals in its targeting, e.g. {"fractional": [["${spec.release}", 0], ["${spec.replace}", 100]]}`,
      [{ pointer: '/flagKey', message: 'has no single literal fractional split' }],
    );
  }
  if (!Object.hasOwn(weights, spec.replace) || !(weights[spec.replace]! + (weights[spec.release] ?? 0) > 0)) {
    throw new RolloutError(
      'not-a-split',
      flagSet,
      `the split of flag "${key}" gives no traffic to "${spec.replace}" (or "${spec.release}"): there is nothing to release from`,
      [{ pointer: '/replace', message: 'has no weight in the split' }],
    );
  }
  const order = Object.keys(weights);
  if (!order.includes(spec.release)) order.push(spec.release);
  // Variants without weight take no bucket: they do not separate the two.
  const live = order.filter((v) => v === spec.release || v === spec.replace || (weights[v] ?? 0) > 0);
  const gap = Math.abs(live.indexOf(spec.release) - live.indexOf(spec.replace));
  if (gap !== 1) {
    throw new RolloutError(
      'not-adjacent',
      flagSet,
      `in the split of flag "${key}" the variants "${spec.release}" and "${spec.replace}" are not neighbours (order: ${order.join(', ')}): growing one at the other's expense would move users of the variants between them; reorder the split so they are next to each other`,
      [{ pointer: '/release', message: 'is not next to the replaced variant in the split' }],
    );
  }
  return weights;
}

/**
 * The weights of a stage: the pool of the two variants (as it is now, scaled up once if too
 * coarse) split `percent` / `100 − percent`; every other variant unchanged (or scaled alike).
 */
export function stageWeights(current: Weights, release: string, replace: string, percent: number): Weights {
  const pool = (current[release] ?? 0) + (current[replace] ?? 0);
  const total = Object.values(current).reduce((a, b) => a + b, 0);
  let factor = 1;
  if (pool < POOL_RESOLUTION) {
    factor = Math.ceil(POOL_RESOLUTION / pool);
    // Never beyond what fractional accepts: then the pool stays as coarse as it is.
    if (total * factor > MAX_TOTAL_WEIGHT) factor = Math.max(1, Math.floor(MAX_TOTAL_WEIGHT / total));
  }
  const out: Weights = {};
  for (const [variant, weight] of Object.entries(current)) out[variant] = weight * factor;
  const scaledPool = pool * factor;
  const released = Math.round((scaledPool * percent) / 100);
  out[release] = released;
  out[replace] = scaledPool - released;
  return out;
}

/** The released variant's share of the pool under `weights`, in percent. */
export function releasedPercent(weights: Weights, release: string, replace: string): number {
  const pool = (weights[release] ?? 0) + (weights[replace] ?? 0);
  return pool > 0 ? (100 * (weights[release] ?? 0)) / pool : 0;
}

/** The flag with its metadata marking the plan and the cohort (`undefined` removes both marks). */
export function withPlanMarks(
  flag: FlagDefinition,
  marks: { plan: string; cohort: string } | undefined,
): FlagDefinition {
  const metadata: Record<string, MetadataValue> = { ...(flag.metadata ?? {}) };
  delete metadata[PLAN_METADATA];
  delete metadata[COHORT_METADATA];
  if (marks !== undefined) {
    metadata[PLAN_METADATA] = marks.plan;
    metadata[COHORT_METADATA] = marks.cohort;
  }
  const { metadata: _old, ...rest } = flag;
  return Object.keys(metadata).length > 0 ? { ...rest, metadata } : rest;
}
