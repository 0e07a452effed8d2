/**
 * Flag-set documents as stores keep them: one JSON string per flag (a flag written by hand that
 * is not JSON stays the raw string it is, for the evaluator to isolate), set metadata and
 * `$evaluators` beside them.
 */
import type { FlagDefinition, FlagSetDocument, JsonValue, MetadataValue } from '@ensign/core';

/** A flag as stored: its definition, or the raw text of a flag that is not valid JSON. */
export type StoredFlag = FlagDefinition | string;

/** Serialises one flag for storage; a raw (unparseable) flag is written back unchanged. */
export function encodeFlag(flag: StoredFlag | unknown): string {
  return typeof flag === 'string' ? flag : JSON.stringify(flag);
}

/** The outcome of decoding one stored flag. */
export type DecodedFlag = { ok: true; flag: FlagDefinition } | { ok: false; raw: string; problem: string };

/** Parses one stored flag, keeping the raw text when it is not JSON. */
export function decodeFlag(text: string): DecodedFlag {
  try {
    return { ok: true, flag: JSON.parse(text) as FlagDefinition };
  } catch (error) {
    return { ok: false, raw: text, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Parses an optional JSON object field (set metadata, `$evaluators`); `undefined` when absent. */
export function decodeObject<T extends Record<string, JsonValue | MetadataValue>>(
  text: string | undefined,
): T | undefined {
  if (text === undefined || text === '') return undefined;
  return JSON.parse(text) as T;
}

/** A deep copy that shares nothing with its source, so callers cannot mutate stored state. */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** An empty set, as a set never written reads. */
export function emptyDocument(): FlagSetDocument {
  return { flags: {} };
}

/**
 * Refuses a flag-set id that would break the key layout: ids are Redis hash tags, so they may
 * not be empty nor contain braces.
 */
export function checkFlagSetId(flagSet: string): void {
  if (typeof flagSet !== 'string' || flagSet.length === 0 || /[{}]/.test(flagSet)) {
    throw new TypeError(
      `flag set id ${JSON.stringify(flagSet)} is invalid: it must be a non-empty string without "{" or "}" (it becomes a Redis hash tag)`,
    );
  }
}

/** Refuses an empty or non-string flag key before anything is read. */
export function checkFlagKey(flagKey: string): void {
  if (typeof flagKey !== 'string' || flagKey.length === 0) {
    throw new TypeError(`flag key ${JSON.stringify(flagKey)} is invalid: it must be a non-empty string`);
  }
}

/**
 * Sets an own property, even for keys like `__proto__` (a legal flag key, which plain assignment
 * would turn into a prototype change and lose).
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `target[key]` if it is an own property (so `__proto__` never reads the prototype). */
export function own<T>(target: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return target !== undefined && Object.hasOwn(target, key) ? target[key] : undefined;
}
