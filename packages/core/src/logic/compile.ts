/**
 * JsonLogic → closures. Each rule is compiled once per flag-set change into a tree of small
 * functions; evaluation then walks no JSON, looks up no operator and allocates little.
 */
import { MAX_RULE_DEPTH, MAX_RULE_NODES } from '../format/limits.js';
import type { JsonValue } from '../types.js';
import {
  NULL_NODE,
  constantValue,
  deriveScope,
  isConstant,
  literal,
  pointerSegment,
  reportIssueAt,
} from './nodes.js';
import { OPERATORS } from './operators/index.js';
import type { CompileScope, Compiled } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;
const EMPTY_OBJECT: Readonly<Record<string, never>> = Object.freeze({});

function isOperation(node: JsonValue): node is Record<string, JsonValue> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
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
      return reportIssueAt(scope, scope.path, `rule is too large (more than ${MAX_RULE_NODES} nodes)`);
    }
    return NULL_NODE;
  }
  if (scope.depth > MAX_RULE_DEPTH) {
    // Once per rule: every sibling past the limit would repeat the same news.
    if (scope.counter.tooDeep) return NULL_NODE;
    scope.counter.tooDeep = true;
    return reportIssueAt(scope, scope.path, `rule is nested too deeply (more than ${MAX_RULE_DEPTH} levels)`);
  }
  if (Array.isArray(node)) {
    const items = node.map((item, i) => compileChild(item, scope, `/${i}`));
    if (items.every(isConstant)) return literal(items.map((item) => constantValue(item)!.value));
    return (data, root) => items.map((item) => item(data, root));
  }
  if (!isOperation(node)) return literal(node);
  const keys = Object.keys(node);
  // As in json-logic-js and flagd-core, an empty object is a value, not a rule.
  if (keys.length === 0) return literal(EMPTY_OBJECT);
  if (keys.length !== 1) {
    return reportIssueAt(
      scope,
      scope.path,
      `a rule object must have exactly one operator, found ${keys.length} (${keys.slice(0, 5).join(', ')})`,
    );
  }
  const operator = keys[0]!;
  const rawArgs = node[operator]!;
  if (operator === '$ref') return compileRef(rawArgs, scope);
  if (!hasOwn.call(OPERATORS, operator)) {
    return reportIssueAt(
      scope,
      `${scope.path}/${pointerSegment(operator)}`,
      `unknown operator "${operator}"`,
    );
  }
  // JsonLogic lets a single argument stand without its array.
  const args = Array.isArray(rawArgs) ? rawArgs : [rawArgs];
  const opScope = deriveScope(scope, { path: `${scope.path}/${pointerSegment(operator)}` });
  return OPERATORS[operator]!(args, opScope, compileChild, rawArgs);
}

function compileRef(name: JsonValue, scope: CompileScope): Compiled {
  const path = `${scope.path}/$ref`;
  if (typeof name !== 'string') return reportIssueAt(scope, path, '"$ref" must name an evaluator (a string)');
  if (!hasOwn.call(scope.evaluators, name)) {
    return reportIssueAt(
      scope,
      path,
      `"$ref" names evaluator "${name}", which is not defined in $evaluators`,
    );
  }
  if (scope.refStack.includes(name)) {
    return reportIssueAt(scope, path, `"$ref" cycle: ${[...scope.refStack, name].join(' → ')}`);
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
