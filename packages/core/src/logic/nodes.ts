/**
 * The building blocks operators compile with: constant nodes, truthiness, scopes, arguments and
 * problem reports. Kept apart from the compiler so operators do not import it (no import cycle).
 */
import type { JsonValue } from '../types.js';
import type { CompileChild, CompileScope, Compiled } from './types.js';

const EMPTY_ROOT: Readonly<Record<string, unknown>> = Object.freeze({});
/** Tag on compiled nodes known to be constant (a property, not a WeakSet: compiling stays cheap). */
const CONSTANT = Symbol('ensign.constant');
type Tagged = Compiled & { [CONSTANT]?: { value: unknown } };

/** Escapes one JSON Pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  if (typeof segment === 'number') return String(segment);
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function constant(value: unknown): Compiled {
  return () => value;
}

const NULL: Compiled = markConstant(constant(null));

/** Reports a problem at `path` and compiles to `null`; compilation goes on to find the others. */
export function reportIssueAt(scope: CompileScope, path: string, message: string): Compiled {
  scope.issues.push({ path, flagKey: scope.flagKey || undefined, message });
  return NULL;
}

/**
 * A scope like `scope` with some fields changed. Written out field by field so every scope has
 * one shape: object spread here made compiling large sets several times slower.
 */
export function deriveScope(scope: CompileScope, changes: Partial<CompileScope>): CompileScope {
  return {
    flagKey: changes.flagKey ?? scope.flagKey,
    evaluators: changes.evaluators ?? scope.evaluators,
    path: changes.path ?? scope.path,
    depth: changes.depth ?? scope.depth,
    inElementScope: changes.inElementScope ?? scope.inElementScope,
    refStack: changes.refStack ?? scope.refStack,
    counter: changes.counter ?? scope.counter,
    refs: changes.refs ?? scope.refs,
    issues: changes.issues ?? scope.issues,
  };
}

/** Marks a compiled node as returning the same value whatever the data (for constant folding). */
export function markConstant(fn: Compiled): Compiled {
  (fn as Tagged)[CONSTANT] = { value: fn(undefined, EMPTY_ROOT) };
  return fn;
}

export function isConstant(fn: Compiled): boolean {
  return (fn as Tagged)[CONSTANT] !== undefined;
}

/** A compiled node that always returns `value`, known to be constant. */
export function literal(value: unknown): Compiled {
  const fn: Tagged = () => value;
  fn[CONSTANT] = { value };
  return fn;
}

/** The value of a node known to be constant, or `undefined` when it is not constant. */
export function constantValue(fn: Compiled): { value: unknown } | undefined {
  return (fn as Tagged)[CONSTANT];
}

/** JsonLogic truthiness: like JavaScript's, except that an empty array is false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return !!value;
}

export { NULL as NULL_NODE };

/** Compiles every argument of an operator, with JSON Pointers that match the document. */
export function compileArgs(
  args: readonly JsonValue[],
  scope: CompileScope,
  rawArgs: JsonValue,
  compile: CompileChild,
): Compiled[] {
  return args.map((arg, i) => compile(arg, scope, Array.isArray(rawArgs) ? `/${i}` : ''));
}

/** Reports a problem at the operator's path and compiles to `null`. */
export function reportIssue(scope: CompileScope, message: string): Compiled {
  return reportIssueAt(scope, scope.path, message);
}
