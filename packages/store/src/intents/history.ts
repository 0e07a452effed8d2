/**
 * History as people read it: each audit entry with its before, after and the changes between
 * them at JSON Pointers of the set's document; for one flag, whole-set writes (imports, reverts,
 * promotions) are narrowed to that flag.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { pointerSegment } from '@ensign/core';
import type { AuditEntry, FlagStore, WriteOperation } from '../flag-store.js';
import { type JsonChange, jsonChanges } from './diff.js';
import { flagIn } from './update-flag.js';

/** One write in the history, with what it changed. */
export interface HistoryChange {
  readonly version: number;
  readonly operation: WriteOperation;
  /** The flag written, or the flag the history was asked for. */
  readonly flagKey?: string;
  readonly actor: string;
  readonly reason?: string;
  /** ISO-8601 time of the write (the store's clock). */
  readonly at: string;
  /** The flag (or the set, for a whole-set entry of a set's history) before; `null` if absent. */
  readonly before: FlagDefinition | FlagSetDocument | null;
  /** The flag (or set) after; `null` when removed. */
  readonly after: FlagDefinition | FlagSetDocument | null;
  /** What changed, at JSON Pointers of the set's document (`/flags/<key>/state`). */
  readonly changes: JsonChange[];
}

/** An audit entry with its changes; narrowed to `flagKey` when given. */
export function describeEntry(entry: AuditEntry, flagKey?: string): HistoryChange {
  const base = {
    version: entry.version,
    operation: entry.operation,
    actor: entry.actor,
    ...(entry.reason !== undefined && { reason: entry.reason }),
    at: entry.at,
  };
  const wholeSet = entry.flagKey === undefined;
  const key = entry.flagKey ?? flagKey;
  if (key !== undefined && (!wholeSet || flagKey !== undefined)) {
    const before = flagIn(entry.before, key, wholeSet) ?? null;
    const after = flagIn(entry.after, key, wholeSet) ?? null;
    return {
      ...base,
      flagKey: key,
      before,
      after,
      changes: jsonChanges(before ?? undefined, after ?? undefined, `/flags/${pointerSegment(key)}`),
    };
  }
  return {
    ...base,
    before: entry.before,
    after: entry.after,
    changes: jsonChanges(entry.before ?? undefined, entry.after ?? undefined),
  };
}

/**
 * The history of a set, or of one flag in it, newest first, with changes.
 * @example
 * for (const change of await historyOf(store, 'fitness-production', { flagKey: 'new-checkout', limit: 10 }))
 *   console.log(change.version, change.actor, change.changes);
 */
export async function historyOf(
  store: FlagStore,
  flagSet: string,
  options: { flagKey?: string; limit?: number } = {},
): Promise<HistoryChange[]> {
  const entries = await store.history(flagSet, options);
  return entries.map((entry) => describeEntry(entry, options.flagKey));
}
