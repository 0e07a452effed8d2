/**
 * What "kill" means, once for the API, the CLI, the dashboard and the alerts: every evaluation of
 * the flag returns a known safe value. When the flag declares an off variant in its metadata
 * (`offVariant`, or `killSwitchOffVariant` as the kill-switch hook names it), that variant is
 * served to everyone (state `ENABLED`, `defaultVariant` = the off variant, targeting removed);
 * otherwise the flag is `DISABLED` and every caller gets its code default. The kill is marked in
 * the flag's metadata (`killedAt`, `killedBy`, `killReason`, `killMode`) so it shows everywhere,
 * and `restore` puts back, from the audit log, exactly the definition the kill replaced.
 */
import type { FlagDefinition, MetadataValue } from '@ensign/core';
import { FlagConflictError, HistoryUnavailableError } from '../errors.js';
import type { FlagStore } from '../flag-store.js';
import { flagEtag, own } from '../store/document.js';
import { IntentError } from './errors.js';
import { type FlagIntentResult, type IntentOptions, flagIn, updateFlag } from './update-flag.js';

/** `off-variant`: the declared off variant is served to everyone; `disabled`: the flag is `DISABLED`. */
export type KillMode = 'off-variant' | 'disabled';

/** Metadata keys a kill writes on the flag. */
export const KILL_METADATA = {
  /** ISO-8601 time of the kill. */
  at: 'killedAt',
  /** The actor who killed it. */
  by: 'killedBy',
  /** The reason given, when one was. */
  reason: 'killReason',
  /** The {@link KillMode} applied. */
  mode: 'killMode',
} as const;

/**
 * Metadata keys that declare a flag's off variant, in order of precedence: `offVariant`, and
 * `killSwitchOffVariant` (the key `KillSwitchHook` reads) as an alias.
 */
export const OFF_VARIANT_METADATA = ['offVariant', 'killSwitchOffVariant'] as const;

/** Whether a flag is killed, and how, as its metadata records it. */
export interface KillState {
  readonly killed: boolean;
  readonly mode?: KillMode;
  readonly at?: string;
  readonly by?: string;
  readonly reason?: string;
}

