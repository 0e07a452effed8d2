/**
 * JsonLogic → closures. Each rule is compiled once per flag-set change into a tree of small
 * functions; evaluation then walks no JSON, looks up no operator and allocates little.
 */
import { MAX_RULE_DEPTH, MAX_RULE_NODES } from '../format/limits.js';
import type { JsonValue } from '../types.js';
import { OPERATORS } from './operators/index.js';
import type { CompileScope, Compiled } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;
const EMPTY_ROOT: Readonly<Record<string, unknown>> = Object.freeze({});
const EMPTY_OBJECT: Readonly<Record<string, never>> = Object.freeze({});
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

function isOperation(node: JsonValue): node is Record<string, JsonValue> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

function fail(scope: CompileScope, path: string, message: string): Compiled {
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

/** Compiles a node at `scope.path + pathSuffix`, one level deeper. */
export function compileChild(node: JsonValue, scope: CompileScope, pathSuffix: string): Compiled {
  return compileNode(node, {
    flagKey: scope.flagKey,
    evaluators: scope.evaluators,
    path: scope.path + pathSuffix,
    depth: scope.depth + 1,
    inElementScope: scope.inElementScope,
    refStack: scope.refStack,
    counter: scope.counter,
    refs: scope.refs,
    issues: scope.issues,
  });
}

/** Compiles a JsonLogic node; problems are pushed onto `scope.issues` and compile to `null`. */
export function compileNode(node: JsonValue, scope: CompileScope): Compiled {
  if (++scope.counter.nodes > MAX_RULE_NODES) {
    if (scope.counter.nodes === MAX_RULE_NODES + 1) {
      return fail(scope, scope.path, `rule is too large (more than ${MAX_RULE_NODES} nodes)`);
    }
    return NULL;
  }
  if (scope.depth > MAX_RULE_DEPTH) {
    // Once per rule: every sibling past the limit would repeat the same news.
    if (scope.counter.tooDeep) return NULL;
    scope.counter.tooDeep = true;
    return fail(scope, scope.path, `rule is nested too deeply (more than ${MAX_RULE_DEPTH} levels)`);
  }
  if (Array.isArray(node)) {
    const items = node.map((item, i) => compileChild(item, scope, `/${i}`));
    if (items.every(isConstant)) return literal(items.map((item) => item(undefined, EMPTY_ROOT)));
    return (data, root) => items.map((item) => item(data, root));
  }
  if (!isOperation(node)) return literal(node);
  const keys = Object.keys(node);
  // As in json-logic-js and flagd-core, an empty object is a value, not a rule.
  if (keys.length === 0) return literal(EMPTY_OBJECT);
  if (keys.length !== 1) {
    return fail(
      scope,
      scope.path,
      `a rule object must have exactly one operator, found ${keys.length} (${keys.slice(0, 5).join(', ')})`,
    );
  }
  const operator = keys[0]!;
  const rawArgs = node[operator]!;
  if (operator === '$ref') return compileRef(rawArgs, scope);
  if (!hasOwn.call(OPERATORS, operator)) {
    return fail(scope, `${scope.path}/${pointerSegment(operator)}`, `unknown operator "${operator}"`);
  }
  // JsonLogic lets a single argument stand without its array.
  const args = Array.isArray(rawArgs) ? rawArgs : [rawArgs];
  const opScope = deriveScope(scope, { path: `${scope.path}/${pointerSegment(operator)}` });
  return OPERATORS[operator]!(args, opScope, compileChild, rawArgs);
}

function compileRef(name: JsonValue, scope: CompileScope): Compiled {
  const path = `${scope.path}/$ref`;
  if (typeof name !== 'string') return fail(scope, path, '"$ref" must name an evaluator (a string)');
  if (!hasOwn.call(scope.evaluators, name)) {
    return fail(scope, path, `"$ref" names evaluator "${name}", which is not defined in $evaluators`);
  }
  if (scope.refStack.includes(name)) {
    return fail(scope, path, `"$ref" cycle: ${[...scope.refStack, name].join(' → ')}`);
  }
  scope.refs.add(name);
  return compileNode(
    scope.evaluators[name]!,
    deriveScope(scope, {
      path: `/$evaluators/${pointerSegment(name)}`,
      depth: scope.depth + 1,
      refStack: [...scope.refStack, name],
    }),
  );
}

/** Marks a compiled node as returning the same value whatever the data (for constant folding). */
export function markConstant(fn: Compiled): Compiled {
  (fn as Tagged)[CONSTANT] = { value: fn(undefined, EMPTY_ROOT) };
  return fn;
}

function isConstant(fn: Compiled): boolean {
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
  elementScope = false,
): Compiled[] {
  const s = elementScope ? deriveScope(scope, { inElementScope: true }) : scope;
  return args.map((arg, i) => compileChild(arg, s, Array.isArray(rawArgs) ? `/${i}` : ''));
}

/** Reports a problem at the operator's path and compiles to `null`. */
export function reportIssue(scope: CompileScope, message: string): Compiled {
  return fail(scope, scope.path, message);
}
