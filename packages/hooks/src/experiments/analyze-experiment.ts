/**
 * Experiment results from exposures and conversions: a pure function, so it runs the same on
 * events read from Redis, from a warehouse export, or on synthetic data in tests.
 *
 * Method: a user belongs to the variant of their exposures (users seen in two variants are
 * excluded and counted); a user converted when they have at least one `metric` tracking event at
 * or after their first exposure. Rates get a 95% Wilson score interval; each variant is compared
 * with control by a pooled two-proportion z-test (two-sided); the sample-ratio check is Pearson's
 * chi-square goodness-of-fit of the users per variant against the configured weights. Beside the
 * fixed-horizon figures, always-valid p-values and confidence sequences (`experiment-summary.ts`).
 *
 * Two sources: raw events (every exposure and tracking event in memory: exact users), or
 * aggregates (`aggregates`: exposure units and converted units per variant, as the
 * `MetricsAggregator` keeps them: constant memory whatever the number of users).
 */
import {
  type AlwaysValidOptions,
  type ExperimentAnalysis,
  type VariantCounts,
  checkWeights,
  summarizeExperiment,
} from './experiment-summary.js';

/** What analysis needs from an exposure (an `ExposureEvent` fits). */
export interface ExposureRecord {
  readonly flagKey: string;
  readonly targetingKey: string;
  readonly variant?: string;
  readonly timestamp: number;
}

/** What analysis needs from a tracking event (a `TrackingEvent` fits). */
export interface ConversionRecord {
  readonly eventName: string;
  readonly targetingKey?: string;
  readonly timestamp: number;
}

/** What every analysis is told: the flag, the metric, the control, the configured split. */
export interface ExperimentOptions {
  /** The experiment flag; exposures of other flags are ignored. */
  flagKey: string;
  /** The tracking event name that counts as a conversion. */
  metric: string;
  /** The control variant. */
  control: string;
  /** Configured traffic weights per variant (e.g. the `fractional` weights); enables the sample-ratio check. */
  weights?: Readonly<Record<string, number>>;
  /** Sample-ratio mismatch is flagged when a p-value is below this. @default 0.001 */
  srmThreshold?: number;
  /** Tuning of the always-valid results. */
  alwaysValid?: AlwaysValidOptions;
}

/** Input of {@link analyzeExperiment} from raw events. */
export interface AnalyzeExperimentInput extends ExperimentOptions {
  exposures: readonly ExposureRecord[];
  conversions: readonly ConversionRecord[];
  /** Count only conversions at or after the user's first exposure. @default true */
  conversionsAfterExposureOnly?: boolean;
}

/** One variant's aggregates: exposure units, of which converted, and metric events in all. */
export interface VariantAggregate {
  readonly variant: string;
  /** Exposure units (a user per aggregator and cohort; see the `MetricsAggregator`). */
  readonly units: number;
  /** Units with at least one `metric` event. */
  readonly converted: number;
  /** `metric` events attributed to the variant (for the warnings). */
  readonly events?: number;
}

/** Input of {@link analyzeExperiment} from aggregates. */
export interface AggregateExperimentInput extends ExperimentOptions {
  aggregates: readonly VariantAggregate[];
  /** `metric` events seen in the flag set at all, attributed or not (for the warnings). */
  metricEventsInSet?: number;
}

interface UserRecord {
  variant: string | null;
  firstExposure: number;
}

/**
 * Computes per-variant unique exposed users, converted users, conversion rates with 95% Wilson
 * intervals, lift and a two-proportion z-test against control, and a sample-ratio-mismatch check.
 * @example analyzeExperiment({ exposures, conversions, flagKey: 'new-checkout', metric: 'purchase', control: 'off', weights: { off: 50, on: 50 } })
 */
