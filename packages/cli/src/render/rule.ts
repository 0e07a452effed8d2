/**
 * JsonLogic targeting rules as people read them: `if tier in ["pro", "business"] → on`,
 * `split on 25% / off 75%`. One line per branch of an `if`, so a diff of two rules shows only the
 * branches that changed. Unknown operators print as `name(args)`: nothing is hidden.
 */
import type { JsonValue } from '@ensign/core';

type Node = JsonValue | undefined;

const isObject = (value: Node): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const INFIX: Readonly<Record<string, string>> = {
  '==': '==',
  '===': '==',
  '!=': '!=',
  '!==': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
};

/** The single operator of a JsonLogic node, or `undefined` for a literal. */
export function operatorOf(node: Node): string | undefined {
  if (!isObject(node)) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

function argsOf(node: { [key: string]: JsonValue }, op: string): JsonValue[] {
  const args = node[op];
  return Array.isArray(args) ? args : [args as JsonValue];
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

/** The weights of a `fractional` node as percentages, in order: `[['on', 25], ['off', 75]]`. */
export function fractionalShares(node: Node): [string, number][] | undefined {
  if (!isObject(node) || operatorOf(node) !== 'fractional') return undefined;
  const buckets = argsOf(node, 'fractional').filter(Array.isArray) as JsonValue[][];
  const entries = buckets.map((bucket): [string, number] => [
    typeof bucket[0] === 'string' ? bucket[0] : JSON.stringify(bucket[0]),
    bucket.length > 1 && typeof bucket[1] === 'number' ? bucket[1] : 1,
  ]);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (total <= 0) return entries.map(([name]) => [name, 0]);
  return entries.map(([name, weight]) => [name, (weight / total) * 100]);
}

function renderSplit(node: { [key: string]: JsonValue }): string {
  const shares = fractionalShares(node) ?? [];
  const by = argsOf(node, 'fractional').find((arg) => !Array.isArray(arg));
  const split = shares.map(([name, share]) => `${name} ${formatNumber(share)}%`).join(' / ');
  return by === undefined ? `split ${split}` : `split ${split} by ${expression(by, 0)}`;
}

/** A value used as an outcome: a variant name, or `default` for null. */
function outcome(node: Node): string {
  if (node === null || node === undefined) return 'default';
  if (typeof node === 'string') return node;
  return expression(node, 0);
}

/** Renders an expression on one line; `level` is the binding strength of the context. */
export function expression(node: Node, level = 0): string {
  if (node === undefined) return 'undefined';
  if (Array.isArray(node)) return `[${node.map((item) => expression(item, 0)).join(', ')}]`;
  if (!isObject(node)) return JSON.stringify(node);
  const op = operatorOf(node);
  if (op === undefined) return JSON.stringify(node);
  const args = argsOf(node, op);
  const wrap = (text: string, strength: number) => (strength < level ? `(${text})` : text);
  switch (op) {
    case 'var': {
      const name = args[0];
      if (name === '' || name === undefined) return 'data';
      return typeof name === 'string' ? name : expression(name, 3);
    }
    case '$ref':
      return `$ref ${typeof node.$ref === 'string' ? node.$ref : JSON.stringify(node.$ref)}`;
    case 'and':
    case 'or':
      return wrap(
        args.map((arg) => expression(arg, op === 'and' ? 2 : 1)).join(` ${op} `),
        op === 'and' ? 2 : 1,
      );
    case '!':
      return `not ${expression(args[0], 3)}`;
    case '!!':
      return `bool(${expression(args[0], 0)})`;
    case 'in':
      return wrap(`${expression(args[0], 3)} in ${expression(args[1], 3)}`, 3);
    case 'fractional':
      return renderSplit(node);
    case 'if':
    case '?:': {
      const parts: string[] = [];
      for (let i = 0; i + 1 < args.length; i += 2) {
        parts.push(`if ${expression(args[i], 0)} then ${outcome(args[i + 1])}`);
      }
      if (args.length % 2 === 1) parts.push(`else ${outcome(args[args.length - 1])}`);
      return `(${parts.join(' ')})`;
    }
    default: {
      const infix = INFIX[op];
      if (infix !== undefined && args.length === 2) {
        return wrap(`${expression(args[0], 4)} ${infix} ${expression(args[1], 4)}`, 3);
      }
      return `${op}(${args.map((arg) => expression(arg, 0)).join(', ')})`;
    }
  }
}

/**
 * A targeting rule as lines: an `if` chain gives one line per branch (`if … → variant`, then
 * `else → variant`); anything else is one line (`→ variant` for a plain result).
 */
export function ruleLines(rule: Node): string[] {
  if (rule === undefined || (isObject(rule) && Object.keys(rule).length === 0)) return ['(none)'];
  const op = operatorOf(rule);
  if (isObject(rule) && (op === 'if' || op === '?:')) {
    const args = argsOf(rule, op);
    const lines: string[] = [];
    for (let i = 0; i + 1 < args.length; i += 2) {
      lines.push(`${i === 0 ? 'if' : 'elif'} ${expression(args[i], 0)} → ${branch(args[i + 1])}`);
    }
    if (args.length % 2 === 1) lines.push(`else → ${branch(args[args.length - 1])}`);
    return lines;
  }
  if (op === 'fractional' && isObject(rule)) return [renderSplit(rule)];
  return [`→ ${outcome(rule)}`];
}

function branch(node: Node): string {
  if (isObject(node) && operatorOf(node) === 'fractional') return renderSplit(node);
  return outcome(node);
}

/** One-line summary of a rule for tables (`split on 25% / off 75%`, `2 conditions`). */
export function ruleSummary(rule: Node): string {
  const lines = ruleLines(rule);
  if (lines.length === 1) return lines[0]!.replace(/^→ /, '');
  const conditions = lines.filter((line) => !line.startsWith('else')).length;
  const last = lines[lines.length - 1]!;
  const tail = last.startsWith('else → ') ? `, else ${last.slice('else → '.length)}` : '';
  return `${conditions} condition${conditions === 1 ? '' : 's'}${tail}`;
}
