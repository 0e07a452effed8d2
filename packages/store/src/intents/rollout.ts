/**
 * Setting the weights of a flag's percentage rollout: the one `fractional` split in its
 * targeting gets new weights, in the order its buckets already have (so users who had a variant
 * at 5% keep it at 25%: `fractional` fills buckets in order), new variants after them. The
 * bucketing expression, if the split has one, is kept.
 */
import type { FlagDefinition, JsonValue, TargetingRule } from '@ensign/core';
import { pointerSegment } from '@ensign/core';
import type { FlagStore } from '../flag-store.js';
import { IntentError } from './errors.js';
import { type FlagIntentResult, type IntentOptions, updateFlag } from './update-flag.js';

/** Largest sum of weights `fractional` accepts (flagd refuses a larger one). */
export const MAX_TOTAL_WEIGHT = 2_147_483_647;

/** Variant name → integer weight (relative: `{ on: 25, off: 75 }` is 25 %). */
export type RolloutWeights = Readonly<Record<string, number>>;

type Path = readonly (string | number)[];

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Paths of every `fractional` operator in a rule. */
function findSplits(rule: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(rule)) {
    rule.forEach((item, i) => findSplits(item, [...path, i], out));
  } else if (isRecord(rule)) {
    for (const key of Object.keys(rule)) {
      if (key === 'fractional') out.push(path);
      findSplits(rule[key], [...path, key], out);
    }
  }
  return out;
}

function at(rule: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], rule);
}

function replaceAt(rule: JsonValue, path: Path, value: JsonValue): JsonValue {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(rule)) {
    const copy = [...rule];
    copy[head as number] = replaceAt(copy[head as number]!, rest, value);
    return copy;
  }
  const copy = { ...(rule as Record<string, JsonValue>) };
  Object.defineProperty(copy, head as string, {
    value: replaceAt(copy[head as string]!, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** The weights of the split a flag holds now, in bucket order (`undefined` if it has none usable). */
export function rolloutWeightsOf(flag: FlagDefinition): Record<string, number> | undefined {
  const splits = findSplits(flag.targeting);
  if (splits.length !== 1) return undefined;
  const args = (at(flag.targeting, splits[0]!) as Record<string, unknown>).fractional;
  if (!Array.isArray(args)) return undefined;
  const out: Record<string, number> = {};
  for (const bucket of args.filter(Array.isArray)) {
    const [variant, weight = 1] = bucket as unknown[];
    if (typeof variant !== 'string' || typeof weight !== 'number') return undefined;
    out[variant] = weight;
  }
  return out;
}

/**
 * The flag with its split's weights replaced (pure).
 * @throws {IntentError} `no-single-split`, `split-not-literal`, `unknown-variant`, `invalid-weights`.
 */
export function withRolloutWeights(
  flagSet: string,
  flagKey: string,
  flag: FlagDefinition,
  weights: RolloutWeights,
): FlagDefinition {
  const splits = findSplits(flag.targeting);
  if (splits.length !== 1) {
    throw new IntentError(
      flagSet,
      'no-single-split',
      flagKey,
      `flag "${flagKey}" in flag set "${flagSet}" has ${splits.length} fractional splits in its targeting; setting weights needs exactly one (edit the targeting instead)`,
    );
  }
  const path = splits[0]!;
  const pointer = `/flags/${pointerSegment(flagKey)}/targeting${path.map((p) => `/${pointerSegment(p)}`).join('')}/fractional`;
  const args = (at(flag.targeting, path) as Record<string, unknown>).fractional;
  const notLiteral = () =>
    new IntentError(
      flagSet,
      'split-not-literal',
      flagKey,
      `the fractional split of flag "${flagKey}" (${pointer}) is not a list of [variant, weight] literals; edit the targeting instead`,
    );
  if (!Array.isArray(args) || args.length === 0) throw notLiteral();
  const bucketKey = Array.isArray(args[0]) ? [] : [args[0] as JsonValue];
  const buckets = args.slice(bucketKey.length);
  const order: string[] = [];
  for (const bucket of buckets) {
    if (!Array.isArray(bucket) || bucket.length === 0 || bucket.length > 2 || typeof bucket[0] !== 'string')
      throw notLiteral();
    if (bucket.length === 2 && typeof bucket[1] !== 'number') throw notLiteral();
    order.push(bucket[0]);
  }
  let total = 0;
  for (const [variant, weight] of Object.entries(weights)) {
    if (!Object.hasOwn(flag.variants, variant)) {
      throw new IntentError(
        flagSet,
        'unknown-variant',
        flagKey,
        `flag "${flagKey}" has no variant "${variant}" (variants: ${Object.keys(flag.variants).join(', ')})`,
        `/weights/${pointerSegment(variant)}`,
      );
    }
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new IntentError(
        flagSet,
        'invalid-weights',
        flagKey,
        `weight of "${variant}" must be a non-negative integer`,
        `/weights/${pointerSegment(variant)}`,
      );
    }
    total += weight;
  }
  if (total <= 0 || total > MAX_TOTAL_WEIGHT) {
    throw new IntentError(
      flagSet,
      'invalid-weights',
      flagKey,
      `the weights must add up to more than 0 and at most ${MAX_TOTAL_WEIGHT}, got ${total}`,
      '/weights',
    );
  }
  const names = [
    ...order.filter((v) => Object.hasOwn(weights, v)),
    ...Object.keys(weights).filter((v) => !order.includes(v)),
  ];
  const split: JsonValue[] = [...bucketKey, ...names.map((v): JsonValue => [v, weights[v]!])];
  const targeting = replaceAt(flag.targeting as JsonValue, [...path, 'fractional'], split) as TargetingRule;
  return { ...flag, targeting };
}

/**
 * Sets the weights of the flag's one `fractional` split.
 * @example
 * await setRolloutWeights(store, 'fitness-production', 'new-checkout', { on: 25, off: 75 }, { actor: 'alice' });
 */
export async function setRolloutWeights(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  weights: RolloutWeights,
  options: IntentOptions = {},
): Promise<FlagIntentResult & { detail: { weights: Record<string, number> } }> {
  return updateFlag(store, flagSet, flagKey, options, (flag) => {
    const next = withRolloutWeights(flagSet, flagKey, flag, weights);
    const unchanged = JSON.stringify(next.targeting) === JSON.stringify(flag.targeting);
    return { next: unchanged ? undefined : next, detail: { weights: rolloutWeightsOf(next) ?? {} } };
  });
}
