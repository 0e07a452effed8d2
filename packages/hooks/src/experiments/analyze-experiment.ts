/**
 * Experiment results from exposures and conversions: a pure function, so it runs the same on
 * events read from Redis, from a warehouse export, or on synthetic data in tests.
 *
 * Method: a user belongs to the variant of their exposures (users seen in two variants are
 * excluded and counted); a user converted when they have at least one `metric` tracking event at
 * or after their first exposure. Rates get a 95% Wilson score interval; each variant is compared
 * with control by a pooled two-proportion z-test (two-sided); the sample-ratio check is Pearson's
 * chi-square goodness-of-fit of the users per variant against the configured weights.
 */
import { Z_95, chiSquareUpperTail, twoSidedP, wilsonInterval } from './statistics.js';

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

/** Input of {@link analyzeExperiment}. */
export interface AnalyzeExperimentInput {
  exposures: readonly ExposureRecord[];
  conversions: readonly ConversionRecord[];
  /** The experiment flag; exposures of other flags are ignored. */
  flagKey: string;
  /** The tracking event name that counts as a conversion. */
  metric: string;
  /** The control variant. */
  control: string;
  /** Configured traffic weights per variant (e.g. the `fractional` weights); enables the sample-ratio check. */
  weights?: Readonly<Record<string, number>>;
  /** Sample-ratio mismatch is flagged when the chi-square p-value is below this. @default 0.001 */
  srmThreshold?: number;
  /** Count only conversions at or after the user's first exposure. @default true */
  conversionsAfterExposureOnly?: boolean;
}

/** Results for one variant. */
export interface VariantResult {
  readonly variant: string;
  /** Unique users exposed to this variant (and to no other). */
  readonly exposedUsers: number;
  /** Of those, users with at least one conversion. */
  readonly convertedUsers: number;
  /** convertedUsers / exposedUsers (0 when nobody was exposed). */
  readonly conversionRate: number;
  /** 95% Wilson score interval of the rate. */
  readonly ci95: { readonly low: number; readonly high: number };
  /** (rate − control rate) / control rate; `null` for control or when control's rate is 0. */
  readonly liftVsControl: number | null;
  /** rate − control rate; `null` for control. */
  readonly differenceVsControl: number | null;
  /** Pooled two-proportion z statistic against control; `null` for control or without data. */
  readonly zScore: number | null;
  /** Two-sided p-value of that test; `null` for control or without data. */
  readonly pValue: number | null;
  /** Share of analysed users in this variant. */
  readonly observedShare: number;
  /** Share the weights call for; `null` without weights. */
  readonly expectedShare: number | null;
}

/** The sample-ratio-mismatch check. */
export interface SampleRatioCheck {
  readonly chiSquare: number;
  readonly degreesOfFreedom: number;
  readonly pValue: number;
  readonly threshold: number;
  /** `true` when pValue < threshold, or users landed in a variant with no weight: do not trust the results. */
  readonly mismatch: boolean;
  /** Variants with users but no configured weight. */
  readonly unexpectedVariants: readonly string[];
}

