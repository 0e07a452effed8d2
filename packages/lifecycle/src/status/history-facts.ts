/**
 * When each flag was created and last changed, from the set's audit log: single-flag writes name
 * their flag; whole-set writes (imports, reverts, promotions) are compared flag by flag. The log
 * is trimmed (`maxLogLength`), so what it does not reach is reported as a lower bound: a flag
 * the log never mentions has existed, unchanged, at least since its oldest entry.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { type AuditEntry, jsonEqual, own } from '@ensign/store';

/** What the log says about one flag. */
export interface FlagChangeTimes {
  /** The newest write that created it (ms), when the log reaches it. */
  readonly createdAt?: number;
  /** The newest write that changed it (ms), when the log reaches one. */
  readonly lastChangedAt?: number;
}

/** What the log says about every flag it mentions. */
export interface ChangeFacts {
  readonly flags: ReadonlyMap<string, FlagChangeTimes>;
  /** The time of the oldest entry read (ms): the log says nothing before it. */
  readonly historyStart?: number;
}

const flagsOf = (value: AuditEntry['before']): Record<string, FlagDefinition> =>
  value !== null && typeof value === 'object' && 'flags' in value ? (value as FlagSetDocument).flags : {};

/**
 * Creation and last-change times of each flag from audit entries, newest first (as
 * `FlagStore.history` returns them).
 */
export function changeFactsOf(entries: readonly AuditEntry[]): ChangeFacts {
  const created = new Map<string, number>();
  const changed = new Map<string, number>();
  const note = (key: string, at: number, creation: boolean) => {
    if (!changed.has(key)) changed.set(key, at);
    if (creation && !created.has(key)) created.set(key, at);
  };
  let historyStart: number | undefined;
  for (const entry of entries) {
    const at = Date.parse(entry.at);
    if (Number.isNaN(at)) continue;
    historyStart = historyStart === undefined ? at : Math.min(historyStart, at);
    if (entry.flagKey !== undefined) {
      note(entry.flagKey, at, entry.before === null && entry.after !== null);
      continue;
    }
    const before = flagsOf(entry.before);
    const after = flagsOf(entry.after);
    for (const key of Object.keys(after)) {
      // Known both ways already: nothing older can change what the report says.
      if (changed.has(key) && created.has(key)) continue;
      const previous = own(before, key);
      if (previous === undefined) note(key, at, true);
      else if (!changed.has(key) && !jsonEqual(previous, own(after, key))) note(key, at, false);
    }
    for (const key of Object.keys(before)) if (own(after, key) === undefined) note(key, at, false);
  }
  const flags = new Map<string, FlagChangeTimes>();
  for (const key of new Set([...created.keys(), ...changed.keys()])) {
    const createdAt = created.get(key);
    const lastChangedAt = changed.get(key);
    flags.set(key, {
      ...(createdAt !== undefined && { createdAt }),
      ...(lastChangedAt !== undefined && { lastChangedAt }),
    });
  }
  return { flags, ...(historyStart !== undefined && { historyStart }) };
}
