/**
 * The standard JsonLogic operators (jsonlogic.com), with json-logic-js semantics, which flagd's
 * evaluators share. `var` reads own properties only, so `__proto__`, `constructor` and the like
 * never reach a prototype.
 */
import type { JsonValue } from '../../types.js';
import { compileArgs, constantValue, deriveScope, literal, reportIssue, truthy } from '../nodes.js';
import type { CompileScope, Compiled, OperatorCompiler } from '../types.js';

const hasOwn = Object.prototype.hasOwnProperty;
const FLAGD_PREFIX = '$flagd';

/** Own property of an object, array or string; `undefined` for anything else. */
export function ownProperty(container: unknown, key: string): unknown {
  if (container === null || container === undefined) return undefined;
  const type = typeof container;
  if (type !== 'object' && type !== 'string') return undefined;
  return hasOwn.call(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

/** Reads a dotted path (`user.address.country`) through own properties only. */
export function readPath(data: unknown, segments: readonly string[]): unknown {
  let current = data;
  for (let i = 0; i < segments.length; i++) {
    current = ownProperty(current, segments[i]!);
    if (current === undefined || current === null) return current;
  }
  return current;
}

function flagdValue(flagKey: string, rest: readonly string[]): unknown {
  if (rest.length === 0) return { flagKey, timestamp: Math.floor(Date.now() / 1000) };
  if (rest.length > 1) return undefined;
  if (rest[0] === 'flagKey') return flagKey;
  if (rest[0] === 'timestamp') return Math.floor(Date.now() / 1000);
  return undefined;
}

function compileVarPath(path: string, scope: CompileScope): (data: unknown) => unknown {
  if (path === '') return (data) => data;
  const segments = path.split('.');
  // `$flagd.*` is injected by the evaluator, not read from the caller's context (as in flagd).
  if (!scope.inElementScope && segments[0] === FLAGD_PREFIX) {
    const { flagKey } = scope;
    const rest = segments.slice(1);
    return () => flagdValue(flagKey, rest);
  }
  if (segments.length === 1) {
    const key = segments[0]!;
    return (data) => ownProperty(data, key);
  }
  return (data) => readPath(data, segments);
}

/**
 * `{"var": "tier"}`, the most common node: one own-property read, no fallback rule, no call
 * through `ownProperty` for the usual object context.
 */
function readOwnKey(key: string): Compiled {
  return (data) => {
    if (typeof data === 'object' && data !== null) {
      return hasOwn.call(data, key) ? ((data as Record<string, unknown>)[key] ?? null) : null;
    }
    return ownProperty(data, key) ?? null;
  };
}

const varOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const [pathNode, fallbackNode] = compileArgs(args.slice(0, 2), scope, rawArgs, compile);
  const fallback = fallbackNode ?? literal(null);
  const staticPath = pathNode ? constantValue(pathNode) : { value: '' };
  if (!staticPath) return dynamicVar(pathNode!, fallback, scope);
  const value = staticPath.value;
  const path = value === null || value === undefined ? '' : String(value);
  const flagd = !scope.inElementScope && path.split('.')[0] === FLAGD_PREFIX;
  if (!fallbackNode && path !== '' && !path.includes('.') && !flagd) return readOwnKey(path);
  const read = compileVarPath(path, scope);
  return (data, root) => {
    const found = read(data);
    return found === undefined || found === null ? fallback(data, root) : found;
  };
};

/**
 * A `var` whose path is itself a rule. Kept apart from `varOp` so that the closures of static
 * paths do not share (and keep alive) a context that holds the compile scope.
 */
function dynamicVar(pathNode: Compiled, fallback: Compiled, scope: CompileScope): Compiled {
  return (data, root) => {
    const path = pathNode(data, root);
    const read = compileVarPath(path === null || path === undefined ? '' : String(path), scope);
    const found = read(data);
    return found === undefined || found === null ? fallback(data, root) : found;
  };
}

/**
 * Keys whose value is absent, as flagd-core reads them: `null` and `""` count as present, and the
 * injected `$flagd.*` properties are present outside element scope.
 */
function missingKeys(data: unknown, keys: readonly unknown[], scope: CompileScope): unknown[] {
  const missing: unknown[] = [];
  for (const key of keys) {
    const segments = String(key).split('.');
    let value: unknown;
    if (!scope.inElementScope && segments[0] === FLAGD_PREFIX) {
      value = flagdValue(scope.flagKey, segments.slice(1));
    } else {
      value = data;
      for (const segment of segments) {
        // Past a null or a primitive the key is missing, as in flagd-core.
        value = value === null ? undefined : ownProperty(value, segment);
        if (value === undefined) break;
      }
    }
    if (value === undefined) missing.push(key);
  }
  return missing;
}

const missingOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const items = compileArgs(args, scope, rawArgs, compile);
  return (data, root) => {
    const first = items[0]?.(data, root);
    const keys = Array.isArray(first) ? first : items.map((item) => item(data, root));
    return missingKeys(data, keys, scope);
  };
};

const missingSomeOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const [needNode, keysNode] = compileArgs(args, scope, rawArgs, compile);
  if (!needNode || !keysNode) return reportIssue(scope, '"missing_some" takes [minimum, [keys…]]');
  return (data, root) => {
    const need = Number(needNode(data, root));
    const keys = keysNode(data, root);
    if (!Array.isArray(keys)) return [];
    const missing = missingKeys(data, keys, scope);
    return keys.length - missing.length >= need ? [] : missing;
  };
};

const ifOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const parts = compileArgs(args, scope, rawArgs, compile);
  if (parts.length === 0) return literal(null);
  if (parts.length === 3) {
    const [cond, then, otherwise] = parts as [Compiled, Compiled, Compiled];
    // `if cond → "B" else …`: a literal branch is returned, not called.
    const thenConst = constantValue(then);
    if (thenConst) {
      const thenValue = thenConst.value;
      return (data, root) => {
        const test = cond(data, root);
        return test === true || (test !== false && truthy(test)) ? thenValue : otherwise(data, root);
      };
    }
    return (data, root) => (truthy(cond(data, root)) ? then(data, root) : otherwise(data, root));
  }
  return (data, root) => {
    let i = 0;
    for (; i < parts.length - 1; i += 2) {
      if (truthy(parts[i]!(data, root))) return parts[i + 1]!(data, root);
    }
    return i === parts.length - 1 ? parts[i]!(data, root) : null;
  };
};

const andOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const parts = compileArgs(args, scope, rawArgs, compile);
  if (parts.length === 2) {
    const [a, b] = parts as [Compiled, Compiled];
    return (data, root) => {
      const first = a(data, root);
      return first === true || (first !== false && truthy(first)) ? b(data, root) : first;
    };
  }
  return (data, root) => {
    let value: unknown;
    for (const part of parts) {
      value = part(data, root);
      if (!truthy(value)) return value;
    }
    return value;
  };
};

const orOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const parts = compileArgs(args, scope, rawArgs, compile);
  return (data, root) => {
    let value: unknown;
    for (const part of parts) {
      value = part(data, root);
      if (truthy(value)) return value;
    }
    return value;
  };
};

function binary(fn: (a: unknown, b: unknown) => unknown): OperatorCompiler {
  return (args, scope, compile, rawArgs) => {
    const [a = literal(undefined), b = literal(undefined)] = compileArgs(args, scope, rawArgs, compile);
    const bConst = constantValue(b);
    if (bConst) {
      const bValue = bConst.value;
      return (data, root) => fn(a(data, root), bValue);
    }
    return (data, root) => fn(a(data, root), b(data, root));
  };
}

/** `<` and `<=` also take three arguments: `a < b < c`. */
function between(strict: boolean): OperatorCompiler {
  const cmp = strict
    ? (a: unknown, b: unknown) => (a as number) < (b as number)
    : (a: unknown, b: unknown) => (a as number) <= (b as number);
  return (args, scope, compile, rawArgs) => {
    const parts = compileArgs(args, scope, rawArgs, compile);
    const [a = literal(undefined), b = literal(undefined), c] = parts;
    if (c) return (data, root) => cmp(a(data, root), b(data, root)) && cmp(b(data, root), c(data, root));
    return (data, root) => cmp(a(data, root), b(data, root));
  };
}

function variadic(fn: (values: unknown[]) => unknown): OperatorCompiler {
  return (args, scope, compile, rawArgs) => {
    const parts = compileArgs(args, scope, rawArgs, compile);
    return (data, root) => fn(parts.map((part) => part(data, root)));
  };
}

const num = (value: unknown) => Number.parseFloat(value as string);

const inOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const [needle = literal(undefined), haystack = literal(undefined)] = compileArgs(
    args,
    scope,
    rawArgs,
    compile,
  );
  const constHaystack = constantValue(haystack);
  // A literal list of strings (`tier in [pro, business]`) becomes a Set lookup.
  if (
    constHaystack &&
    Array.isArray(constHaystack.value) &&
    constHaystack.value.length > 8 &&
    constHaystack.value.every((v) => typeof v === 'string')
  ) {
    const set = new Set(constHaystack.value as string[]);
    return (data, root) => set.has(needle(data, root) as string);
  }
  // A short literal list: the strict comparisons `indexOf` would make, without the call.
  if (constHaystack && Array.isArray(constHaystack.value)) {
    const items: readonly unknown[] = constHaystack.value;
    const count = items.length;
    return (data, root) => {
      const value = needle(data, root);
      for (let i = 0; i < count; i++) if (items[i] === value) return true;
      return false;
    };
  }
  return (data, root) => {
    const within = haystack(data, root);
    if (typeof within === 'string') return within.indexOf(needle(data, root) as string) !== -1;
    if (Array.isArray(within)) return within.indexOf(needle(data, root)) !== -1;
    return false;
  };
};

