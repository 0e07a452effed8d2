/**
 * The options of `MetricsAggregator`, their defaults, and their resolution: each one validated
 * and defaulted once, in the constructor, so the evaluation path only reads plain fields.
 */
import {
  type ConsoleStyleLogger,
  type LoggerStyle,
  type StructuredLogger,
  toStructuredLogger,
} from '../logger.js';
import { MAX_EVALUATION_SERIES } from './evaluation-totals.js';
import type { LastSeenLimits } from './last-seen.js';
import { COHORT_METADATA, type CounterSink } from './layout.js';

/** Options of `MetricsAggregator`. */
export interface MetricsAggregatorOptions {
  /**
   * Where increments go: a `ServerState` (Redis: a user with `redisMetricsAclRules()`). Without
   * one nothing is written and only the in-process `totals()` are kept (OpenTelemetry only).
   */
  sink?: CounterSink;
  /**
   * Most series of `totals()` (distinct provider, set, flag, variant, reason and error); beyond,
   * counted in one overflow series. @default 2000
   */
  maxTotalSeries?: number;
  /** How often the deltas are written. @default 5000 */
  flushIntervalMs?: number;
  /** Length of the time windows of the `w:<start>` records. @default 3600000 (1 hour) */
  windowMs?: number;
  /** How long window records are kept after their last increment. @default 3024000000 (35 days) */
  windowRetentionMs?: number;
  /** Flag set for evaluations and events that name none. @default 'default' */
  defaultFlagSet?: string;
  /**
   * Most subjects remembered for units (about 200 bytes each, plus 100 per tracked flag they
   * were exposed to). @default 50000
   */
  maxSubjects?: number;
  /** A unit is counted again after this long. @default 86400000 (24 hours) */
  unitTtlMs?: number;
  /**
   * Which flags get exposure units. @default flags whose metadata names a `metricsCohort` or
   * whose `kind` is `experiment`
   */
  trackUnits?: (flagKey: string, metadata: Readonly<Record<string, unknown>>) => boolean;
  /** The tracking event an evaluation error of a tracked flag counts as. @default 'error' */
  errorEvent?: string;
  /** Targeting keys longer than this are replaced by a bounded stand-in (as the event pipeline does). @default 256 */
  maxTargetingKeyLength?: number;
  /** Most distinct flags per set between two flushes (unknown keys are client-controlled); beyond, dropped and counted. @default 10000 */
  maxFlagsPerFlush?: number;
  /** How long the `seen` record is kept after its last write. @default 34560000000 (400 days) */
  seenRetentionMs?: number;
  /** How long the `unknown` record is kept after its last write. @default 3024000000 (35 days) */
  unknownRetentionMs?: number;
  /**
   * Most distinct unknown keys (FLAG_NOT_FOUND) per set raised in the `unknown` record per flush;
   * beyond, left out and counted (`droppedUnknownFlags`). @default 100
   */
  maxUnknownFlagsPerFlush?: number;
  /** Where failed flushes are reported (one line per outage, at warn level). @default console */
  logger?: ConsoleStyleLogger;
  /** Argument order of `logger`. @default 'auto' */
  loggerStyle?: LoggerStyle;
  /** Clock seam for tests and simulations. @default Date.now */
  now?: () => number;
  /** Start the flush timer (off: call `flush()` yourself, e.g. in a simulation). @default true */
  autoFlush?: boolean;
}

/** Defaults of {@link MetricsAggregatorOptions}. */
export const METRICS_DEFAULTS = {
  flushIntervalMs: 5_000,
  windowMs: 3_600_000,
  windowRetentionMs: 35 * 86_400_000,
  maxSubjects: 50_000,
  unitTtlMs: 86_400_000,
  errorEvent: 'error',
  maxTargetingKeyLength: 256,
  maxFlagsPerFlush: 10_000,
  seenRetentionMs: 400 * 86_400_000,
  unknownRetentionMs: 35 * 86_400_000,
  maxUnknownFlagsPerFlush: 100,
} as const;

/** Longest unknown key kept in the `unknown` record (as long as a flag key may be). */
const MAX_UNKNOWN_KEY_LENGTH = 256;

const defaultTrackUnits = (_flagKey: string, metadata: Readonly<Record<string, unknown>>) =>
  metadata[COHORT_METADATA] !== undefined || metadata.kind === 'experiment';

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(
      `MetricsAggregator: option \`${name}\` must be a positive number, got ${String(value)}`,
    );
  return value;
}

/** {@link MetricsAggregatorOptions}, validated and defaulted. */
export interface ResolvedMetricsOptions {
  readonly sink: CounterSink | undefined;
  readonly maxTotalSeries: number;
  readonly windowMs: number;
  readonly windowRetentionMs: number;
  readonly defaultFlagSet: string;
  readonly trackUnits: NonNullable<MetricsAggregatorOptions['trackUnits']>;
  readonly errorEvent: string;
  readonly maxKeyLength: number;
  readonly maxFlags: number;
  readonly lastSeen: LastSeenLimits;
  readonly now: () => number;
  readonly logger: StructuredLogger;
  readonly maxSubjects: number;
  readonly unitTtlMs: number;
  readonly flushIntervalMs: number;
  readonly autoFlush: boolean;
}

/**
 * Validates and defaults the options of a `MetricsAggregator`, in the order the fields are
 * listed (the first invalid one is the one reported).
 * @throws TypeError when `sink` cannot `increment`, RangeError when a bound is not a positive number
 */
export function resolveMetricsOptions(options: MetricsAggregatorOptions): ResolvedMetricsOptions {
  if (options.sink !== undefined && typeof options.sink.increment !== 'function')
    throw new TypeError('MetricsAggregator: option `sink` must have increment() (a ServerState)');
  const d = METRICS_DEFAULTS;
  return {
    sink: options.sink,
    maxTotalSeries: positive('maxTotalSeries', options.maxTotalSeries, MAX_EVALUATION_SERIES),
    windowMs: positive('windowMs', options.windowMs, d.windowMs),
    windowRetentionMs: positive('windowRetentionMs', options.windowRetentionMs, d.windowRetentionMs),
    defaultFlagSet: options.defaultFlagSet ?? 'default',
    trackUnits: options.trackUnits ?? defaultTrackUnits,
    errorEvent: options.errorEvent ?? d.errorEvent,
    maxKeyLength: positive('maxTargetingKeyLength', options.maxTargetingKeyLength, d.maxTargetingKeyLength),
    maxFlags: positive('maxFlagsPerFlush', options.maxFlagsPerFlush, d.maxFlagsPerFlush),
    lastSeen: {
      seenRetentionMs: positive('seenRetentionMs', options.seenRetentionMs, d.seenRetentionMs),
      unknownRetentionMs: positive('unknownRetentionMs', options.unknownRetentionMs, d.unknownRetentionMs),
      maxUnknown: positive(
        'maxUnknownFlagsPerFlush',
        options.maxUnknownFlagsPerFlush,
        d.maxUnknownFlagsPerFlush,
      ),
      maxKeyLength: MAX_UNKNOWN_KEY_LENGTH,
    },
    now: options.now ?? Date.now,
    logger: toStructuredLogger(options.logger, options.loggerStyle),
    maxSubjects: positive('maxSubjects', options.maxSubjects, d.maxSubjects),
    unitTtlMs: positive('unitTtlMs', options.unitTtlMs, d.unitTtlMs),
    flushIntervalMs: positive('flushIntervalMs', options.flushIntervalMs, d.flushIntervalMs),
    autoFlush: options.autoFlush !== false,
  };
}
