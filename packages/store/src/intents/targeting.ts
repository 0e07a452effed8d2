/**
 * Adding people to a rule, as a person means it: "serve `on` to these users", "serve `on` to the
 * beta-testers segment", "take these users out again", rather than editing JsonLogic by hand.
 *
 * The flag's targeting is read as an `if` chain of clauses (`condition → variant`) followed by
 * what it did before (the fallback, e.g. a `fractional` rollout). Values are kept in list clauses
 * `{"in": [{"var": attribute}, [values…]]}`, one per (attribute, variant); a segment is a clause
 * `{"$ref": segment}` naming an entry of the set's `$evaluators`. A new list clause goes first
 * (naming someone is the most specific rule), a new segment clause after the leading list clauses;
 * a value added for one variant leaves the lists of the other variants of that attribute.
 */
import type { FlagDefinition, JsonValue, TargetingRule } from '@ensign/core';
import type { FlagStore } from '../flag-store.js';
import { jsonEqual } from './diff.js';
import { IntentError } from './errors.js';
import { type FlagIntentResult, type IntentOptions, updateFlag } from './update-flag.js';

/** The context attribute lists match when none is named. */
export const DEFAULT_TARGETING_ATTRIBUTE = 'targetingKey';

/** A change to who gets which variant. */
export type TargetingChange =
  | {
      /** Serve `variant` to these values of `attribute` (default `targetingKey`). */
      readonly add: {
        readonly variant: string;
        readonly values: readonly string[];
        readonly attribute?: string;
      };
    }
  | {
      /** Serve `variant` to everyone in the segment (an entry of the set's `$evaluators`). */
      readonly add: { readonly variant: string; readonly segment: string };
    }
  | { readonly remove: { readonly values: readonly string[]; readonly attribute?: string } }
  | { readonly remove: { readonly segment: string } };

interface Clause {
  condition: JsonValue;
  variant: JsonValue;
}

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitChain(targeting: TargetingRule | undefined): { clauses: Clause[]; fallback?: JsonValue } {
  if (targeting === undefined || (isRecord(targeting) && Object.keys(targeting).length === 0)) {
    return { clauses: [] };
  }
  const keys = Object.keys(targeting);
  const args = (targeting as Record<string, JsonValue>).if;
  if (keys.length !== 1 || !Array.isArray(args)) return { clauses: [], fallback: targeting as JsonValue };
  const clauses: Clause[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) clauses.push({ condition: args[i]!, variant: args[i + 1]! });
  return args.length % 2 === 1 ? { clauses, fallback: args[args.length - 1]! } : { clauses };
}

function joinChain(clauses: readonly Clause[], fallback: JsonValue | undefined): TargetingRule | undefined {
  if (clauses.length === 0) return fallback === undefined ? undefined : (fallback as TargetingRule);
  const args: JsonValue[] = clauses.flatMap((c) => [c.condition, c.variant]);
  if (fallback !== undefined) args.push(fallback);
  return { if: args };
}

/** The values of a list clause on `attribute`, or `undefined` when the clause is not one. */
function listOf(condition: JsonValue, attribute: string): JsonValue[] | undefined {
  if (!isRecord(condition) || Object.keys(condition).length !== 1) return undefined;
  const args = condition.in;
  if (!Array.isArray(args) || args.length !== 2 || !Array.isArray(args[1])) return undefined;
  const left = args[0];
  if (!isRecord(left) || Object.keys(left).length !== 1 || left.var !== attribute) return undefined;
  return args[1];
}

function listClause(attribute: string, values: readonly JsonValue[]): JsonValue {
  return { in: [{ var: attribute }, [...values]] };
}

function isSegmentClause(condition: JsonValue, segment: string): boolean {
  return isRecord(condition) && Object.keys(condition).length === 1 && condition.$ref === segment;
}

/**
 * The flag with the change applied (pure). `evaluators` are the set's `$evaluators` (segments).
 * @throws {IntentError} `unknown-variant` or `unknown-segment`, with the request field's pointer.
 */