/** Operators whose second argument runs once per element, with the element as `var` data. */
function arrayOp(
  run: (items: unknown[], each: (item: unknown) => unknown, rest: unknown) => unknown,
  hasInitial = false,
): OperatorCompiler {
  return (args, scope, compile, rawArgs) => {
    const suffix = (i: number) => (Array.isArray(rawArgs) ? `/${i}` : '');
    const source = args[0] === undefined ? literal(undefined) : compile(args[0], scope, suffix(0));
    const logic =
      args[1] === undefined
        ? literal(undefined)
        : compile(args[1], deriveScope(scope, { inElementScope: true }), suffix(1));
    const initial = hasInitial && args[2] !== undefined ? compile(args[2], scope, suffix(2)) : literal(null);
    return (data, root) => {
      const items = source(data, root);
      const list = Array.isArray(items) ? items : [];
      return run(list, (item) => logic(item, root), initial(data, root));
    };
  };
}

const reduceOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  const suffix = (i: number) => (Array.isArray(rawArgs) ? `/${i}` : '');
  const source = args[0] === undefined ? literal(undefined) : compile(args[0], scope, suffix(0));
  const logic =
    args[1] === undefined
      ? literal(undefined)
      : compile(args[1], deriveScope(scope, { inElementScope: true }), suffix(1));
  const initial = args[2] === undefined ? literal(null) : compile(args[2], scope, suffix(2));
  return (data, root) => {
    const items = source(data, root);
    let accumulator = initial(data, root);
    if (!Array.isArray(items)) return accumulator;
    for (const current of items) accumulator = logic({ current, accumulator }, root);
    return accumulator;
  };
};

function toText(value: unknown): string {
  return String(value);
}

export const STANDARD_OPERATORS: Record<string, OperatorCompiler> = {
  var: varOp,
  missing: missingOp,
  missing_some: missingSomeOp,
  if: ifOp,
  '?:': ifOp,
  and: andOp,
  or: orOp,
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's == is JavaScript's loose equality.
  '==': binary((a, b) => a == b),
  '===': binary((a, b) => a === b),
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's != is JavaScript's loose inequality.
  '!=': binary((a, b) => a != b),
  '!==': binary((a, b) => a !== b),
  '!': (args, scope, compile, rawArgs) => {
    const [a = literal(undefined)] = compileArgs(args, scope, rawArgs, compile);
    return (data, root) => !truthy(a(data, root));
  },
  '!!': (args, scope, compile, rawArgs) => {
    const [a = literal(undefined)] = compileArgs(args, scope, rawArgs, compile);
    return (data, root) => truthy(a(data, root));
  },
  '>': binary((a, b) => (a as number) > (b as number)),
  '>=': binary((a, b) => (a as number) >= (b as number)),
  '<': between(true),
  '<=': between(false),
  max: variadic((values) => (values.length === 0 ? null : Math.max(...(values as number[])))),
  min: variadic((values) => (values.length === 0 ? null : Math.min(...(values as number[])))),
  '+': variadic((values) => values.reduce<number>((sum, v) => sum + num(v), 0)),
  '*': variadic((values) => (values.length === 0 ? null : values.map(num).reduce((a, b) => a * b))),
  '-': variadic(([a, b]) => (b === undefined ? -(a as number) : (a as number) - (b as number))),
  '/': binary((a, b) => (a as number) / (b as number)),
  '%': binary((a, b) => (a as number) % (b as number)),
  in: inOp,
  cat: variadic((values) => values.map(toText).join('')),
  substr: variadic(([source, start, end]) => {
    const text = toText(source);
    const from = Number(start) || 0;
    if (end === undefined) return text.substr(from);
    const length = Number(end);
    return length < 0 ? text.substr(from).slice(0, length) : text.substr(from, length);
  }),
  merge: variadic((values) => values.flatMap((v) => (Array.isArray(v) ? v : [v]))),
  map: arrayOp((items, each) => items.map(each)),
  filter: arrayOp((items, each) => items.filter((item) => truthy(each(item)))),
  all: arrayOp((items, each) => items.length > 0 && items.every((item) => truthy(each(item)))),
  none: arrayOp((items, each) => !items.some((item) => truthy(each(item)))),
  some: arrayOp((items, each) => items.some((item) => truthy(each(item)))),
  reduce: reduceOp,
  log: (args, scope, compile, rawArgs) => {
    // Rules must not write to the console of a server; `log` returns its argument unchanged.
    const [a = literal(undefined)] = compileArgs(args, scope, rawArgs, compile);
    return a;
  },
};
