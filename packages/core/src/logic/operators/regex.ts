/**
 * Extension: `{"regex": [text, pattern, flags?]}` is true when `pattern` matches anywhere in `text`.
 * Patterns use RE2 syntax and run on RE2's automaton (re2js), in time linear in the text: no
 * pattern can backtrack catastrophically. Flags: `i` (ignore case), `m` (multi-line), `s` (dot
 * matches newline). A non-string text or an invalid pattern gives `null`.
 */
import { RE2JS } from 're2js';
import { compileArgs, constantValue, literal } from '../nodes.js';
import type { OperatorCompiler } from '../types.js';

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

/** Longest pattern accepted; longer ones give `null`. */
const MAX_PATTERN_LENGTH = 4096;
/** Patterns computed at evaluation time are cached, up to this many. */
const DYNAMIC_CACHE_SIZE = 64;
const dynamicCache = new Map<string, RE2JS | null>();

/** Compiles a pattern, or `null` when it is invalid. */
export function compilePattern(pattern: unknown, flags: unknown): RE2JS | null {
  if (typeof pattern !== 'string' || pattern.length > MAX_PATTERN_LENGTH) return null;
  let bits = 0;
  if (flags !== undefined && flags !== null) {
    if (typeof flags !== 'string') return null;
    for (const flag of flags) {
      const bit = FLAG_BITS[flag];
      if (bit === undefined) return null;
      bits |= bit;
    }
  }
  try {
    return RE2JS.compile(pattern, bits);
  } catch {
    return null;
  }
}

function cachedPattern(pattern: unknown, flags: unknown): RE2JS | null {
  if (typeof pattern !== 'string' || (typeof flags !== 'string' && flags !== undefined && flags !== null))
    return null;
  // Length-prefixed, so no flags/pattern pair can pass for another.
  const flagText = flags ?? '';
  const key = `${flagText.length}:${flagText}${pattern}`;
  let re = dynamicCache.get(key);
  if (re === undefined) {
    re = compilePattern(pattern, flags);
    if (dynamicCache.size >= DYNAMIC_CACHE_SIZE) dynamicCache.delete(dynamicCache.keys().next().value!);
    dynamicCache.set(key, re);
  }
  return re;
}

export const regexOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  if (!Array.isArray(rawArgs) || args.length < 2 || args.length > 3) return literal(null);
  const [text, pattern, flags = literal(undefined)] = compileArgs(args, scope, rawArgs, compile) as [
    ReturnType<typeof literal>,
    ReturnType<typeof literal>,
    ReturnType<typeof literal> | undefined,
  ];
  const patternConst = constantValue(pattern);
  const flagsConst = constantValue(flags);
  if (patternConst && flagsConst) {
    const re = compilePattern(patternConst.value, flagsConst.value);
    if (!re) return literal(null);
    return (data, root) => {
      const value = text(data, root);
      return typeof value === 'string' ? re.test(value) : null;
    };
  }
  return (data, root) => {
    const value = text(data, root);
    const re = cachedPattern(pattern(data, root), flags(data, root));
    return typeof value === 'string' && re ? re.test(value) : null;
  };
};
