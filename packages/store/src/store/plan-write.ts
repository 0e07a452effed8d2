/**
 * What a write changes, worked out from a snapshot before anything is stored: the new document,
 * the fields to write and remove, the audit entry's before and after, and validation. Both stores
 * plan with this code, so they accept and refuse exactly the same writes.
 */
import {
  type FlagDefinition,
  type FlagSetDocument,
  FlagSetValidationError,
  type ValidationIssue,
  compileFlagSet,
  stableStringify,
  validateFlagSet,
} from '@ensign/core';
import { FlagStoreError, MissingFlagError } from '../errors.js';
import type { AuditEntry, FlagPatch, FlagSetSnapshot, WriteOperation } from '../flag-store.js';
import { type StoredFlag, clone, own, setOwn } from './document.js';

/** A write request, before it is checked against the stored state. */
export type WriteRequest =
  | { operation: 'put'; flagKey: string; flag: FlagDefinition }
  | { operation: 'delete'; flagKey: string }
  | { operation: 'patch'; flagKey: string; patch: FlagPatch }
  | { operation: 'replace'; document: FlagSetDocument }
  | { operation: 'revert'; document: FlagSetDocument };

/** A validated write, ready to commit at the snapshot's version. */
export interface WritePlan {
  readonly operation: WriteOperation;
  /** The one flag written; absent for whole-set writes. */
  readonly flagKey?: string;
  /** Whole-set write: every stored flag, the set metadata and `$evaluators` are replaced. */
  readonly replaceAll: boolean;
  /** Flags to store (all of them when `replaceAll`). */
  readonly put: Readonly<Record<string, StoredFlag>>;
  /** Flags to remove (never with `replaceAll`). */
  readonly remove: readonly string[];
  /** The set after the write. */
  readonly document: FlagSetDocument;
  readonly before: AuditEntry['before'];
  readonly after: AuditEntry['after'];
}

const hasOwn = Object.prototype.hasOwnProperty;

function issueId(issue: ValidationIssue): string {
  return `${issue.path}\u0000${issue.message}`;
}

/**
 * Refuses a change that brings in a problem the set did not have. Problems already stored (a
 * flag corrupted by hand) do not block writes to other flags; they stay isolated at read time.
 */
function refuseNewIssues(before: FlagSetDocument, after: FlagSetDocument): void {
  const afterIssues = validateFlagSet(after);
  if (afterIssues.length === 0) return;
  const known = new Set(validateFlagSet(before).map(issueId));
  const added = afterIssues.filter((issue) => !known.has(issueId(issue)));
  if (added.length > 0) throw new FlagSetValidationError(added);
}

function withFlags(document: FlagSetDocument, flags: FlagSetDocument['flags']): FlagSetDocument {
  const next: FlagSetDocument = { flags };
  if (document.$evaluators !== undefined) next.$evaluators = document.$evaluators;
  if (document.metadata !== undefined) next.metadata = document.metadata;
  return next;
}

/** The parts of a document a store keeps (no `$schema`), copied. */
export function storedDocument(document: FlagSetDocument): FlagSetDocument {
  const copy = clone(document);
  const next: FlagSetDocument = { flags: copy.flags };
  if (copy.$evaluators !== undefined) next.$evaluators = copy.$evaluators;
  if (copy.metadata !== undefined) next.metadata = copy.metadata;
  return next;
}

function applyPatch(flagSet: string, flagKey: string, current: unknown, patch: FlagPatch): FlagDefinition {
  if (typeof current !== 'object' || current === null || Array.isArray(current)) {
    throw new FlagStoreError(
      flagSet,
      `flag "${flagKey}" in flag set "${flagSet}" is not a flag object (edited by hand?), so it cannot be patched: replace it with putFlag`,
    );
  }
  const next = { ...(current as Record<string, unknown>) };
  for (const [field, value] of Object.entries(clone(patch) as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else setOwn(next, field, value);
  }
  return next as unknown as FlagDefinition;
}

/**
 * Plans a write against a snapshot.
 * @throws {FlagSetValidationError} when the result would be invalid.
 * @throws {MissingFlagError} when deleting or patching a flag the set does not hold.
 */
export function planWrite(snapshot: FlagSetSnapshot, request: WriteRequest): WritePlan {
  const current = snapshot.document;
  switch (request.operation) {
    case 'put':
    case 'patch':
    case 'delete': {
      const { flagKey } = request;
      const exists = hasOwn.call(current.flags, flagKey);
      const previous = exists ? (current.flags[flagKey] as FlagDefinition) : null;
      if (request.operation !== 'put' && !exists) throw new MissingFlagError(snapshot.flagSet, flagKey);
      const flags = { ...current.flags };
      let next: FlagDefinition | null;
      if (request.operation === 'delete') {
        delete flags[flagKey];
        next = null;
      } else {
        next =
          request.operation === 'put'
            ? clone(request.flag)
            : applyPatch(snapshot.flagSet, flagKey, previous, request.patch);
        setOwn(flags, flagKey, next);
      }
      const document = withFlags(current, flags);
      refuseNewIssues(current, document);
      return {
        operation: request.operation,
        flagKey,
        replaceAll: false,
        put: next === null ? {} : { [flagKey]: next },
        remove: next === null ? [flagKey] : [],
        document,
        before: previous,
        after: next,
      };
    }
    case 'replace':
    case 'revert': {
      const document = storedDocument(request.document);
      // An import must be wholly valid; a revert restores what was stored, so it may bring back a
      // problem only if the set has it now (a hand-corrupted flag), never a new one.
      if (request.operation === 'replace') compileFlagSet(document, { invalidFlags: 'reject' });
      else refuseNewIssues(current, document);
      return {
        operation: request.operation,
        replaceAll: true,
        put: document.flags,
        remove: [],
        document,
        before: current,
        after: document,
      };
    }
  }
}

/** Does an audit entry change `flagKey`? Whole-set writes count when that flag differs. */
export function entryTouchesFlag(entry: AuditEntry, flagKey: string): boolean {
  if (entry.flagKey !== undefined) return entry.flagKey === flagKey;
  const before = own((entry.before as FlagSetDocument | null)?.flags, flagKey);
  const after = own((entry.after as FlagSetDocument | null)?.flags, flagKey);
  return stableStringify(before ?? null) !== stableStringify(after ?? null);
}
