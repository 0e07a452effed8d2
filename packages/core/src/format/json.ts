/** Small JSON helpers that stay safe on hostile input (deep nesting, `__proto__` keys). */
import type { JsonValue } from '../types.js';

/** Is `value` a plain JSON object (not null, not an array)? */
export function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nesting depth of a JSON value, computed without recursion; stops counting past `limit`. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * The first bound a JSON value breaks, found without recursion and in time bounded by the limits,
 * not by the value: objects nested `maxDepth` deep (`'depth'`) or more than `maxValues` values in
 * all (`'size'`).
 */
export function shapeExceeds(
  value: unknown,
  maxDepth: number,
  maxValues: number,
): 'depth' | 'size' | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  let count = 1;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return 'depth';
    const children = Array.isArray(node) ? node : Object.values(node);
    count += children.length;
    if (count > maxValues) return 'size';
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** JSON with object keys sorted, so equal values give equal strings (for change detection). */
export function stableStringify(value: unknown): string {
  // Appends to one string instead of building arrays per level: this runs once per flag compiled.
  let out = '';
  const write = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) {
      out += JSON.stringify(node) ?? 'null';
    } else if (Array.isArray(node)) {
      out += '[';
      for (let i = 0; i < node.length; i++) {
        if (i > 0) out += ',';
        write(node[i]);
      }
      out += ']';
    } else {
      const keys = Object.keys(node);
      if (keys.length > 1) keys.sort();
      out += '{';
      for (let i = 0; i < keys.length; i++) {
        if (i > 0) out += ',';
        out += JSON.stringify(keys[i]);
        out += ':';
        write((node as Record<string, unknown>)[keys[i]!]);
      }
      out += '}';
    }
  };
  write(value);
  return out;
}

/**
 * Freezes a JSON value and everything in it, so results handed to callers cannot be mutated.
 * Iterative, so a hostile, deeply nested value cannot overflow the stack.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || Object.isFrozen(node)) continue;
    Object.freeze(node);
    for (const child of Object.values(node)) stack.push(child);
  }
  return value;
}

/** A short description of any value for an error message (never serializes a whole structure). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
