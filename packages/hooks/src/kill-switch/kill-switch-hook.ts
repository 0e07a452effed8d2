/**
 * Kill-switch logging: when a flag marked as a kill switch serves its "off" outcome, log it (once
 * per interval per flag, not per evaluation) with who flipped it and when, looked up from the
 * audit log in the background; log the flip itself on `PROVIDER_CONFIGURATION_CHANGED`; warn
 * when a kill switch stays on longer than a threshold. Works with server and web clients.
 */
import type { EvaluationDetails, FlagMetadata, FlagValue, HookContext } from '@openfeature/core';
import { versionFrom } from '../events.js';
import { BoundedLru } from '../internal/lru.js';
import { unrefTimeout, withTimeout } from '../internal/timers.js';
import {
  type ConsoleStyleLogger,
  type LoggerStyle,
  type StructuredLogger,
  toStructuredLogger,
} from '../logger.js';
import { type AuditLog, definitionIsOff, flagIn, markedKilled, offVariantOf } from './audit-log.js';
import { type ConfigurationChangedDetails, FlipLog } from './flip-log.js';

export type { ConfigurationChangedDetails } from './flip-log.js';

/** Flag-metadata `kind` values that mark a kill switch, unless `kinds` says otherwise. */
export const KILL_SWITCH_KINDS: readonly string[] = ['kill-switch', 'ops'];

/** Options of {@link KillSwitchHook}. */
export interface KillSwitchHookOptions {
  /** Where the hook logs (console or pino style). @default console */
  logger?: ConsoleStyleLogger;
  /** Argument order of `logger`. @default 'auto' */
  loggerStyle?: LoggerStyle;
  /** Who flipped a switch and when is read from here (e.g. a `RedisFlagStore`). */
  auditLog?: AuditLog;
  /** The flag set to query when flag metadata carries no `flagSetId`. */
  flagSet?: string;
  /** Metadata `kind` values that mark a kill switch. @default ['kill-switch', 'ops'] */
  kinds?: readonly string[];
  /** Decides what is a kill switch instead of `kinds`. */
  isKillSwitch?: (flagKey: string, flagMetadata: Readonly<FlagMetadata>) => boolean;
  /** At most one "active" log line per flag per this many milliseconds. @default 60000 */
  intervalMs?: number;
  /** Warn once when a switch has been on longer than this. @default 3600000 (1 hour) */
  activeWarningAfterMs?: number;
  /** Audit-log lookups that take longer are abandoned (the line is logged without who/when). @default 2000 */
  auditTimeoutMs?: number;
  /** Most flags tracked (LRU). @default 1000 */
  maxFlags?: number;
  /** Clock seam for tests. @default Date.now */
  now?: () => number;
}

/** Who turned a kill switch on, and when. */
export interface KillSwitchFlip {
  readonly actor: string;
  /** ISO-8601. */
  readonly at: string;
  readonly version: number;
  readonly reason?: string;
}

/**
 * Anything with OpenFeature's `addHandler`/`removeHandler`: a client, the API, a provider's
 * `events`. `E` is the SDK's `ProviderEvents` enum, inferred from the target.
 */
export interface ProviderEventTarget<E = string> {
  addHandler(eventType: E, handler: (details?: ConfigurationChangedDetails) => void): void;
  removeHandler(eventType: E, handler: (details?: ConfigurationChangedDetails) => void): void;
}

interface FlagState {
  active: boolean;
  activeSince: number;
  lastLoggedAt: number;
  warnedLongActive: boolean;
  flagSetId: string | undefined;
  /** The flag set's version the switch was last seen active at (flag metadata `version`). */
  version: number | string | undefined;
  offVariant: string | undefined;
  /** `undefined`: not looked up; `null`: looked up, nothing found. */
  flip: KillSwitchFlip | null | undefined;
  lookup: Promise<void> | undefined;
}