export function withTargetingChange(
  flagSet: string,
  flagKey: string,
  flag: FlagDefinition,
  evaluators: Readonly<Record<string, JsonValue>> | undefined,
  change: TargetingChange,
): FlagDefinition {
  const { clauses, fallback } = splitChain(flag.targeting);
  let next: Clause[];
  if ('add' in change) {
    const { variant } = change.add;
    if (!Object.hasOwn(flag.variants, variant)) {
      throw new IntentError(
        flagSet,
        'unknown-variant',
        flagKey,
        `flag "${flagKey}" has no variant "${variant}" (variants: ${Object.keys(flag.variants).join(', ')})`,
        '/add/variant',
      );
    }
    if ('segment' in change.add) {
      const { segment } = change.add;
      if (evaluators === undefined || !Object.hasOwn(evaluators, segment)) {
        throw new IntentError(
          flagSet,
          'unknown-segment',
          flagKey,
          `flag set "${flagSet}" has no segment "${segment}" (segments are the set's $evaluators: ${Object.keys(evaluators ?? {}).join(', ') || 'none'})`,
          '/add/segment',
        );
      }
      const existing = clauses.findIndex((c) => isSegmentClause(c.condition, segment));
      next = clauses.map((c) => ({ ...c }));
      if (existing >= 0) next[existing]!.variant = variant;
      else {
        let i = 0;
        while (i < next.length && isListClause(next[i]!.condition)) i++;
        next.splice(i, 0, { condition: { $ref: segment }, variant });
      }
    } else {
      const attribute = change.add.attribute ?? DEFAULT_TARGETING_ATTRIBUTE;
      const added = new Set<JsonValue>(change.add.values);
      next = [];
      let target: Clause | undefined;
      for (const clause of clauses) {
        const list = listOf(clause.condition, attribute);
        if (list === undefined) {
          next.push(clause);
        } else if (clause.variant === variant && target === undefined) {
          target = { condition: listClause(attribute, list), variant };
          next.push(target);
        } else {
          const kept = list.filter((v) => !added.has(v));
          if (kept.length > 0) next.push({ ...clause, condition: listClause(attribute, kept) });
        }
      }
      if (target === undefined) {
        target = { condition: listClause(attribute, []), variant };
        next.unshift(target);
      }
      const list = listOf(target.condition, attribute)!;
      for (const value of change.add.values) if (!list.includes(value)) list.push(value);
    }
  } else if ('segment' in change.remove) {
    const { segment } = change.remove;
    next = clauses.filter((c) => !isSegmentClause(c.condition, segment));
  } else {
    const attribute = change.remove.attribute ?? DEFAULT_TARGETING_ATTRIBUTE;
    const removed = new Set<JsonValue>(change.remove.values);
    next = [];
    for (const clause of clauses) {
      const list = listOf(clause.condition, attribute);
      if (list === undefined) next.push(clause);
      else {
        const kept = list.filter((v) => !removed.has(v));
        if (kept.length > 0) next.push({ ...clause, condition: listClause(attribute, kept) });
      }
    }
  }
  const targeting = joinChain(next, fallback);
  const { targeting: _old, ...rest } = flag;
  return targeting === undefined ? rest : { ...rest, targeting };
}

function isListClause(condition: JsonValue): boolean {
  if (!isRecord(condition) || Object.keys(condition).length !== 1) return false;
  const args = condition.in;
  return (
    Array.isArray(args) &&
    args.length === 2 &&
    Array.isArray(args[1]) &&
    isRecord(args[0]) &&
    'var' in args[0]
  );
}

/**
 * Changes who gets which variant of a flag (see the module comment). A change already in effect
 * writes nothing (`changed: false`).
 * @example
 * await changeTargeting(store, 'fitness-staging', 'new-checkout', { add: { variant: 'on', values: ['user-1'] } }, { actor: 'alice' });
 */
export async function changeTargeting(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  change: TargetingChange,
  options: IntentOptions = {},
): Promise<FlagIntentResult & { detail: undefined }> {
  return updateFlag(store, flagSet, flagKey, options, (flag, snapshot) => {
    const next = withTargetingChange(flagSet, flagKey, flag, snapshot.document.$evaluators, change);
    return { next: jsonEqual(next, flag) ? undefined : next, detail: undefined };
  });
}
