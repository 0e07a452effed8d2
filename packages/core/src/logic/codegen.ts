/**
 * Optional code generation for targeting rules: the common operators (`var`, comparisons, `in`
 * against a literal list, `and`/`or`/`!`, `if`) become one JavaScript function, so V8 runs a rule
 * like `tier in [pro, business] and country == US` as straight-line code instead of a tree of
 * closure calls. Any other node (fractional, sem_ver, map, …) is called as its compiled closure, so
 * semantics are those of the closure compiler by construction.
 *
 * Only JSON-escaped literals and property names ever reach the generated source. Where dynamic code
 * is not allowed (a Content-Security-Policy without `unsafe-eval`, some edge runtimes) the probe
 * fails and the closures are used unchanged.
 */
import { bucketOf, murmur3Prefix } from '../hash/murmur3.js';
import type { JsonValue } from '../types.js';
import { compileNode } from './compile.js';
import { deriveScope, truthy } from './nodes.js';
import { hashTargetingKey, toBuckets } from './operators/fractional.js';
import type { CompileScope, Compiled } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;

let available: boolean | undefined;

/** Can this runtime build functions from source? Probed once. */
export function codegenAvailable(): boolean {
  if (available === undefined) {
    try {
      available = new Function('return 1')() === 1;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * What a generated rule returns, instead of a variant name, when its result is a literal naming a
 * variant: the flag then returns its prepared result by index, without looking the name up.
 * Only results are replaced; a literal the rule compares or tests stays a plain value.
 */
export class VariantRef {
  constructor(readonly index: number) {}
}

const COMPARISONS = new Set(['==', '===', '!=', '!==', '<', '<=', '>', '>=']);
const MAX_INLINE_LIST = 8;

class Generator {
  readonly constants: unknown[] = [];
  readonly closures: Compiled[] = [];
  private temps = 0;

  constructor(
    private readonly scope: CompileScope,
    /** Variant name → prepared reference, for literals the rule returns as its result. */
    private readonly variants: ReadonlyMap<string, VariantRef>,
  ) {}

  /** A literal the rule returns as its result: a variant reference when it names a variant. */
  private result(value: JsonValue): string | undefined {
    if (typeof value === 'string') {
      const ref = this.variants.get(value);
      if (ref !== undefined) return this.constant(ref);
    }
    return this.literal(value);
  }

  get tempCount(): number {
    return this.temps;
  }

  private temp(): string {
    return `t${this.temps++}`;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  /** A node the generator does not inline: its closure, compiled as the closure compiler would. */
  private closure(node: JsonValue): string {
    const issues: CompileScope['issues'] = [];
    this.closures.push(
      compileNode(node, deriveScope(this.scope, { issues, counter: { nodes: 0 }, refs: new Set() })),
    );
    return `f[${this.closures.length - 1}](data, root)`;
  }

  private literal(value: JsonValue): string | undefined {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return JSON.stringify(value);
      case 'number':
        return Number.isFinite(value) ? `(${JSON.stringify(value)})` : undefined;
      default:
        return undefined;
    }
  }

  /** JavaScript source for a node. */
  expr(node: JsonValue, depth = 0, tail = false): string {
    const lit = tail ? this.result(node) : this.literal(node);
    if (lit !== undefined) return lit;
    if (depth > 64 || typeof node !== 'object' || node === null || Array.isArray(node))
      return this.closure(node);
    const keys = Object.keys(node);
    if (keys.length !== 1) return this.closure(node);
    const op = keys[0]!;
    const raw = node[op]!;
    if (op === '$ref' && typeof raw === 'string' && hasOwn.call(this.scope.evaluators, raw)) {
      return this.expr(this.scope.evaluators[raw]!, depth + 1, tail);
    }
    const args = Array.isArray(raw) ? raw : [raw];
    if (op === 'var') return this.variable(args) ?? this.closure(node);
    if (COMPARISONS.has(op) && args.length === 2) {
      return `(${this.expr(args[0]!, depth + 1)} ${op} ${this.expr(args[1]!, depth + 1)})`;
    }
    if (op === '!' && args.length >= 1) return `!T(${this.expr(args[0]!, depth + 1)})`;
    if (op === '!!' && args.length >= 1) return `T(${this.expr(args[0]!, depth + 1)})`;
    if ((op === 'and' || op === 'or') && args.length >= 1) return this.logical(op, args, depth);
    if ((op === 'if' || op === '?:') && args.length >= 1) return this.conditional(args, depth, tail);
    if (op === 'fractional' && Array.isArray(raw)) return this.fractional(raw, tail) ?? this.closure(node);
    if (op === 'in' && args.length === 2 && Array.isArray(args[1])) {
      const items = args[1];
      const literals = items.map((item) => this.literal(item));
      if (literals.every((l) => l !== undefined)) {
        const t = this.temp();
        if (items.length === 0) return `(${this.expr(args[0]!, depth + 1)}, false)`;
        if (items.length <= MAX_INLINE_LIST) {
          return `(${t} = ${this.expr(args[0]!, depth + 1)}, ${literals.map((l) => `${t} === ${l}`).join(' || ')})`;
        }
        return `(${this.constant(items)}.indexOf(${this.expr(args[0]!, depth + 1)}) !== -1)`;
      }
    }
    return this.closure(node);
  }

  /**
   * `fractional` over literal buckets with the default key: hash, then compare the bucket with the
   * cumulative weights in line. Other shapes stay with the closure.
   */
  private fractional(args: readonly JsonValue[], tail: boolean): string | undefined {
    if (args.length === 0 || !args.every((arg) => Array.isArray(arg))) return undefined;
    if (!args.every((entry) => (entry as JsonValue[]).every((item) => this.literal(item) !== undefined))) {
      return undefined;
    }
    const buckets = toBuckets(args);
    if (!buckets) return 'null';
    const t = this.temp();
    const prefix = this.constant(murmur3Prefix(this.scope.flagKey));
    let pick = 'null';
    for (let i = buckets.cumulative.length - 1; i >= 0; i--) {
      const variant = buckets.variants[i] as JsonValue;
      pick = `${t} < ${buckets.cumulative[i]} ? ${tail ? this.result(variant) : this.literal(variant)} : ${pick}`;
    }
    return `((${t} = H(${prefix}, root)) === undefined ? null : (${t} = B(${t}, ${buckets.total}), ${pick}))`;
  }

  private variable(args: readonly JsonValue[]): string | undefined {
    if (args.length > 1) return undefined;
    const path = args[0];
    // Dotted paths and the injected `$flagd` properties stay with the closure compiler.
    if (typeof path !== 'string' || path === '' || path.includes('.') || path.startsWith('$flagd')) {
      return undefined;
    }
    // A named load (one inline cache per site) behind an own-property check: as fast as plain
    // property access for request-shaped contexts, and nothing is read from a prototype.
    const name = JSON.stringify(path);
    return `(O.call(data, ${name}) ? (data[${name}] ?? null) : null)`;
  }

  private logical(op: 'and' | 'or', args: readonly JsonValue[], depth: number): string {
    // and: the first falsy value, else the last; or: the first truthy value, else the last.
    let out = this.expr(args[args.length - 1]!, depth + 1);
    for (let i = args.length - 2; i >= 0; i--) {
      const t = this.temp();
      const value = this.expr(args[i]!, depth + 1);
      out =
        op === 'and'
          ? `((${t} = ${value}) === true || (${t} !== false && T(${t})) ? ${out} : ${t})`
          : `((${t} = ${value}) === true || (${t} !== false && T(${t})) ? ${t} : ${out})`;
    }
    return out;
  }

  private conditional(args: readonly JsonValue[], depth: number, tail: boolean): string {
    // if: [cond, then, cond, then, …, else?]; no else → null.
    const pairs = Math.floor(args.length / 2);
    let out = args.length % 2 === 1 ? this.expr(args[args.length - 1]!, depth + 1, tail) : 'null';
    for (let i = pairs - 1; i >= 0; i--) {
      const t = this.temp();
      const cond = this.expr(args[2 * i]!, depth + 1);
      const then = this.expr(args[2 * i + 1]!, depth + 1, tail);
      out = `((${t} = ${cond}) === true || (${t} !== false && T(${t})) ? ${then} : ${out})`;
    }
    return out;
  }
}

/**
 * Generates a function for a targeting rule that compiled without problems, or `undefined` when
 * code generation is unavailable or would inline nothing.
 */
export function generateTargeting(
  rule: JsonValue,
  scope: CompileScope,
  variantNames: readonly string[] = [],
): Compiled | undefined {
  if (!codegenAvailable()) return undefined;
  const refs = new Map(variantNames.map((name, index) => [name, new VariantRef(index)]));
  const generator = new Generator(scope, refs);
  // The rule's own result may be a reference to a prepared result instead of a variant name.
  const body = generator.expr(rule, 0, true);
  if (body === 'f[0](data, root)') return undefined;
  const temps = Array.from({ length: generator.tempCount }, (_, i) => `t${i}`);
  const source = `"use strict"; return function targeting(data, root) { ${
    temps.length > 0 ? `var ${temps.join(', ')}; ` : ''
  }return ${body}; };`;
  try {
    const factory = new Function('O', 'T', 'H', 'B', 'k', 'f', source) as (
      o: typeof hasOwn,
      t: typeof truthy,
      h: typeof hashTargetingKey,
      b: typeof bucketOf,
      k: unknown[],
      f: Compiled[],
    ) => Compiled;
    return factory(hasOwn, truthy, hashTargetingKey, bucketOf, generator.constants, generator.closures);
  } catch {
    return undefined;
  }
}
