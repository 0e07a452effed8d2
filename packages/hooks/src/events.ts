/**
 * The records that flow from the hooks to the sinks: exposures (a subject saw a flag's variant)
 * and tracking events (a subject did something worth measuring, via OpenFeature `track()`).
 */
import type { EvaluationDetails, FlagValue, HookContext, JsonValue } from '@openfeature/core';
import { copyPrefix } from './event-bounds.js';

/** One subject exposed to one variant of one flag (deduplicated within a window). */
export interface ExposureEvent {
  readonly type: 'exposure';
  readonly flagKey: string;
  /** The variant served; absent when the provider gave none (errors, caller's default). */
  readonly variant?: string;
  /** The OpenFeature resolution reason, e.g. `TARGETING_MATCH`, `DISABLED`, `ERROR`. */
  readonly reason?: string;
  /** The value served, only when the hook was told to include values (`includeValue`). */
  readonly value?: FlagValue;
  /**
   * The evaluation context's targeting key (the subject); a key longer than the pipeline's
   * `maxTargetingKeyLength` is replaced by a bounded stand-in.
   */
  readonly targetingKey: string;
  /** `flagSetId` from the flag metadata. */
  readonly flagSetId?: string;
  /**
   * `version` from the flag metadata: the flag set's version, a number (Ensign's providers
   * give a number; a digit string is read as one). Another provider's non-numeric version is
   * kept as its string.
   */
  readonly version?: number | string;
  /** The provider's `metadata.name`. */
  readonly providerName?: string;
  /** OpenFeature error code (`FLAG_NOT_FOUND`, `TYPE_MISMATCH`, …) when the evaluation failed. */
  readonly errorCode?: string;
  /** The provider's error message (at most 256 characters) when the evaluation failed. */
  readonly errorMessage?: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** One OpenFeature `track()` call: a conversion, an error, a value. */
export interface TrackingEvent {
  readonly type: 'tracking';
  /** The tracking event name, e.g. `checkout`. */
  readonly eventName: string;
  /** The evaluation context's targeting key (the subject). */
  readonly targetingKey?: string;
  /** `details.value`, the event's numeric value (revenue, latency). */
  readonly value?: number;
  /** Attribution to a flag, from `details.flagKey` when the caller gave it. */
  readonly flagKey?: string;
  /** Attribution to a variant, from `details.variant` when the caller gave it. */
  readonly variant?: string;
  /**
   * The flag set the event belongs to: `details.flagSetId`, else the one the provider names,
   * else the recorder's `flagSetId` option.
   */
  readonly flagSetId?: string;
  /** The remaining `details` fields (JSON-safe). */
  readonly details?: Readonly<Record<string, JsonValue>>;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** Everything a sink receives. */
export type AnalyticsEvent = ExposureEvent | TrackingEvent;

function metadataString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * A flag-set version as the rest of the system has it: a number. Digit strings (a provider that
 * stringifies its metadata) become numbers; other strings are another vendor's version, kept.
 * @internal
 */
export function versionFrom(value: unknown): number | string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/**
 * Builds the exposure event of one evaluation, or `undefined` when the evaluation has no
 * targeting key (an exposure nobody can be attributed to is useless for analysis). `subject`
 * replaces the context's targeting key (its bounded stand-in).
 * @internal
 */
export function exposureFrom(
  hookContext: Readonly<HookContext>,
  details: EvaluationDetails<FlagValue>,
  includeValue: boolean,
  timestamp: number,
  subject?: string,
): ExposureEvent | undefined {
  const targetingKey = subject ?? hookContext.context.targetingKey;
  if (typeof targetingKey !== 'string' || targetingKey === '') return undefined;
  const metadata = details.flagMetadata ?? {};
  const event: {
    -readonly [K in keyof ExposureEvent]: ExposureEvent[K];
  } = { type: 'exposure', flagKey: details.flagKey ?? hookContext.flagKey, targetingKey, timestamp };
  if (details.variant !== undefined) event.variant = details.variant;
  if (details.reason !== undefined) event.reason = details.reason;
  if (includeValue) event.value = details.value;
  const flagSetId = metadataString(metadata.flagSetId);
  if (flagSetId !== undefined) event.flagSetId = flagSetId;
  const version = versionFrom(metadata.version);
  if (version !== undefined) event.version = version;
  const providerName = hookContext.providerMetadata?.name;
  if (providerName) event.providerName = providerName;
  if (details.errorCode !== undefined) event.errorCode = details.errorCode;
  if (details.errorMessage) event.errorMessage = copyPrefix(details.errorMessage, 256);
  return event;
}
