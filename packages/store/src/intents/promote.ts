/**
 * Promotion: copying flags from one flag set (an environment, `fitness-staging`) to another
 * (`fitness-production`), as a plan you can read and an apply that does exactly that plan or
 * refuses. The plan is the target as it would be, with the list of changes; applying it is one
 * whole-set write, compare-and-set on the target's version the plan was made from, so nothing
 * written meanwhile is overwritten and nothing is half-applied.
 *
 * Promoting the whole set makes the target's flags and `$evaluators` those of the source (flags
 * the source lacks are removed); promoting named flags copies those flags and the `$evaluators`
 * they reference. The target's own set `metadata` is always kept.
 */
import type { FlagDefinition, FlagSetDocument, JsonValue } from '@ensign/core';
import { MissingFlagError, VersionConflictError } from '../errors.js';
import type { FlagStore } from '../flag-store.js';
import { own, setOwn } from '../store/document.js';
import { type JsonChange, jsonChanges, jsonEqual } from './diff.js';
import { IntentError } from './errors.js';

/** What to promote and what the plan must be based on. */
export interface PromotionOptions {
  /** Only these flags (and the `$evaluators` they reference). @default every flag of the source */
  flags?: readonly string[];
  /** Refuse (`VersionConflictError`) unless the source is at this version (the one reviewed). */
  fromVersion?: number;
  /** Refuse (`VersionConflictError`) unless the target is at this version (the one reviewed). */
  expectedVersion?: number;
}

/** A promotion plan: what the target would become, and how. */
export interface PromotionPlan {
  readonly from: string;
  readonly fromVersion: number;
  readonly to: string;
  /** The target's version the plan was made from (the apply is compare-and-set on it). */
  readonly toVersion: number;
  /** Flags the promotion adds to, removes from and changes in the target. */
  readonly flags: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
  /** Every change to the target document, at JSON Pointers (`/flags/<key>/…`, `/$evaluators/…`). */
  readonly changes: JsonChange[];
  /** The target as it would be. */
  readonly document: FlagSetDocument;
}

/** The names of the `$evaluators` a rule references, transitively. */
function referencedEvaluators(
  rule: unknown,
  evaluators: Record<string, JsonValue>,
  out = new Set<string>(),
): Set<string> {
  if (Array.isArray(rule)) {
    for (const item of rule) referencedEvaluators(item, evaluators, out);
  } else if (typeof rule === 'object' && rule !== null) {
    for (const [key, value] of Object.entries(rule)) {
      if (
        key === '$ref' &&
        typeof value === 'string' &&
        !out.has(value) &&
        Object.hasOwn(evaluators, value)
      ) {
        out.add(value);
        referencedEvaluators(evaluators[value], evaluators, out);
      } else {
        referencedEvaluators(value, evaluators, out);
      }
    }
  }
  return out;
}

/**
 * Works out a promotion without writing anything.
 * @throws {VersionConflictError} when `fromVersion` or `expectedVersion` no longer hold.
 * @throws {MissingFlagError} when a named flag is not in the source.
 * @throws {IntentError} `empty-source` when the source was never written.
 */
export async function planPromotion(
  store: FlagStore,
  from: string,
  to: string,
  options: PromotionOptions = {},
): Promise<PromotionPlan> {
  const [source, target] = await Promise.all([store.load(from), store.load(to)]);
  if (options.fromVersion !== undefined && source.version !== options.fromVersion) {
    throw new VersionConflictError(from, options.fromVersion, source.version);
  }
  if (options.expectedVersion !== undefined && target.version !== options.expectedVersion) {
    throw new VersionConflictError(to, options.expectedVersion, target.version);
  }
  if (source.version === 0) {
    throw new IntentError(
      from,
      'empty-source',
      undefined,
      `flag set "${from}" was never written: nothing to promote`,
    );
  }
  const sourceEvaluators = (source.document.$evaluators ?? {}) as Record<string, JsonValue>;
  let flags: Record<string, FlagDefinition>;
  let evaluators: Record<string, JsonValue> | undefined;
  if (options.flags === undefined) {
    flags = source.document.flags;
    evaluators = source.document.$evaluators;
  } else {
    flags = { ...target.document.flags };
    evaluators = { ...(target.document.$evaluators ?? {}) } as Record<string, JsonValue>;
    const copied = new Set<string>();
    for (const key of options.flags) {
      const flag = own(source.document.flags, key);
      if (flag === undefined) throw new MissingFlagError(from, key);
      setOwn(flags, key, flag);
      referencedEvaluators((flag as FlagDefinition).targeting, sourceEvaluators, copied);
    }
    for (const name of copied) setOwn(evaluators, name, sourceEvaluators[name]!);
    if (Object.keys(evaluators).length === 0 && target.document.$evaluators === undefined)
      evaluators = undefined;
  }
  const document: FlagSetDocument = { flags };
  if (evaluators !== undefined) document.$evaluators = evaluators;
  if (target.document.metadata !== undefined) document.metadata = target.document.metadata;

  const before = target.document.flags;
  const added = Object.keys(flags).filter((k) => !Object.hasOwn(before, k));
  const removed = Object.keys(before).filter((k) => !Object.hasOwn(flags, k));
  const changed = Object.keys(flags).filter(
    (k) => Object.hasOwn(before, k) && !jsonEqual(before[k], flags[k]),
  );
  const changes = [
    ...jsonChanges(target.document.flags, flags, '/flags'),
    ...jsonChanges(target.document.$evaluators, evaluators, '/$evaluators'),
  ];
  return {
    from,
    fromVersion: source.version,
    to,
    toVersion: target.version,
    flags: { added, removed, changed },
    changes,
    document,
  };
}

/** The outcome of {@link promote}. */
export interface PromotionResult extends PromotionPlan {
  /** Whether the target was written (nothing is written when the plan changes nothing). */
  readonly applied: boolean;
  /** The target's version after the promotion. */
  readonly version: number;
}

/**
 * Plans and applies a promotion in one whole-set write, compare-and-set on the version the plan
 * was made from (pass `expectedVersion` and `fromVersion` from a reviewed plan to apply exactly it).
 * @example
 * const plan = await planPromotion(store, 'fitness-staging', 'fitness-production', { flags: ['new-checkout'] });
 * await promote(store, 'fitness-staging', 'fitness-production', { flags: ['new-checkout'],
 *   fromVersion: plan.fromVersion, expectedVersion: plan.toVersion, actor: 'alice' });
 */
export async function promote(
  store: FlagStore,
  from: string,
  to: string,
  options: PromotionOptions & { actor?: string; reason?: string } = {},
): Promise<PromotionResult> {
  const plan = await planPromotion(store, from, to, options);
  if (plan.changes.length === 0) return { ...plan, applied: false, version: plan.toVersion };
  const { version } = await store.replaceFlagSet(to, plan.document, {
    expectedVersion: plan.toVersion,
    ...(options.actor !== undefined && { actor: options.actor }),
    ...(options.reason !== undefined && { reason: options.reason }),
  });
  return { ...plan, applied: true, version };
}
