/**
 * Drift: a flag the file would change whose live state someone changed since it was last
 * declared. Declared state is written by whole-set writes (`ensign apply`, `ensign promote`, an
 * import or a seed); everything else (a kill, a restore, new weights, a revert, a patch from the
 * dashboard or a script) is a live edit. A killed flag is always drift: apply never silently
 * turns a kill switch back on that someone flipped during an incident.
 */
import type { FlagDefinition } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import type { LastChange, LiveFlag } from './types.js';

/** How `ensign apply` starts the reason of its writes (the audit log shows which plan). */
export const APPLY_REASON_PREFIX = 'ensign apply';
/** How `ensign promote` starts the reason of its writes. */
export const PROMOTE_REASON_PREFIX = 'ensign promote';

const isFlag = (flag: LiveFlag | null | undefined): flag is FlagDefinition =>
  typeof flag === 'object' && flag !== null;

/** Is a kill switch active on the flag (set by `ensign kill` / the admin API's kill)? */
export function isKilled(flag: LiveFlag | null | undefined): boolean {
  return isFlag(flag) && flag.metadata?.killedAt !== undefined;
}

/** The running rollout that owns the flag (its metadata's `rolloutPlan`), if any. */
export function rolloutOf(flag: LiveFlag | null | undefined): string | undefined {
  const plan = isFlag(flag) ? flag.metadata?.rolloutPlan : undefined;
  return plan === undefined || plan === '' ? undefined : String(plan);
}

/** Was this audit entry a live edit (rather than declared state)? */
export function isLiveEdit(entry: AuditEntry): boolean {
  if (entry.reason?.startsWith(APPLY_REASON_PREFIX) || entry.reason?.startsWith(PROMOTE_REASON_PREFIX)) {
    return false;
  }
  return entry.operation !== 'replace';
}

/** The facts of an audit entry a plan reports. */
export function lastChangeOf(entry: AuditEntry): LastChange {
  return {
    version: entry.version,
    operation: entry.operation,
    actor: entry.actor,
    at: entry.at,
    ...(entry.reason !== undefined && { reason: entry.reason }),
  };
}
