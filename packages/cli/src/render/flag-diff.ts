/**
 * What changed inside one flag, as lines a reviewer reads: state, default variant, variants,
 * metadata, and targeting, where a change of `fractional` weights alone reads
 * `split: on 5% → 25%, off 95% → 75%` and any other rule change is a line diff of the rendered
 * rule (one line per `if` branch).
 */
import { type FlagDefinition, type JsonValue, stableStringify } from '@ensign/core';
import { fractionalShares, operatorOf, ruleLines } from './rule.js';

/** A flag as a store may hold it: a definition, or the raw text of one that is not JSON. */
export type AnyFlag = FlagDefinition | string;

const short = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

const same = (a: unknown, b: unknown) => stableStringify(a ?? null) === stableStringify(b ?? null);

/** `label.key: a → b` lines for the keys of two records that differ. */
export function keyedChanges(
  label: string,
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
): string[] {
  const lines: string[] = [];
  const a = before ?? {};
  const b = after ?? {};
  for (const key of Object.keys(b)) {
    if (!Object.hasOwn(a, key)) lines.push(`${label}.${key}: added ${short(b[key])}`);
    else if (!same(a[key], b[key])) lines.push(`${label}.${key}: ${short(a[key])} → ${short(b[key])}`);
  }
  for (const key of Object.keys(a)) {
    if (!Object.hasOwn(b, key)) lines.push(`${label}.${key}: removed (was ${short(a[key])})`);
  }
  return lines;
}

/** Every `fractional` node of a rule, in document order. */
function fractionals(node: JsonValue | undefined, out: JsonValue[] = []): JsonValue[] {
  if (Array.isArray(node)) for (const item of node) fractionals(item, out);
  else if (typeof node === 'object' && node !== null) {
    if (operatorOf(node) === 'fractional') out.push(node);
    for (const value of Object.values(node)) fractionals(value, out);
  }
  return out;
}

/** The rule with every `fractional` weight replaced by 0: equal masks = only weights differ. */
function weightMask(node: JsonValue | undefined): string {
  const mask = (value: JsonValue): JsonValue => {
    if (Array.isArray(value)) return value.map(mask);
    if (typeof value !== 'object' || value === null) return value;
    if (operatorOf(value) === 'fractional' && Array.isArray(value.fractional)) {
      return {
        fractional: value.fractional.map((arg) => (Array.isArray(arg) ? [arg[0] ?? null, 0] : mask(arg))),
      };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v)]));
  };
  return stableStringify(node === undefined ? null : mask(node));
}

const percent = (share: number) => `${Number.isInteger(share) ? share : Number(share.toFixed(2))}%`;

/** `on 5% → 25%, off 95% → 75%` for two `fractional` nodes over the same variants. */
export function weightChange(before: JsonValue, after: JsonValue): string {
  const a = fractionalShares(before) ?? [];
  const b = fractionalShares(after) ?? [];
  return b
    .map(([name, share], i) => {
      const old = a[i]?.[1] ?? 0;
      return old === share ? `${name} ${percent(share)}` : `${name} ${percent(old)} → ${percent(share)}`;
    })
    .join(', ');
}

/** Line diff (longest common subsequence) of two short lists of lines. */
export function lineDiff(before: readonly string[], after: readonly string[]): string[] {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push(`  ${before[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removals before additions, as diffs read.
      out.push(`- ${before[i]}`);
      i++;
    } else {
      out.push(`+ ${after[j]}`);
      j++;
    }
  }
  return out;
}

/** The targeting part of a flag diff. */
export function targetingChanges(before: JsonValue | undefined, after: JsonValue | undefined): string[] {
  if (same(before, after)) return [];
  const beforeSplits = fractionals(before);
  const afterSplits = fractionals(after);
  if (before !== undefined && after !== undefined && weightMask(before) === weightMask(after)) {
    return afterSplits.flatMap((split, i) => {
      const old = beforeSplits[i]!;
      if (same(old, split)) return [];
      const label = afterSplits.length === 1 ? 'split' : `split ${i + 1}`;
      return [`targeting ${label}: ${weightChange(old, split)}`];
    });
  }
  if (before === undefined) return ['targeting: added', ...ruleLines(after).map((l) => `+ ${l}`)];
  if (after === undefined) return ['targeting: removed', ...ruleLines(before).map((l) => `- ${l}`)];
  return ['targeting:', ...lineDiff(ruleLines(before), ruleLines(after))];
}

/**
 * The lines describing how a flag changed (`state: ENABLED → DISABLED`, …); empty when equal.
 * A raw (unparseable) stored flag is shown as such.
 */
export function flagChanges(before: AnyFlag | null, after: AnyFlag | null): string[] {
  if (before === null || after === null || typeof before === 'string' || typeof after === 'string') {
    if (typeof before === 'string') return ['stored value is not a valid flag (edited by hand?); replaced'];
    return [];
  }
  const lines: string[] = [];
  if (before.state !== after.state) lines.push(`state: ${before.state} → ${after.state}`);
  if (!same(before.defaultVariant, after.defaultVariant)) {
    lines.push(`defaultVariant: ${before.defaultVariant ?? '(none)'} → ${after.defaultVariant ?? '(none)'}`);
  }
  lines.push(...keyedChanges('variants', before.variants, after.variants));
  lines.push(...targetingChanges(before.targeting, after.targeting));
  lines.push(...keyedChanges('metadata', before.metadata, after.metadata));
  return lines;
}

/** Changes to the set's shared rules (`$evaluators`), one block per rule. */
export function evaluatorChanges(
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>> | null,
): string[] {
  const a = before ?? {};
  const b = after ?? {};
  const lines: string[] = [];
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    const old = Object.hasOwn(a, name) ? (a[name] as JsonValue) : undefined;
    const next = Object.hasOwn(b, name) ? (b[name] as JsonValue) : undefined;
    if (same(old, next)) continue;
    if (old === undefined) lines.push(`${name}: added`, ...ruleLines(next).map((l) => `+ ${l}`));
    else if (next === undefined) lines.push(`${name}: removed`, ...ruleLines(old).map((l) => `- ${l}`));
    else lines.push(`${name}:`, ...lineDiff(ruleLines(old), ruleLines(next)));
  }
  return lines;
}

/** A new flag, described: state, default, variants, targeting. */
export function flagSummaryLines(flag: AnyFlag): string[] {
  if (typeof flag === 'string') return ['(stored value is not a valid flag)'];
  const variants = Object.entries(flag.variants ?? {})
    .map(([name, value]) => `${name}=${short(value)}`)
    .join(', ');
  const lines = [
    `state: ${flag.state}, defaultVariant: ${flag.defaultVariant ?? '(none)'}`,
    `variants: ${variants}`,
  ];
  if (flag.targeting !== undefined && Object.keys(flag.targeting).length > 0) {
    lines.push('targeting:', ...ruleLines(flag.targeting).map((line) => `  ${line}`));
  }
  return lines;
}
