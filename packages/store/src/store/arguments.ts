/**
 * Checking what callers pass to a store's write methods before anything is read or written, so
 * that both stores refuse the same inputs with errors that name the argument: a patch that is not
 * an object, a non-string actor, a version that is not an integer, a value too deep to serialise.
 */
import {
  type FlagDefinition,
  type FlagSetDocument,
  FlagSetValidationError,
  type ValidationIssue,
  pointerSegment,
} from '@ensign/core';
import { InvalidArgumentError } from '../errors.js';
import type { FlagPatch, WriteOptions } from '../flag-store.js';
import { MAX_FLAG_JSON_DEPTH, isWellFormed, tooDeep } from './document.js';

/** Longest `actor` a write may name. */
export const MAX_ACTOR_LENGTH = 256;
/** Longest `reason` a write may give. */
export const MAX_REASON_LENGTH = 4096;

const OPTION_FIELDS: ReadonlySet<string> = new Set(['expectedVersion', 'ifMatch', 'actor', 'reason']);
const PATCH_FIELDS: ReadonlySet<string> = new Set([
  'state',
  'variants',
  'defaultVariant',
  'targeting',
  'metadata',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function checkText(method: string, argument: string, value: unknown, max: number, allowEmpty: boolean): void {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(method, argument, `must be a string, got ${describe(value)}`);
  }
  if (!allowEmpty && value.length === 0)
    throw new InvalidArgumentError(method, argument, 'must not be empty');
  if (value.length > max) {
    throw new InvalidArgumentError(
      method,
      argument,
      `must be at most ${max} characters, got ${value.length}`,
    );
  }
  if (!isWellFormed(value)) {
    throw new InvalidArgumentError(
      method,
      argument,
      'must be well-formed Unicode (it holds a lone surrogate)',
    );
  }
}

/** A version argument: a non-negative safe integer. */
export function checkVersionArgument(method: string, argument: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      method,
      argument,
      `must be a non-negative integer, got ${describe(value)}`,
    );
  }
}

/** The write options: known fields only (a typo must not silently drop compare-and-set). */
export function checkWriteOptions(method: string, options: unknown): WriteOptions {
  if (options === undefined) return {};
  if (!isObject(options)) {
    throw new InvalidArgumentError(method, 'options', `must be an object, got ${describe(options)}`);
  }
  for (const field of Object.keys(options)) {
    if (!OPTION_FIELDS.has(field)) {
      throw new InvalidArgumentError(
        method,
        `options.${field}`,
        'is not a write option (expectedVersion, ifMatch, actor, reason)',
      );
    }
  }
  const { expectedVersion, ifMatch, actor, reason } = options as WriteOptions;
  if (expectedVersion !== undefined) checkVersionArgument(method, 'options.expectedVersion', expectedVersion);
  if (ifMatch !== undefined) checkText(method, 'options.ifMatch', ifMatch, 128, false);
  if (actor !== undefined) checkText(method, 'options.actor', actor, MAX_ACTOR_LENGTH, false);
  if (reason !== undefined) checkText(method, 'options.reason', reason, MAX_REASON_LENGTH, true);
  return options as WriteOptions;
}

function depthIssue(path: string, flagKey?: string): FlagSetValidationError {
  const issue: ValidationIssue = {
    path,
    message: `nested deeper than ${MAX_FLAG_JSON_DEPTH} levels, far beyond any valid flag`,
  };
  if (flagKey !== undefined) issue.flagKey = flagKey;
  return new FlagSetValidationError([issue]);
}

/** A flag to put: an object no deeper than a stored flag may be. */
export function checkFlagArgument(method: string, flagKey: string, flag: unknown): FlagDefinition {
  if (!isObject(flag)) {
    throw new InvalidArgumentError(method, 'flag', `must be a flag object, got ${describe(flag)}`);
  }
  if (tooDeep(flag)) throw depthIssue(`/flags/${pointerSegment(flagKey)}`, flagKey);
  return flag as unknown as FlagDefinition;
}

/** A patch: an object of known flag fields with the right types, changing at least one. */
export function checkPatchArgument(method: string, flagKey: string, patch: unknown): FlagPatch {
  if (!isObject(patch)) {
    throw new InvalidArgumentError(
      method,
      'patch',
      `must be an object of flag fields, got ${describe(patch)}`,
    );
  }
  let fields = 0;
  for (const [field, value] of Object.entries(patch)) {
    if (!PATCH_FIELDS.has(field)) {
      throw new InvalidArgumentError(
        method,
        `patch.${field}`,
        'is not a flag field (state, variants, defaultVariant, targeting, metadata)',
      );
    }
    if (value === undefined) continue;
    fields++;
    const bad =
      field === 'state'
        ? value !== 'ENABLED' && value !== 'DISABLED'
        : field === 'variants'
          ? !isObject(value)
          : field === 'defaultVariant'
            ? value !== null && typeof value !== 'string'
            : field === 'metadata'
              ? value !== null && !isObject(value)
              : value !== null && typeof value !== 'object';
    if (bad) {
      const expected = {
        state: "'ENABLED' or 'DISABLED'",
        variants: 'an object of variants',
        defaultVariant: 'a variant name, or null to remove it',
        metadata: 'an object, or null to remove it',
        targeting: 'a JsonLogic rule object, or null to remove it',
      }[field as keyof FlagPatch];
      throw new InvalidArgumentError(method, `patch.${field}`, `must be ${expected}, got ${describe(value)}`);
    }
  }
  if (fields === 0)
    throw new InvalidArgumentError(method, 'patch', 'changes nothing: give at least one field');
  if (tooDeep(patch)) throw depthIssue(`/flags/${pointerSegment(flagKey)}`, flagKey);
  return patch as FlagPatch;
}

/** A whole document to import: an object with a `flags` object, no deeper than stored flags. */
export function checkDocumentArgument(method: string, document: unknown): FlagSetDocument {
  if (!isObject(document)) {
    throw new InvalidArgumentError(
      method,
      'document',
      `must be a flag-set document, got ${describe(document)}`,
    );
  }
  if (!isObject(document.flags)) {
    throw new InvalidArgumentError(
      method,
      'document.flags',
      `must be an object of flags, got ${describe(document.flags)}`,
    );
  }
  // Two levels more than a flag: the document and its `flags` object.
  if (tooDeep(document, 2)) {
    for (const [key, flag] of Object.entries(document.flags)) {
      if (tooDeep(flag)) throw depthIssue(`/flags/${pointerSegment(key)}`, key);
    }
    throw depthIssue('');
  }
  return document as unknown as FlagSetDocument;
}

/**
 * A store option that must be a positive integer, or its default when not given (for stores of
 * one's own, as `RedisFlagStore` and `FirestoreFlagStore` use it).
 * @throws {RangeError} naming the option.
 */
export function positiveIntegerOption(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < 1) {
    throw new RangeError(`option ${name} must be a positive integer, got ${String(value)}`);
  }
  return chosen;
}
