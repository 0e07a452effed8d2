/**
 * Why a context gets its variant: the flag's `if` chain walked condition by condition (each
 * condition evaluated by the engine itself), and for a percentage split, the bucket the context
 * falls in. Written as sentences for the "test a context" panel.
 */
import type { EvaluationContext, FlagDefinition, FlagSetDocument, JsonValue } from '@ensign/core';
import { conditionHolds, loadEngine } from './engine.js';
import { describe } from './rule-text.js';

/** One step of the explanation. */
export interface ExplainStep {
  readonly text: string;
  /** The condition held (`true`), did not (`false`), or it is not a condition (`undefined`). */
  readonly held?: boolean;
}

async function splitStep(
  flagKey: string,
  rule: JsonValue,
  context: EvaluationContext,
): Promise<ExplainStep | undefined> {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule) || !('fractional' in rule))
    return undefined;
  const args = rule.fractional;
  if (!Array.isArray(args)) return undefined;
  const buckets = args.filter((a): a is [string, number] => Array.isArray(a) && typeof a[0] === 'string');
  // A custom bucketing expression (first argument not a bucket) is not re-derived here.
  if (buckets.length !== args.length)
    return { text: 'A percentage split with its own bucketing value decides.' };
  const targetingKey = context.targetingKey;
  if (typeof targetingKey !== 'string')
    return {
      text: 'A percentage split decides, but the context has no targetingKey: the default variant applies.',
    };
  const { murmur3, bucketOf } = await loadEngine();
  const total = buckets.reduce((sum, [, w]) => sum + (typeof w === 'number' ? w : 1), 0);
  const bucket = bucketOf(murmur3(`${flagKey}${targetingKey}`), total);
  let upTo = 0;
  for (const [variant, weight] of buckets) {
    upTo += typeof weight === 'number' ? weight : 1;
    if (bucket < upTo)
      return {
        text: `Percentage split: "${flagKey}${targetingKey}" hashes to bucket ${bucket} of ${total}, in the range of "${variant}".`,
      };
  }
  return undefined;
}

/** The explanation of `flag`'s rule for `context`. */
export async function explain(
  document: FlagSetDocument,
  flagKey: string,
  flag: FlagDefinition,
  context: EvaluationContext,
): Promise<ExplainStep[]> {
  if (flag.state === 'DISABLED')
    return [{ text: 'The flag is disabled: every caller gets its own default (reason DISABLED).' }];
  const steps: ExplainStep[] = [];
  let rule: JsonValue | undefined = flag.targeting as JsonValue | undefined;
  if (rule === undefined || (typeof rule === 'object' && rule !== null && Object.keys(rule).length === 0))
    return [
      {
        text: `No targeting: everyone gets the default variant "${flag.defaultVariant ?? '(caller default)'}".`,
      },
    ];
  // Walk `if` chains (an `else` that is itself an `if` continues the chain).
  for (let depth = 0; depth < 32; depth++) {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule) || !Array.isArray(rule.if)) break;
    const args: JsonValue[] = rule.if;
    let next: JsonValue | undefined;
    let decided = false;
    for (let i = 0; i + 1 < args.length; i += 2) {
      const held = await conditionHolds(document, flagKey, args[i]!, context);
      steps.push({
        text: `If ${describe(args[i]!)}: ${held === undefined ? 'could not be evaluated' : held ? 'yes' : 'no'}`,
        held,
      });
      if (held) {
        next = args[i + 1];
        decided = true;
        break;
      }
    }
    if (!decided) next = args.length % 2 === 1 ? args[args.length - 1] : null;
    rule = next;
    if (typeof rule === 'string' || rule === null || rule === undefined) break;
  }
  const split = rule === undefined ? undefined : await splitStep(flagKey, rule, context);
  if (split) steps.push(split);
  else if (typeof rule === 'string') steps.push({ text: `Serves "${rule}".` });
  else if (rule === null || rule === undefined)
    steps.push({
      text: `No branch names a variant: the default variant "${flag.defaultVariant ?? '(caller default)'}" applies.`,
    });
  return steps;
}
