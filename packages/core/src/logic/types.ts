import type { JsonValue, ValidationIssue } from '../types.js';

/**
 * A compiled JsonLogic node. `data` is what `var` reads (the evaluation context at the top level,
 * the current element inside `map`/`filter`/…); `root` is always the evaluation context.
 */
export type Compiled = (data: unknown, root: Readonly<Record<string, unknown>>) => unknown;

/** What a node compiler knows about where it is. */
export interface CompileScope {
  /** The flag whose targeting is being compiled (`$flagd.flagKey`, default bucketing key). */
  readonly flagKey: string;
  /** Shared rules, `$evaluators`, for `{"$ref": name}`. */
  readonly evaluators: Readonly<Record<string, JsonValue>>;
  /** JSON Pointer of the node being compiled, for error messages. */
  readonly path: string;
  /** Nesting depth of the node. */
  readonly depth: number;
  /** True inside the per-element logic of `map`, `filter`, `reduce`, `all`, `none`, `some`. */
  readonly inElementScope: boolean;
  /** `$ref` names being expanded, to refuse cycles. */
  readonly refStack: readonly string[];
  /** Nodes compiled so far for this flag (shared, for the size limit); whether depth was reported. */
  readonly counter: { nodes: number; tooDeep?: boolean };
  /** Names of the `$evaluators` this flag uses (its fingerprint includes them). */
  readonly refs: Set<string>;
  /** Where problems go; compilation continues to report all of them. */
  readonly issues: ValidationIssue[];
}

/** Compiles a child node (the compiler hands this to operators). */
export type CompileChild = (node: JsonValue, scope: CompileScope, pathSuffix: string) => Compiled;

/** An operator: turns its (unevaluated) arguments into a compiled node. */
export type OperatorCompiler = (
  args: readonly JsonValue[],
  scope: CompileScope,
  compile: CompileChild,
  rawArgs: JsonValue,
) => Compiled;
