/// <reference types="node" />
/**
 * Reading local flag overrides: the `FEATURE_FLAGS_OVERRIDE` variable, the JSON file named by
 * `FEATURE_FLAGS_OVERRIDE_FILE`, and reading one override as the type the code asks for. Every
 * error names the variable (or option) and the entry at fault, because the person reading it is a
 * developer who just typed that variable on a command line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FlagValue, FlagValueType } from '@openfeature/server-sdk';

/** The variable holding `enable-all` and/or `flag=value` entries. */
export const OVERRIDE_ENV = 'FEATURE_FLAGS_OVERRIDE';
/** The variable naming a JSON file of flag key → value. */
export const OVERRIDE_FILE_ENV = 'FEATURE_FLAGS_OVERRIDE_FILE';
/** The `FEATURE_FLAGS_OVERRIDE` entry that makes every boolean flag `true`. */
export const ENABLE_ALL = 'enable-all';

/** A configuration of overrides that cannot be used; the message names the variable and entry. */
export class FlagOverrideError extends Error {
  override readonly name = 'FlagOverrideError';
}

/**
 * One overridden flag. Values from the environment are text and are read as the type the code
 * asks for (`true` serves a boolean, and the string `"true"`); values from the file are typed JSON.
 */
export type FlagOverride =
  | { readonly kind: 'text'; readonly text: string; readonly source: string }
  | { readonly kind: 'value'; readonly value: FlagValue; readonly source: string };

/** Everything the override layer serves. */
export interface OverrideSet {
  /** Where `enable-all` came from (every boolean evaluation is `true`); absent when not asked for. */
  readonly enableAll?: { readonly source: string };
  /** Per-flag values; a `Map`, so that a flag named `__proto__` is a flag like any other. */
  readonly flags: ReadonlyMap<string, FlagOverride>;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const isObjectValue = (value: unknown): boolean => typeof value === 'object' && value !== null;

/**
 * The override read as `type`, or `undefined` when it cannot be that type (the real provider then
 * answers). Text reads as a boolean only when it is `true` or `false`, as a number only when it is
 * a JSON number, as an object only when it is a JSON object or array; any text is a string.
 */
export function overrideAs(override: FlagOverride, type: FlagValueType): FlagValue | undefined {
  if (override.kind === 'value') {
    const { value } = override;
    const actual = isObjectValue(value) ? 'object' : typeof value;
    return actual === type ? value : undefined;
  }
  const { text } = override;
  switch (type) {
    case 'string':
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'number':
      return JSON_NUMBER.test(text) ? Number(text) : undefined;
    case 'object': {
      if (!/^[[{]/.test(text)) return undefined;
      const value: unknown = JSON.parse(text); // checked when the variable was read
      return isObjectValue(value) ? (value as FlagValue) : undefined;
    }
  }
}

/**
 * Splits on commas outside double quotes and outside `{…}` / `[…]`, so that a JSON value may hold
 * commas: `theme={"color":"dark","size":2},layout=cards`.
 */
function splitEntries(text: string, variable: string): string[] {
  const entries: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === ',' && depth === 0) {
      entries.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const last = text.slice(start);
  if (quoted || depth !== 0) {
    throw new FlagOverrideError(
      `${variable}: entry "${last.trim()}" has an unclosed ${quoted ? 'quote' : 'bracket'}`,
    );
  }
  entries.push(last);
  return entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** One `key=value` entry's value: quoted → a JSON string, `{…}`/`[…]` → checked JSON, else text. */
function entryValue(raw: string, entry: string, source: string): FlagOverride {
  if (raw.startsWith('"')) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new FlagOverrideError(`${source}: entry "${entry}" has a quoted value that is not a JSON string`);
    }
    return { kind: 'value', value: value as string, source };
  }
  if (/^[[{]/.test(raw)) {
    try {
      JSON.parse(raw);
    } catch (error) {
      throw new FlagOverrideError(
        `${source}: entry "${entry}" is not valid JSON after "=": ${(error as Error).message}`,
      );
    }
  }
  return { kind: 'text', text: raw, source };
}

/**
 * Reads `FEATURE_FLAGS_OVERRIDE`: comma-separated entries, each `enable-all` or `flag-key=value`.
 * @throws {FlagOverrideError} naming the variable and the entry: an entry with no `=` other than
 * `enable-all`, no flag key, no value, a flag set twice, unbalanced quotes or brackets, bad JSON.
 */
export function parseOverrideVariable(text: string, variable = OVERRIDE_ENV): OverrideSet {
  const flags = new Map<string, FlagOverride>();
  let enableAll: OverrideSet['enableAll'];
  for (const entry of splitEntries(text, variable)) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      if (entry !== ENABLE_ALL) {
        throw new FlagOverrideError(
          `${variable}: entry "${entry}" has no value; write ${entry}=true (or ${ENABLE_ALL} to turn every boolean flag on)`,
        );
      }
      enableAll = { source: `${variable}=${ENABLE_ALL}` };
      continue;
    }
    const key = entry.slice(0, eq).trim();
    const raw = entry.slice(eq + 1).trim();
    if (key === '') throw new FlagOverrideError(`${variable}: entry "${entry}" has no flag key before "="`);
    if (raw === '') throw new FlagOverrideError(`${variable}: entry "${entry}" has no value after "="`);
    if (flags.has(key)) throw new FlagOverrideError(`${variable}: flag "${key}" is set twice`);
    flags.set(key, entryValue(raw, entry, variable));
  }
  return enableAll ? { enableAll, flags } : { flags };
}

/**
 * Reads a JSON file holding one object of flag key → value (boolean, string, number, object or
 * array). Relative paths resolve against `cwd`.
 * @param label how errors name where the path came from, e.g. `FEATURE_FLAGS_OVERRIDE_FILE`.
 * @throws {FlagOverrideError} naming `label`, the path and the bad entry.
 */
export function readOverrideFile(path: string, label: string, cwd: string): OverrideSet {
  const absolute = resolve(cwd, path);
  const where = `${label} (${absolute})`;
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new FlagOverrideError(`${where} cannot be read: ${code}`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new FlagOverrideError(`${where} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObjectValue(document) || Array.isArray(document)) {
    throw new FlagOverrideError(
      `${where} must hold one JSON object of flag key → value, e.g. {"new-checkout": true}`,
    );
  }
  const flags = new Map<string, FlagOverride>();
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    if (key.trim() === '') throw new FlagOverrideError(`${where}: an entry has an empty flag key`);
    if (value === null) {
      throw new FlagOverrideError(
        `${where}: entry "${key}" is null; a flag value is true, false, a number, a string, an object or an array`,
      );
    }
    flags.set(key, { kind: 'value', value: value as FlagValue, source: label });
  }
  return { flags };
}