function text(metadata: Record<string, MetadataValue> | undefined, key: string): string | undefined {
  const value = metadata !== undefined && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The kill recorded on a flag (`killed: false` when it carries no `killedAt`). */
export function killStateOf(flag: FlagDefinition): KillState {
  const at = text(flag.metadata, KILL_METADATA.at);
  if (at === undefined) return { killed: false };
  const mode = text(flag.metadata, KILL_METADATA.mode);
  const by = text(flag.metadata, KILL_METADATA.by);
  const reason = text(flag.metadata, KILL_METADATA.reason);
  return {
    killed: true,
    at,
    ...((mode === 'off-variant' || mode === 'disabled') && { mode }),
    ...(by !== undefined && { by }),
    ...(reason !== undefined && { reason }),
  };
}

/**
 * The off variant a flag declares, if it names one of its variants. `declared` is the name found
 * in the metadata even when it names no variant (a kill then falls back to `DISABLED`).
 */
export function offVariantOf(flag: FlagDefinition): { variant?: string; declared?: string } {
  for (const key of OFF_VARIANT_METADATA) {
    const name = text(flag.metadata, key);
    if (name === undefined) continue;
    return Object.hasOwn(flag.variants ?? {}, name) ? { variant: name, declared: name } : { declared: name };
  }
  return {};
}

/** What a kill did (or found already done). */
export interface KillDetail {
  readonly mode: KillMode;
  /** The variant now served to everyone (`off-variant` mode). */
  readonly offVariant?: string;
  /** Why the mode is not what the metadata suggests (an off variant naming no variant). */
  readonly note?: string;
}

/**
 * The killed form of a flag (pure): the off variant for everyone, or `DISABLED`; marked in the
 * metadata.
 */
export function killedDefinition(
  flag: FlagDefinition,
  marks: { actor: string; reason?: string; at: Date },
): { flag: FlagDefinition; detail: KillDetail } {
  const off = offVariantOf(flag);
  const mode: KillMode = off.variant !== undefined ? 'off-variant' : 'disabled';
  const metadata: Record<string, MetadataValue> = {
    ...flag.metadata,
    [KILL_METADATA.at]: marks.at.toISOString(),
    [KILL_METADATA.by]: marks.actor,
    [KILL_METADATA.mode]: mode,
  };
  if (marks.reason !== undefined && marks.reason !== '') metadata[KILL_METADATA.reason] = marks.reason;
  else delete metadata[KILL_METADATA.reason];
  const note =
    off.declared !== undefined && off.variant === undefined
      ? `the metadata names off variant "${off.declared}", which the flag does not have: killed as DISABLED`
      : undefined;
  if (mode === 'off-variant') {
    const { targeting: _removed, ...rest } = flag;
    return {
      flag: { ...rest, state: 'ENABLED', defaultVariant: off.variant!, metadata },
      detail: { mode, offVariant: off.variant! },
    };
  }
  return { flag: { ...flag, state: 'DISABLED', metadata }, detail: { mode, ...(note && { note }) } };
}

/**
 * Kills a flag (see the module comment). Killing a killed flag writes nothing and reports the
 * kill in effect (`changed: false`).
 * @example
 * const { detail } = await killFlag(store, 'fitness-production', 'new-checkout', { actor: 'oncall', reason: 'INC-812' });
 * detail.mode; // 'off-variant' | 'disabled'
 */
export async function killFlag(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  options: IntentOptions & { now?: () => Date } = {},
): Promise<FlagIntentResult & { detail: KillDetail }> {
  return updateFlag(store, flagSet, flagKey, options, (flag) => {
    const state = killStateOf(flag);
    if (state.killed) {
      const off = offVariantOf(flag);
      const mode = state.mode ?? (flag.state === 'DISABLED' ? 'disabled' : 'off-variant');
      return {
        next: undefined,
        detail: {
          mode,
          ...(mode === 'off-variant' && off.variant !== undefined && { offVariant: off.variant }),
        },
      };
    }
    const killed = killedDefinition(flag, {
      actor: options.actor ?? 'unknown',
      ...(options.reason !== undefined && { reason: options.reason }),
      at: options.now?.() ?? new Date(),
    });
    return { next: killed.flag, detail: killed.detail };
  });
}

/** Where a restored definition came from: the write that killed the flag. */
export interface RestoreDetail {
  /** The version the kill wrote. */
  readonly killVersion: number;
  readonly killedAt: string;
  readonly killedBy: string;
}

/**
 * Restores a killed flag to exactly the definition the write that killed it replaced (a kill, or
 * an import or promotion that brought the kill marker), found in the audit log. Refused, with
 * nothing written, when the flag is not killed (`not-killed`), was changed after the kill
 * (`changed-since-kill`: restoring would discard that change), was created killed
 * (`kill-not-restorable`), or when the log no longer holds that write (`HistoryUnavailableError`).
 */
export async function restoreFlag(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
  options: IntentOptions = {},
): Promise<FlagIntentResult & { detail: RestoreDetail }> {
  return updateFlag(store, flagSet, flagKey, options, async (flag, snapshot) => {
    if (!killStateOf(flag).killed) {
      throw new IntentError(
        flagSet,
        'not-killed',
        flagKey,
        `flag "${flagKey}" in flag set "${flagSet}" is not killed (its metadata has no ${KILL_METADATA.at}): nothing to restore`,
      );
    }
    // The newest write that touched the flag is the one that made it what it is now.
    const [entry] = await store.history(flagSet, { flagKey, limit: 1 });
    if (entry !== undefined && entry.version > snapshot.version) {
      // Written after the snapshot: the flag is no longer what was read (retried, or 412).
      const now = await store.load(flagSet);
      throw new FlagConflictError(
        flagSet,
        flagKey,
        flagEtag(flag),
        flagEtag(own(now.document.flags, flagKey)),
      );
    }
    const wholeSet = entry?.flagKey === undefined;
    const after = entry && flagIn(entry.after, flagKey, wholeSet);
    if (entry === undefined || after === undefined || flagEtag(after) !== flagEtag(flag)) {
      throw new HistoryUnavailableError(
        flagSet,
        snapshot.version,
        `cannot restore flag "${flagKey}" in flag set "${flagSet}": the audit log no longer holds the write that killed it (it was trimmed; raise maxLogLength to keep more history), so its definition before the kill is unknown`,
      );
    }
    const before = flagIn(entry.before, flagKey, wholeSet);
    if (before === undefined) {
      throw new IntentError(
        flagSet,
        'kill-not-restorable',
        flagKey,
        `flag "${flagKey}" in flag set "${flagSet}" was created already killed (version ${entry.version}, ${entry.operation} by ${entry.actor}): there is no earlier definition to restore; edit the flag instead`,
      );
    }
    if (killStateOf(before).killed) {
      throw new IntentError(
        flagSet,
        'changed-since-kill',
        flagKey,
        `flag "${flagKey}" in flag set "${flagSet}" was changed after it was killed (version ${entry.version}, ${entry.operation} by ${entry.actor}): restoring would discard that change; edit the flag, or revert it to a version from before the kill`,
      );
    }
    const state = killStateOf(flag);
    return {
      next: before,
      detail: { killVersion: entry.version, killedAt: state.at!, killedBy: state.by ?? entry.actor },
    };
  });
}
