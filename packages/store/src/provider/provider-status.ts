/**
 * The provider's status for health checks and metrics: its sync's snapshot, its name, and the
 * kill switches in force in the flags it serves. Computed when asked (a scrape, a probe), from
 * the compiled set: nothing here runs on the evaluation path.
 */
import type { CompiledFlagSet } from '@ensign/core';
import { KILL_METADATA } from '../intents/kill.js';
import type { FlagSetSyncStatus } from '../sync/sync-status.js';

/**
 * Metadata `kind` values of a flag that is a kill switch by design (the same convention as
 * `@ensign/hooks`' `KillSwitchHook`, which this package does not import).
 */
export const KILL_SWITCH_KINDS: readonly string[] = ['kill-switch', 'ops'];

/** One kill switch in force: a killed flag, or a kill-switch flag that is `DISABLED`. */
export interface ActiveKillSwitch {
  readonly flagKey: string;
  /**
   * Since when, in ms since the epoch: the flag's `killedAt` (written by a kill), else the audit
   * time of the entry that changed it last as this process applied it, else when this process
   * first saw it active. Always defined.
   */
  readonly since: number;
  /** Where `since` came from. */
  readonly sinceFrom: 'killedAt' | 'audit' | 'observed';
  /** The flag's metadata `kind`, when it has one. */
  readonly kind: string | undefined;
}

/** {@link FlagSetSyncStatus} plus what only the provider knows. */
export interface ProviderStatus extends FlagSetSyncStatus {
  /** The provider's OpenFeature metadata name (`ensign-redis`, …). */
  readonly providerName: string;
  /** Kill switches in force in the served flags, by flag key. */
  readonly killSwitches: readonly ActiveKillSwitch[];
}

/** Finds the kill switches in force in `flags`; `firstSeen` remembers switches with no recorded time. */
export function activeKillSwitches(
  flags: CompiledFlagSet | undefined,
  changedAtOf: (flagKey: string) => string | undefined,
  firstSeen: Map<string, number>,
  now: number,
): ActiveKillSwitch[] {
  const out: ActiveKillSwitch[] = [];
  if (flags === undefined) return out;
  const seen = new Set<string>();
  for (const flagKey of flags.keys()) {
    const program = flags.get(flagKey)?.program;
    if (program === undefined) continue;
    const metadata = program.flagMetadata;
    const kind = typeof metadata.kind === 'string' ? metadata.kind : undefined;
    const killedAt = metadata[KILL_METADATA.at];
    const killedTime = typeof killedAt === 'string' ? Date.parse(killedAt) : Number.NaN;
    if (Number.isFinite(killedTime)) {
      out.push({ flagKey, since: killedTime, sinceFrom: 'killedAt', kind });
      continue;
    }
    if (program.state !== 'DISABLED' || kind === undefined || !KILL_SWITCH_KINDS.includes(kind)) continue;
    seen.add(flagKey);
    const audit = Date.parse(changedAtOf(flagKey) ?? '');
    if (Number.isFinite(audit)) {
      out.push({ flagKey, since: audit, sinceFrom: 'audit', kind });
      continue;
    }
    let first = firstSeen.get(flagKey);
    if (first === undefined) {
      first = now;
      firstSeen.set(flagKey, first);
    }
    out.push({ flagKey, since: first, sinceFrom: 'observed', kind });
  }
  // A switch turned back on is forgotten, so its next activation is timed afresh.
  for (const flagKey of firstSeen.keys()) if (!seen.has(flagKey)) firstSeen.delete(flagKey);
  return out;
}