/** Output of {@link analyzeExperiment}. */
export interface ExperimentAnalysis {
  readonly flagKey: string;
  readonly metric: string;
  readonly control: string;
  /** Control first, then the others by name. */
  readonly variants: readonly VariantResult[];
  /** Users analysed (exposed to exactly one variant). */
  readonly users: number;
  /** Users left out because they were exposed to more than one variant. */
  readonly usersInSeveralVariants: number;
  /** `null` without `weights`. */
  readonly sampleRatio: SampleRatioCheck | null;
  /**
   * What makes the results suspect before any statistics: exposures without a single `metric`
   * event, `metric` events without exposures, or no `metric` event from an exposed user. Such
   * results (0 conversions everywhere) usually mean the events went to different places (with
   * `RedisStreamSink`, different streams) or carry different targeting keys. Empty when none.
   */
  readonly warnings: readonly string[];
  readonly method: {
    readonly interval: 'wilson';
    readonly confidence: 0.95;
    readonly test: 'two-proportion-z-pooled';
    readonly sampleRatio: 'pearson-chi-square';
  };
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
export function analyzeExperiment(input: AnalyzeExperimentInput): ExperimentAnalysis {
  const { flagKey, metric, control } = input;
  const srmThreshold = input.srmThreshold ?? 0.001;
  const afterExposureOnly = input.conversionsAfterExposureOnly ?? true;
  if (input.weights !== undefined) {
    for (const [variant, weight] of Object.entries(input.weights)) {
      if (!Number.isFinite(weight) || weight < 0) {
        throw new RangeError(
          `analyzeExperiment: weights.${variant} must be a finite number >= 0, got ${weight}`,
        );
      }
    }
  }

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

  const counts = new Map<string, { exposed: number; converted: number }>();
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
  const analysed = users.size - severalVariants;

  const weights = input.weights;
  const totalWeight = weights ? Object.values(weights).reduce((a, b) => a + b, 0) : 0;
  const controlCount = counts.get(control)!;
  const controlRate = controlCount.exposed > 0 ? controlCount.converted / controlCount.exposed : 0;
  const names = [control, ...[...counts.keys()].filter((v) => v !== control).sort()];
  const variants = names.map((variant): VariantResult => {
    const { exposed, converted: conv } = counts.get(variant)!;
    const rate = exposed > 0 ? conv / exposed : 0;
    const isControl = variant === control;
    const test = isControl
      ? null
      : twoProportionTest(conv, exposed, controlCount.converted, controlCount.exposed);
    return {
      variant,
      exposedUsers: exposed,
      convertedUsers: conv,
      conversionRate: rate,
      ci95: wilsonInterval(conv, exposed, Z_95),
      liftVsControl:
        isControl || controlRate === 0 || controlCount.exposed === 0
          ? null
          : (rate - controlRate) / controlRate,
      differenceVsControl:
        isControl || exposed === 0 || controlCount.exposed === 0 ? null : rate - controlRate,
      zScore: test?.z ?? null,
      pValue: test?.p ?? null,
      observedShare: analysed > 0 ? exposed / analysed : 0,
      expectedShare: weights && totalWeight > 0 ? (weights[variant] ?? 0) / totalWeight : null,
    };
  });

  return {
    flagKey,
    metric,
    control,
    variants,
    users: analysed,
    usersInSeveralVariants: severalVariants,
    sampleRatio: weights === undefined ? null : sampleRatioCheck(counts, weights, srmThreshold),
    warnings: joinWarnings(input, users.size, metricEvents, metricEventsOfExposedUsers),
    method: {
      interval: 'wilson',
      confidence: 0.95,
      test: 'two-proportion-z-pooled',
      sampleRatio: 'pearson-chi-square',
    },
  };
}

/** Warnings about exposures and metric events that do not meet (see `ExperimentAnalysis.warnings`). */
function joinWarnings(
  { flagKey, metric }: AnalyzeExperimentInput,
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

/** Pooled two-proportion z-test of a/n against b/m; `null` when either group is empty. */
export function twoProportionTest(
  a: number,
  n: number,
  b: number,
  m: number,
): { z: number; p: number } | null {
  if (n === 0 || m === 0) return null;
  const pooled = (a + b) / (n + m);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m));
  const diff = a / n - b / m;
  if (se === 0) return diff === 0 ? { z: 0, p: 1 } : null;
  const z = diff / se;
  return { z, p: twoSidedP(z) };
}

function sampleRatioCheck(
  counts: ReadonlyMap<string, { exposed: number }>,
  weights: Readonly<Record<string, number>>,
  threshold: number,
): SampleRatioCheck {
  const weighted = Object.entries(weights).filter(([, w]) => w > 0);
  const totalWeight = weighted.reduce((sum, [, w]) => sum + w, 0);
  const unexpectedVariants = [...counts]
    .filter(([variant, c]) => c.exposed > 0 && !(weights[variant]! > 0))
    .map(([variant]) => variant)
    .sort();
  const total = weighted.reduce((sum, [variant]) => sum + (counts.get(variant)?.exposed ?? 0), 0);
  let chiSquare = 0;
  for (const [variant, weight] of weighted) {
    const expected = (total * weight) / totalWeight;
    const observed = counts.get(variant)?.exposed ?? 0;
    if (expected > 0) chiSquare += (observed - expected) ** 2 / expected;
  }
  const degreesOfFreedom = Math.max(0, weighted.length - 1);
  const pValue = degreesOfFreedom === 0 || total === 0 ? 1 : chiSquareUpperTail(chiSquare, degreesOfFreedom);
  return {
    chiSquare,
    degreesOfFreedom,
    pValue,
    threshold,
    mismatch: pValue < threshold || unexpectedVariants.length > 0,
    unexpectedVariants,
  };
}
