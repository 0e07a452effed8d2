/**
 * Logs kill-switch flips announced by `PROVIDER_CONFIGURATION_CHANGED`, each with its own audit
 * entry. An announcement names the set's version it brought the provider to; the entries behind
 * it are the flag's entries after the previous announced version, up to that one. Reading "the
 * newest entry" instead gave two flips a millisecond apart both the second flip's actor and
 * reason, because by the time the first announcement is handled the second write is already in
 * the log. Announcements are handled in arrival order, so lines come out in flip order.
 * (Internal to this package.)
 */
import type { FlagMetadata } from '@openfeature/core';
import { versionFrom } from '../events.js';
import { withTimeout } from '../internal/timers.js';
import type { StructuredLogger } from '../logger.js';
import { type AuditLog, type AuditRecord, definitionIsOff, flagIn, offVariantOf } from './audit-log.js';

/** `PROVIDER_CONFIGURATION_CHANGED` details, as far as the kill-switch hook reads them. */
export interface ConfigurationChangedDetails {
  readonly flagsChanged?: readonly string[];
  readonly providerName?: string;
  /** The Ensign provider puts `flagSetId` and the set's new `version` here. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** What the flip log needs from the hook. */
export interface FlipLogContext {
  readonly logger: StructuredLogger;
  readonly auditLog: AuditLog | undefined;
  readonly auditTimeoutMs: number;
  /** The set a flag belongs to, as far as the hook knows (from evaluations or its options). */
  flagSetOf(flagKey: string): string | undefined;
  /** Whether the hook tracks this flag as a kill switch already. */
  isTracked(flagKey: string): boolean;
  isKillSwitch(flagKey: string, flagMetadata: Readonly<FlagMetadata>): boolean;
}

/** Audit entries read per flag and announcement: more flips than this between two announcements are not all logged. */
const HISTORY_LIMIT = 20;
/** Flag sets whose last announced version is remembered. */
const MAX_SETS = 1_000;

/** @internal */
export class FlipLog {
  /** Flag set → the last version announced for it. */
  private readonly announced = new Map<string, number>();
  /** The tail of the announcements being handled, so they are handled one after the other. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly context: FlipLogContext) {}

  /**
   * Takes one announcement. The range of versions it covers is fixed now, on arrival (so two
   * announcements in a row never share entries); the lookups and lines run after the previous
   * announcement's. Rejects when the audit log fails or times out.
   */
  handle(details: ConfigurationChangedDetails): Promise<void> {
    const version = versionFrom(details.metadata?.version);
    const setOfEvent =
      typeof details.metadata?.flagSetId === 'string' ? details.metadata.flagSetId : undefined;
    const work: { flagKey: string; flagSet: string; after: number | undefined }[] = [];
    const ranges = new Map<string, number | undefined>();
    for (const flagKey of (details.flagsChanged ?? []).slice(0, 100)) {
      const flagSet = this.context.flagSetOf(flagKey) ?? setOfEvent;
      if (flagSet === undefined) continue;
      if (!ranges.has(flagSet)) ranges.set(flagSet, this.advance(flagSet, version));
      work.push({ flagKey, flagSet, after: ranges.get(flagSet) });
    }
    const run = this.tail.then(() =>
      Promise.all(work.map((w) => this.logFlag(w.flagKey, w.flagSet, version, w.after))),
    );
    this.tail = run.then(
      () => {},
      () => {},
    );
    return run.then(() => {});
  }

  /** Records `version` as the set's last announced one; returns the previous one when it is older. */
  private advance(flagSet: string, version: number | string | undefined): number | undefined {
    if (typeof version !== 'number') return undefined;
    const previous = this.announced.get(flagSet);
    if (this.announced.size >= MAX_SETS && previous === undefined) this.announced.clear();
    this.announced.set(flagSet, version);
    // A lower version means the store was reset: the entries before it tell nothing.
    return previous !== undefined && previous < version ? previous : undefined;
  }

  private async logFlag(
    flagKey: string,
    flagSet: string,
    version: number | string | undefined,
    after: number | undefined,
  ): Promise<void> {
    const { auditLog, auditTimeoutMs, logger } = this.context;
    if (auditLog === undefined) {
      if (this.context.isTracked(flagKey)) logger.info({ flagKey }, `kill switch "${flagKey}" changed`);
      return;
    }
    const entries = await withTimeout(
      auditLog.history(flagSet, { flagKey, limit: typeof version === 'number' ? HISTORY_LIMIT : 1 }),
      auditTimeoutMs,
      () => new Error(`audit log lookup for ${flagKey} exceeded auditTimeoutMs (${auditTimeoutMs} ms)`),
    );
    for (const entry of entriesBehind(entries, version, after)) this.logEntry(flagKey, flagSet, entry);
  }

  private logEntry(flagKey: string, flagSet: string, entry: AuditRecord): void {
    const after = flagIn(entry.after, flagKey);
    const before = flagIn(entry.before, flagKey);
    const metadata = (after?.metadata ?? before?.metadata ?? {}) as FlagMetadata;
    if (!this.context.isTracked(flagKey) && !this.context.isKillSwitch(flagKey, metadata)) return;
    const offVariant = offVariantOf(metadata);
    const wasOn = definitionIsOff(before, offVariant);
    const isOn = definitionIsOff(after, offVariant);
    if (wasOn === isOn) return;
    const fields: Record<string, unknown> = {
      flagKey,
      flagSetId: flagSet,
      version: entry.version,
      active: isOn,
      flippedBy: entry.actor,
      flippedAt: entry.at,
    };
    if (entry.reason !== undefined) fields.flipReason = entry.reason;
    const why = entry.reason ? `: ${entry.reason}` : '';
    this.context.logger.warn(
      fields,
      `kill switch "${flagKey}" turned ${isOn ? 'ON (feature off)' : 'OFF (feature back on)'} by ${entry.actor} at ${entry.at}${why}`,
    );
  }
}

/**
 * The entries (newest first in `entries`) an announcement of `version` stands for, oldest
 * first: those after `after` up to `version` when both are known; else the newest at or below
 * `version`; without a version, the newest.
 * @internal
 */
export function entriesBehind(
  entries: readonly AuditRecord[],
  version: number | string | undefined,
  after: number | undefined,
): AuditRecord[] {
  if (typeof version !== 'number') return entries.slice(0, 1);
  if (after !== undefined) {
    return entries.filter((e) => e.version > after && e.version <= version).reverse();
  }
  const newest = entries.find((e) => e.version <= version);
  return newest === undefined ? [] : [newest];
}