function stringMeta(metadata: Readonly<FlagMetadata>, key: string): string | undefined {
  const value = metadata[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * Logs active kill switches. A flag is a kill switch when its metadata `kind` is `'kill-switch'`
 * or `'ops'`; it is active when the evaluation's reason is `DISABLED`, or its variant is the one
 * named by metadata `killSwitchOffVariant`.
 * @example
 * const killSwitches = new KillSwitchHook({ logger: pino(), auditLog: store });
 * OpenFeature.addHooks(killSwitches);
 * killSwitches.attach(OpenFeature.getClient());
 */
export class KillSwitchHook {
  readonly name = 'ensign-kill-switch';
  private readonly logger: StructuredLogger;
  private readonly states: BoundedLru<string, FlagState>;
  private readonly isKillSwitch: (flagKey: string, flagMetadata: Readonly<FlagMetadata>) => boolean;
  private readonly intervalMs: number;
  private readonly activeWarningAfterMs: number;
  private readonly auditTimeoutMs: number;
  private readonly now: () => number;
  private readonly pending = new Set<Promise<void>>();
  private readonly flips: FlipLog;
  private internalErrors = 0;

  constructor(private readonly options: KillSwitchHookOptions = {}) {
    this.logger = toStructuredLogger(options.logger, options.loggerStyle);
    this.states = new BoundedLru(options.maxFlags ?? 1_000);
    const kinds = new Set(options.kinds ?? KILL_SWITCH_KINDS);
    this.isKillSwitch = options.isKillSwitch ?? ((_key, metadata) => kinds.has(metadata.kind as string));
    this.intervalMs = options.intervalMs ?? 60_000;
    this.activeWarningAfterMs = options.activeWarningAfterMs ?? 3_600_000;
    this.auditTimeoutMs = options.auditTimeoutMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.flips = new FlipLog({
      logger: this.logger,
      auditLog: options.auditLog,
      auditTimeoutMs: this.auditTimeoutMs,
      flagSetOf: (flagKey) => this.states.peek(flagKey)?.flagSetId ?? options.flagSet,
      isTracked: (flagKey) => this.states.peek(flagKey) !== undefined,
      isKillSwitch: this.isKillSwitch,
    });
  }

  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    try {
      const metadata = details.flagMetadata ?? {};
      const flagKey = details.flagKey ?? hookContext.flagKey;
      if (!this.isKillSwitch(flagKey, metadata)) return;
      const offVariant = offVariantOf(metadata);
      const active =
        details.reason === 'DISABLED' ||
        markedKilled(metadata) ||
        (offVariant !== undefined && details.variant === offVariant);
      let state = this.states.get(flagKey);
      if (!active) {
        if (state !== undefined) state.active = false;
        return;
      }
      const now = this.now();
      const version = versionFrom(metadata.version);
      if (state === undefined || !state.active) {
        const previous = state;
        state = {
          active: true,
          activeSince: now,
          lastLoggedAt: previous?.lastLoggedAt ?? Number.NEGATIVE_INFINITY,
          warnedLongActive: false,
          flagSetId: stringMeta(metadata, 'flagSetId') ?? this.options.flagSet,
          version,
          offVariant,
          flip: previous !== undefined && previous.version === version ? previous.flip : undefined,
          lookup: undefined,
        };
        this.states.set(flagKey, state);
      } else if (state.version !== version) {
        state.version = version;
        state.flip = undefined;
      }
      if (now - state.lastLoggedAt >= this.intervalMs) {
        state.lastLoggedAt = now;
        this.reportActive(flagKey, state, details.reason, details.variant);
      }
      this.checkLongActive(flagKey, state, now, true);
    } catch {
      this.internalErrors++;
    }
  }

  /**
   * Logs kill-switch flips announced by the provider. Returns a function that detaches.
   * @example const detach = killSwitches.attach(OpenFeature.getClient());
   */
  attach<E>(target: ProviderEventTarget<E>): () => void {
    const handler = (details?: ConfigurationChangedDetails) => {
      void this.onConfigurationChanged(details ?? {});
    };
    // ProviderEvents.ConfigurationChanged's value, named without importing either SDK at run time.
    const eventType = 'PROVIDER_CONFIGURATION_CHANGED' as E;
    target.addHandler(eventType, handler);
    return () => target.removeHandler(eventType, handler);
  }

  /**
   * Handles one configuration change: forgets what it knew about the changed flags (so the next
   * active evaluation logs at once) and, with an audit log, logs every kill switch flipped on or off.
   * Never rejects.
   */
  async onConfigurationChanged(details: ConfigurationChangedDetails): Promise<void> {
    let task: Promise<void>;
    try {
      for (const flagKey of (details.flagsChanged ?? []).slice(0, 100)) {
        const state = this.states.peek(flagKey);
        if (state === undefined) continue;
        state.lastLoggedAt = Number.NEGATIVE_INFINITY;
        state.flip = undefined;
      }
      task = this.flips.handle(details).catch(() => {
        this.internalErrors++;
      });
    } catch {
      this.internalErrors++;
      return;
    }
    this.pending.add(task);
    try {
      await task;
    } finally {
      this.pending.delete(task);
    }
  }

  /** Runs `fn` from a timer: log lines are written off the evaluation path. */
  private defer(fn: () => void): void {
    const task = new Promise<void>((resolve) => {
      unrefTimeout(() => {
        try {
          fn();
        } catch {
          this.internalErrors++;
        }
        resolve();
      }, 0);
    });
    this.pending.add(task);
    void task.then(() => this.pending.delete(task));
  }

  /** Resolves when background work (audit-log lookups, deferred log lines) has settled (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Counters. */
  stats(): { trackedFlags: number; activeFlags: string[]; internalErrors: number } {
    const activeFlags: string[] = [];
    for (const key of this.states.keys()) if (this.states.peek(key)?.active) activeFlags.push(key);
    return { trackedFlags: this.states.size, activeFlags, internalErrors: this.internalErrors };
  }

  private reportActive(
    flagKey: string,
    state: FlagState,
    reason: string | undefined,
    variant: string | undefined,
  ): void {
    const auditLog = this.options.auditLog;
    if (state.flip !== undefined || auditLog === undefined || state.flagSetId === undefined) {
      this.defer(() => this.logActive(flagKey, state, reason, variant));
      return;
    }
    if (state.lookup !== undefined) return;
    const flagSetId = state.flagSetId;
    const lookup = withTimeout(
      this.findFlip(auditLog, flagSetId, flagKey, state.offVariant),
      this.auditTimeoutMs,
      () => new Error(`audit log lookup for ${flagKey} exceeded auditTimeoutMs (${this.auditTimeoutMs} ms)`),
    )
      .then(
        (flip) => {
          state.flip = flip;
        },
        (error: unknown) => {
          this.logger.debug({ flagKey, error: String(error) }, 'ensign kill switch: audit log lookup failed');
          state.flip = null;
        },
      )
      .then(() => {
        state.lookup = undefined;
        if (state.flip) {
          const flippedAt = Date.parse(state.flip.at);
          if (Number.isFinite(flippedAt) && flippedAt < state.activeSince) state.activeSince = flippedAt;
        }
        this.logActive(flagKey, state, reason, variant);
        this.checkLongActive(flagKey, state, this.now(), false);
      })
      .catch(() => {
        this.internalErrors++;
      });
    state.lookup = lookup;
    this.pending.add(lookup);
    void lookup.finally(() => this.pending.delete(lookup));
  }

  private logActive(
    flagKey: string,
    state: FlagState,
    reason: string | undefined,
    variant: string | undefined,
  ): void {
    const flip = state.flip ?? undefined;
    const fields: Record<string, unknown> = {
      flagKey,
      flagSetId: state.flagSetId,
      version: state.version,
      reason,
      variant,
    };
    if (flip !== undefined) {
      fields.flippedBy = flip.actor;
      fields.flippedAt = flip.at;
      if (flip.reason !== undefined) fields.flipReason = flip.reason;
    }
    const who = flip
      ? ` (turned on by ${flip.actor} at ${flip.at}${flip.reason ? `: ${flip.reason}` : ''})`
      : '';
    this.logger.warn(fields, `kill switch "${flagKey}" is active${who}`);
  }

  private checkLongActive(flagKey: string, state: FlagState, now: number, deferLog: boolean): void {
    if (state.warnedLongActive || !state.active) return;
    const activeForMs = now - state.activeSince;
    if (activeForMs < this.activeWarningAfterMs) return;
    state.warnedLongActive = true;
    const log = () =>
      this.logger.warn(
        { flagKey, flagSetId: state.flagSetId, activeForMs, thresholdMs: this.activeWarningAfterMs },
        `kill switch "${flagKey}" has been active for ${minutes(activeForMs)} (threshold ${minutes(this.activeWarningAfterMs)}): fix and turn it back off, or make the change permanent`,
      );
    if (deferLog) this.defer(log);
    else log();
  }

  /** The newest audit entry that turned the switch on; else the newest entry about the flag. */
  private async findFlip(
    auditLog: AuditLog,
    flagSet: string,
    flagKey: string,
    offVariant: string | undefined,
  ): Promise<KillSwitchFlip | null> {
    const entries = await auditLog.history(flagSet, { flagKey, limit: 20 });
    const entry =
      entries.find(
        (e) =>
          definitionIsOff(flagIn(e.after, flagKey), offVariant) &&
          !definitionIsOff(flagIn(e.before, flagKey), offVariant),
      ) ?? entries[0];
    if (entry === undefined) return null;
    const flip: { -readonly [K in keyof KillSwitchFlip]: KillSwitchFlip[K] } = {
      actor: entry.actor,
      at: entry.at,
      version: entry.version,
    };
    if (entry.reason !== undefined) flip.reason = entry.reason;
    return flip;
  }
}
