/**
 * Structural differences between two JSON values as a list of changes at JSON Pointers, the form
 * history, promotion plans and the CLI show: `/flags/new-checkout/targeting/fractional/0/1`
 * `25 → 50` reads better than two whole flags side by side.
 */
import { pointerSegment } from '@ensign/core';

/** One difference: what is at `path` before and after (RFC 6902's operation names). */
export interface JsonChange {
  /** `add`: absent before; `remove`: absent after; `replace`: both present, different. */
  readonly op: 'add' | 'remove' | 'replace';
  /** JSON Pointer of the value that changed. */
  readonly path: string;
  /** The value before (absent for `add`). */
  readonly before?: unknown;
  /** The value after (absent for `remove`). */
  readonly after?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values (own properties only, key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/**
 * The changes that turn `before` into `after`, at pointers under `base`. `undefined` means
 * absent. Objects are compared key by key and arrays of equal length item by item (so a changed
 * weight shows as one change); arrays of different lengths are replaced whole.
 * @example
 * jsonChanges({ state: 'ENABLED' }, { state: 'DISABLED' }, '/flags/a')
 * // → [{ op: 'replace', path: '/flags/a/state', before: 'ENABLED', after: 'DISABLED' }]
 */
export function jsonChanges(before: unknown, after: unknown, base = ''): JsonChange[] {
  const out: JsonChange[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (a === undefined && b === undefined) return;
    if (a === undefined) {
      out.push({ op: 'add', path, after: b });
      return;
    }
    if (b === undefined) {
      out.push({ op: 'remove', path, before: a });
      return;
    }
    if (jsonEqual(a, b)) return;
    if (isRecord(a) && isRecord(b)) {
      for (const key of Object.keys(a))
        walk(a[key], Object.hasOwn(b, key) ? b[key] : undefined, `${path}/${pointerSegment(key)}`);
      for (const key of Object.keys(b))
        if (!Object.hasOwn(a, key)) walk(undefined, b[key], `${path}/${pointerSegment(key)}`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      for (let i = 0; i < a.length; i++) walk(a[i], b[i], `${path}/${i}`);
      return;
    }
    out.push({ op: 'replace', path, before: a, after: b });
  };
  walk(before, after, base);
  return out;
}
