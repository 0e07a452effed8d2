/** Counting and listing the flags a change set names, as the sync and the provider report them. */
import type { FlagSetChanges } from '@ensign/core';

/** A change set naming no flag (frozen: shared by every caller). @internal */
export const NO_CHANGES: FlagSetChanges = Object.freeze({
  added: [],
  removed: [],
  changed: [],
}) as FlagSetChanges;

/** Total number of flags named by a change set. */
export function changeCount(changes: FlagSetChanges): number {
  return changes.added.length + changes.removed.length + changes.changed.length;
}

/** Every flag key a change set names, in one list (OpenFeature's `flagsChanged`). */
export function flagsChanged(changes: FlagSetChanges): string[] {
  return [...changes.added, ...changes.removed, ...changes.changed];
}
