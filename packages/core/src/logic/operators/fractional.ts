/**
 * flagd's `fractional`: deterministic weighted bucketing (the "v2" algorithm of flagd-testbed).
 * `bucket = (murmur3(key) * totalWeight) >> 32` over the UTF-8 bytes of the key, which defaults to
 * `flagKey + targetingKey`; integer weights, negatives clamped to 0, a sum above 2^31 - 1 refused.
 * Variants and weights may themselves be rules. Any misuse returns `null` (the default variant).
 */
import { type Murmur3State, bucketOf, murmur3, murmur3From, murmur3Prefix } from '../../hash/murmur3.js';
import { compileArgs, constantValue, literal } from '../nodes.js';
import type { Compiled, OperatorCompiler } from '../types.js';

const MAX_TOTAL_WEIGHT = 2147483647;
const hasOwn = Object.prototype.hasOwnProperty;

/** Buckets ready to pick from: variant names and cumulative weights. */
export interface Buckets {
  readonly variants: readonly unknown[];
  readonly cumulative: readonly number[];
  readonly total: number;
}

/** Checks evaluated bucket entries the way flagd does; `undefined` when they are invalid. */
export function toBuckets(entries: readonly unknown[]): Buckets | undefined {
  const variants: unknown[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return undefined;
    const variant = entry[0];
    const type = typeof variant;
    if (
      variant !== null &&
      variant !== undefined &&
      type !== 'string' &&
      type !== 'number' &&
      type !== 'boolean'
    ) {
      return undefined;
    }
    let weight = 1;
    if (entry.length === 2) {
      const raw = entry[1];
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return undefined;
      weight = Math.max(0, raw);
    }
    total += weight;
    variants.push(variant ?? null);
    cumulative.push(total);
  }
  if (total > MAX_TOTAL_WEIGHT) return undefined;
  return { variants, cumulative, total };
}

function pick(buckets: Buckets, hash: number): unknown {
  const bucket = bucketOf(hash, buckets.total);
  const { cumulative, variants } = buckets;
  for (let i = 0; i < cumulative.length; i++) {
    if (cumulative[i]! > bucket) return variants[i];
  }
  return null;
}

/**
 * The default bucketing hash, `murmur3(flagKey + targetingKey)` from the flag key's hash state;
 * `undefined` without a targeting key (the rule then gives `null`, as in flagd).
 */
export function hashTargetingKey(
  prefix: Murmur3State,
  root: Readonly<Record<string, unknown>>,
): number | undefined {
  // `root` is always the context object, so a direct own-property check is enough.
  const targetingKey = hasOwn.call(root, 'targetingKey') ? root.targetingKey : undefined;
  if (targetingKey === undefined || targetingKey === null || targetingKey === '') return undefined;
  return murmur3From(prefix, typeof targetingKey === 'string' ? targetingKey : String(targetingKey));
}

export const fractionalOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  if (!Array.isArray(rawArgs) || args.length === 0) return literal(null);
  const parts = compileArgs(args, scope, rawArgs, compile);
  const prefix = murmur3Prefix(scope.flagKey);
  const defaultHash = (root: Readonly<Record<string, unknown>>) => hashTargetingKey(prefix, root);

  // The common shape: every argument a bucket literal, known at compile time.
  const allStatic = parts.every((part) => constantValue(part) !== undefined);
  if (allStatic && Array.isArray(args[0])) {
    const buckets = toBuckets(parts.map((part) => constantValue(part)!.value));
    if (!buckets) return literal(null);
    return (_data, root) => {
      const hash = defaultHash(root);
      return hash === undefined ? null : pick(buckets, hash);
    };
  }
  const slow = general(parts, defaultHash);
  // A bucketing-key expression followed by literal buckets.
  const rest = parts.slice(1);
  if (!Array.isArray(args[0]) && rest.every((part) => constantValue(part) !== undefined)) {
    const keyNode = parts[0]!;
    const buckets = toBuckets(rest.map((part) => constantValue(part)!.value));
    return (data, root) => {
      const key = keyNode(data, root);
      if (typeof key === 'string') return buckets ? pick(buckets, murmur3(key)) : null;
      // As in flagd: a key that is not a string makes the first argument a bucket too.
      return Array.isArray(key) ? slow(data, root) : null;
    };
  }
  return slow;
};

/** Any mix of rules: evaluate everything, then bucket as flagd-core does. */
function general(
  parts: readonly Compiled[],
  defaultHash: (root: Readonly<Record<string, unknown>>) => number | undefined,
): Compiled {
  return (data, root) => {
    const values = parts.map((part) => part(data, root));
    let hash: number | undefined;
    let entries: unknown[];
    if (typeof values[0] === 'string') {
      hash = murmur3(values[0]);
      entries = values.slice(1);
    } else {
      hash = defaultHash(root);
      entries = values;
    }
    if (hash === undefined) return null;
    const buckets = toBuckets(entries);
    return buckets ? pick(buckets, hash) : null;
  };
}