export function analyzeExperiment(
  input: AnalyzeExperimentInput | AggregateExperimentInput,
): ExperimentAnalysis {
  checkWeights(input.weights);
  if ('aggregates' in input) return analyzeAggregates(input);
  const { flagKey, metric, control } = input;
  const afterExposureOnly = input.conversionsAfterExposureOnly ?? true;

  const users = new Map<string, UserRecord>();
  for (const exposure of input.exposures) {
    if (exposure.flagKey !== flagKey || exposure.variant === undefined) continue;
    const user = users.get(exposure.targetingKey);
    if (user === undefined) {
      users.set(exposure.targetingKey, { variant: exposure.variant, firstExposure: exposure.timestamp });
      continue;
    }
    if (user.variant !== null && user.variant !== exposure.variant) user.variant = null;
    if (exposure.timestamp < user.firstExposure) user.firstExposure = exposure.timestamp;
  }

  const converted = new Set<string>();
  let metricEvents = 0;
  let metricEventsOfExposedUsers = 0;
  for (const conversion of input.conversions) {
    if (conversion.eventName !== metric) continue;
    metricEvents++;
    if (conversion.targetingKey === undefined) continue;
    const user = users.get(conversion.targetingKey);
    if (user !== undefined) metricEventsOfExposedUsers++;
    if (user === undefined || user.variant === null) continue;
    if (afterExposureOnly && conversion.timestamp < user.firstExposure) continue;
    converted.add(conversion.targetingKey);
  }

  const counts = new Map<string, VariantCounts>();
  for (const name of [control, ...Object.keys(input.weights ?? {})])
    counts.set(name, { exposed: 0, converted: 0 });
  let severalVariants = 0;
  for (const [targetingKey, user] of users) {
    if (user.variant === null) {
      severalVariants++;
      continue;
    }
    let count = counts.get(user.variant);
    if (count === undefined) {
      count = { exposed: 0, converted: 0 };
      counts.set(user.variant, count);
    }
    count.exposed++;
    if (converted.has(targetingKey)) count.converted++;
  }
  return summarizeExperiment({
    flagKey,
    metric,
    control,
    counts,
    usersInSeveralVariants: severalVariants,
    weights: input.weights,
    srmThreshold: input.srmThreshold ?? 0.001,
    warnings: joinWarnings(input, users.size, metricEvents, metricEventsOfExposedUsers),
    alwaysValid: input.alwaysValid,
    source: 'events',
  });
}

/** The aggregate path: counts per variant as given, nothing per user in memory. */
function analyzeAggregates(input: AggregateExperimentInput): ExperimentAnalysis {
  const counts = new Map<string, VariantCounts>();
  for (const name of [input.control, ...Object.keys(input.weights ?? {})])
    counts.set(name, { exposed: 0, converted: 0 });
  let units = 0;
  let attributed = 0;
  for (const aggregate of input.aggregates) {
    if (!(aggregate.units >= 0) || !(aggregate.converted >= 0) || aggregate.converted > aggregate.units) {
      throw new RangeError(
        `analyzeExperiment: aggregates of variant "${aggregate.variant}" need 0 <= converted <= units, got ${aggregate.converted} of ${aggregate.units}`,
      );
    }
    const count = counts.get(aggregate.variant) ?? { exposed: 0, converted: 0 };
    count.exposed += aggregate.units;
    count.converted += aggregate.converted;
    counts.set(aggregate.variant, count);
    units += aggregate.units;
    attributed += aggregate.events ?? aggregate.converted;
  }
  return summarizeExperiment({
    flagKey: input.flagKey,
    metric: input.metric,
    control: input.control,
    counts,
    usersInSeveralVariants: 0,
    weights: input.weights,
    srmThreshold: input.srmThreshold ?? 0.001,
    warnings: joinWarnings(input, units, input.metricEventsInSet ?? attributed, attributed),
    alwaysValid: input.alwaysValid,
    source: 'aggregates',
  });
}

/** Warnings about exposures and metric events that do not meet (see `ExperimentAnalysis.warnings`). */
function joinWarnings(
  { flagKey, metric }: ExperimentOptions,
  exposedUsers: number,
  metricEvents: number,
  metricEventsOfExposedUsers: number,
): string[] {
  if (exposedUsers > 0 && metricEvents === 0) {
    return [
      `${exposedUsers} exposed users but no "${metric}" tracking events: check the event name, and that ` +
        'tracking events reach the same place as exposures (with RedisStreamSink, the same stream: ' +
        "give the TrackingRecorder the flag set's `flagSetId` if the provider does not name it)",
    ];
  }
  if (exposedUsers === 0 && metricEvents > 0) {
    return [
      `${metricEvents} "${metric}" tracking events but no exposures of "${flagKey}": check the flag key, ` +
        "and that exposures reach the same place (the ExposureHook's filter, the stream's flag set)",
    ];
  }
  if (metricEvents > 0 && metricEventsOfExposedUsers === 0) {
    return [
      `none of the ${metricEvents} "${metric}" tracking events is from an exposed user: exposures and ` +
        'tracking events must carry the same targeting key',
    ];
  }
  return [];
}
