/**
 * JsonLogic targeting in words: `{"in": [{"var": "tier"}, ["pro", "business"]]}` reads "tier is
 * one of pro, business". Covers flagd's operators and Ensign's extensions; anything else is shown
 * as its JSON.
 */
import type { JsonValue } from '@ensign/core';

type Rule = { readonly [operator: string]: JsonValue };

const isRule = (value: JsonValue | undefined): value is Rule =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1;

const COMPARISONS: Readonly<Record<string, string>> = {
  '==': 'is',
  '===': 'is',
  '!=': 'is not',
  '!==': 'is not',
  '<': '<',
  '<=': '≤',
  '>': '>',
  '>=': '≥',
  starts_with: 'starts with',
  ends_with: 'ends with',
  before: 'is before',
  after: 'is after',
};

/** A value in words. */
export function describe(value: JsonValue | undefined): string {
  if (value === undefined) return '(nothing)';
  if (!isRule(value)) {
    if (Array.isArray(value)) return value.map((v) => describe(v)).join(', ');
    return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  }
  const [op, raw] = Object.entries(value)[0]!;
  const args: JsonValue[] = Array.isArray(raw) ? raw : [raw];
  switch (op) {
    case 'var': {
      const name = args[0];
      if (name === '$flagd.flagKey') return 'the flag key';
      if (name === '$flagd.timestamp') return 'the time';
      return typeof name === 'string' ? name : describe(name);
    }
    case '$ref':
      return `in segment "${String(args[0])}"`;
    case 'and':
      return args.map((a) => `(${describe(a)})`).join(' and ');
    case 'or':
      return args.map((a) => `(${describe(a)})`).join(' or ');
    case '!':
      return `not (${describe(args[0])})`;
    case '!!':
      return `${describe(args[0])} is set`;
    case 'in':
      return Array.isArray(args[1])
        ? `${describe(args[0])} is one of ${describe(args[1])}`
        : `${describe(args[0])} is in ${describe(args[1])}`;
    case 'sem_ver':
      return `${describe(args[0])} (version) ${String(args[1])} ${describe(args[2])}`;
    case 'regex':
      return `${describe(args[0])} matches /${String(args[1])}/${typeof args[2] === 'string' ? args[2] : ''}`;
    case 'fractional': {
      const buckets = args.filter((a): a is JsonValue[] => Array.isArray(a));
      const total = buckets.reduce((sum, b) => sum + (typeof b[1] === 'number' ? b[1] : 1), 0);
      const parts = buckets.map((b) => {
        const weight = typeof b[1] === 'number' ? b[1] : 1;
        return `${String(b[0])} ${total > 0 ? Math.round((weight / total) * 1000) / 10 : 0}%`;
      });
      return `percentage split: ${parts.join(', ')}`;
    }
    case 'if':
      return 'a nested rule';
    default: {
      const word = COMPARISONS[op];
      if (word !== undefined && args.length === 2) return `${describe(args[0])} ${word} ${describe(args[1])}`;
      if (word !== undefined && args.length === 3)
        return `${describe(args[1])} is between ${describe(args[0])} and ${describe(args[2])}`;
      return JSON.stringify(value);
    }
  }
}
