/// <reference types="node" />
/**
 * Flag-set documents as stores keep them: one JSON string per flag (a flag written by hand that
 * is not JSON stays the raw string it is, for the evaluator to isolate), set metadata and
 * `$evaluators` beside them.
 */
import { createHash } from 'node:crypto';
import {
  type FlagDefinition,
  type FlagSetDocument,
  type JsonValue,
  type MetadataValue,
  shapeExceeds,
  stableStringify,
} from '@ensign/core';

/**
 * Deepest JSON nesting a stored flag may have. The deepest valid flag is far shallower (rules
 * nest at most 64 operators, variant values 32 levels), so this refuses nothing valid; what it
 * keeps out is a value so deep that serialising it again (`JSON.stringify` recurses) would throw.
 */
export const MAX_FLAG_JSON_DEPTH = 256;

/** Bound on the number of values walked when checking a flag's depth (the check stays linear). */
const MAX_WALK = Number.MAX_SAFE_INTEGER;

/** A flag as stored: its definition, or the raw text of a flag that is not valid JSON. */
export type StoredFlag = FlagDefinition | string;

/** The ETag of a flag that does not exist (`ifMatch` for "create only"). */
export const ABSENT_FLAG_ETAG = '"absent"';

/**
 * The ETag of one stored flag: a digest of its canonical JSON (keys sorted), so every store and
 * every server instance computes the same one for the same definition. Quoted, as HTTP ETags are.
 */
export function flagEtag(flag: StoredFlag | null | undefined): string {
  if (flag === null || flag === undefined) return ABSENT_FLAG_ETAG;
  const text = typeof flag === 'string' ? `raw:${flag}` : stableStringify(flag);
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
}

/** Serialises one flag for storage; a raw (unparseable) flag is written back unchanged. */
export function encodeFlag(flag: StoredFlag | unknown): string {
  return typeof flag === 'string' ? flag : JSON.stringify(flag);
}

/** The outcome of decoding one stored flag. */
export type DecodedFlag = { ok: true; flag: FlagDefinition } | { ok: false; raw: string; problem: string };

/** Is `value` nested deeper than any stored flag (or document holding flags) may be? */
export function tooDeep(value: unknown, extraLevels = 0): boolean {
  return shapeExceeds(value, MAX_FLAG_JSON_DEPTH + extraLevels, MAX_WALK) === 'depth';
}

/**
 * Parses one stored flag, keeping the raw text when it is not JSON or is nested deeper than
 * {@link MAX_FLAG_JSON_DEPTH}: such a flag breaks only itself (the evaluator isolates the raw
 * text as `PARSE_ERROR`) instead of every later step that serialises it.
 */
export function decodeFlag(text: string): DecodedFlag {
  let flag: unknown;
  try {
    flag = JSON.parse(text);
  } catch (error) {
    return { ok: false, raw: text, problem: error instanceof Error ? error.message : String(error) };
  }
  if (tooDeep(flag)) {
    return { ok: false, raw: text, problem: `it is nested deeper than ${MAX_FLAG_JSON_DEPTH} levels` };
  }
  return { ok: true, flag: flag as FlagDefinition };
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
  if (typeof flagSet !== 'string' || flagSet.length === 0 || /[{}]/.test(flagSet) || !isWellFormed(flagSet)) {
    throw new TypeError(
      `flag set id ${JSON.stringify(flagSet)} is invalid: it must be a non-empty string of well-formed Unicode without "{" or "}" (it becomes a Redis hash tag)`,
    );
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Is `text` well-formed Unicode (no lone surrogate), so that it survives UTF-8? */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Refuses an empty or non-string flag key, or one that is not well-formed Unicode (a lone
 * surrogate cannot be stored as UTF-8: one store would mangle it, another refuse it), before
 * anything is read.
 */
export function checkFlagKey(flagKey: string): void {
  if (typeof flagKey !== 'string' || flagKey.length === 0 || !isWellFormed(flagKey)) {
    throw new TypeError(
      `flag key ${JSON.stringify(flagKey)} is invalid: it must be a non-empty string of well-formed Unicode`,
    );
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
