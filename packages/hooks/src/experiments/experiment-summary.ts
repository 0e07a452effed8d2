/**
 * From per-variant counts (exposed and converted users, however they were counted: from raw
 * events or from aggregates) to experiment results: rates with Wilson intervals, a
 * fixed-horizon two-proportion z-test against control, and beside it the always-valid p-value
 * and confidence sequence of the difference (the normal mixture of `sequential.ts`), so a team
 * that looks every day reads a p-value that means what it says; and the sample-ratio check, by
 * Pearson's chi-square and by its anytime-valid counterpart.
 */
import { sequentialSampleRatio } from './sample-ratio.js';
import {
  alwaysValidPValue,
  confidenceSequenceRadius,
  mixtureLogValue,
  optimalMixtureRho,
} from './sequential.js';
import { Z_95, chiSquareUpperTail, twoSidedP, wilsonInterval } from './statistics.js';

/** Options of the always-valid results. */
export interface AlwaysValidOptions {
  /** 1 − coverage of the confidence sequence; the p-value is compared with it by the reader. @default 0.05 */
  readonly alpha?: number;
  /**
   * Users per arm at which the confidence sequence is tightest (the mixture is tuned for it);
   * results stay valid at every other size, only wider. Decide it before the experiment starts.
   * @default 10000
   */
  readonly tuningUsers?: number;
}

/** Results for one variant. */
export interface VariantResult {
  readonly variant: string;
  /** Unique users exposed to this variant (and to no other); from aggregates: exposure units. */
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
  /** Two-sided fixed-horizon p-value of that test (valid at one planned look only); `null` for control or without data. */
  readonly pValue: number | null;
  /**
   * The same comparison, valid however often anyone looks: the always-valid two-sided p-value
   * of "no difference" and the (1 − α) confidence sequence of `differenceVsControl`. `null` for
   * control or without data.
   */
  readonly alwaysValid: {
    readonly pValue: number;
    readonly differenceInterval: { readonly low: number; readonly high: number };
  } | null;
  /** Share of analysed users in this variant. */
  readonly observedShare: number;
  /** Share the weights call for; `null` without weights. */
  readonly expectedShare: number | null;
}

/** The sample-ratio-mismatch check. */
export interface SampleRatioCheck {
  readonly chiSquare: number;
  readonly degreesOfFreedom: number;
  /** Pearson's chi-square p-value (one look). */
  readonly pValue: number;
  /** The anytime-valid p-value (Dirichlet-multinomial Bayes factor, Lindon & Malek 2022). */
  readonly alwaysValidPValue: number;
  readonly threshold: number;
  /**
   * `true` when either p-value is below the threshold, or users landed in a variant with no
   * weight: do not trust the results.
   */
  readonly mismatch: boolean;
  /** Variants with users but no configured weight. */
  readonly unexpectedVariants: readonly string[];
}

/** Output of `analyzeExperiment`. */
export interface ExperimentAnalysis {
  readonly flagKey: string;
  readonly metric: string;
  readonly control: string;
  /** Control first, then the others by name. */
  readonly variants: readonly VariantResult[];
  /** Users analysed (exposed to exactly one variant). */
  readonly users: number;
  /** Users left out because they were exposed to more than one variant (0 from aggregates, which cannot tell). */
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
    readonly alwaysValid: {
      readonly test: 'normal-mixture';
      readonly alpha: number;
      readonly tuningUsers: number;
      readonly sampleRatio: 'dirichlet-multinomial';
    };
    /** Where the counts came from: raw events (exact users) or aggregates (exposure units). */
    readonly source: 'events' | 'aggregates';
  };
}

/** Exposed and converted users of one variant. */
export interface VariantCounts {
  exposed: number;
  converted: number;
}

/** What {@link summarizeExperiment} needs. @internal */
export interface SummaryInput {
  readonly flagKey: string;
  readonly metric: string;
  readonly control: string;
  readonly counts: ReadonlyMap<string, VariantCounts>;
  readonly usersInSeveralVariants: number;
  readonly weights: Readonly<Record<string, number>> | undefined;
  readonly srmThreshold: number;
  readonly warnings: readonly string[];
  readonly alwaysValid: AlwaysValidOptions | undefined;
  readonly source: 'events' | 'aggregates';
}

/** Refuses weights that are not finite numbers ≥ 0, naming the variant. @internal */
export function checkWeights(weights: Readonly<Record<string, number>> | undefined): void {
  for (const [variant, weight] of Object.entries(weights ?? {})) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new RangeError(
        `analyzeExperiment: weights.${variant} must be a finite number >= 0, got ${weight}`,
      );
    }
  }
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

/** Smoothed per-unit variance of a rate (half a success added: never zero). */
const unitVariance = (converted: number, exposed: number) => {
  const p = (converted + 0.5) / (exposed + 1);
  return p * (1 - p);
};

/**
 * The always-valid comparison of a/n (treatment) with b/m (control): two-sided normal mixture
 * on the difference, tuned for `tuningUsers` per arm at the observed per-unit variances.
 */
function alwaysValidDifference(
  a: number,
  n: number,
  b: number,
  m: number,
  options: Required<AlwaysValidOptions>,
): VariantResult['alwaysValid'] {
  if (n === 0 || m === 0) return null;
  const vt = unitVariance(a, n);
  const vc = unitVariance(b, m);
  const information = 1 / (vt / n + vc / m);
  const difference = a / n - b / m;
  const rho = optimalMixtureRho(1 / ((vt + vc) / options.tuningUsers), options.alpha, 2);
  const logM = mixtureLogValue(difference * information, information, rho, 2);
  const radius = confidenceSequenceRadius(information, rho, options.alpha);
  return {
    pValue: alwaysValidPValue(logM),
    differenceInterval: { low: difference - radius, high: difference + radius },
  };
}

function sampleRatioCheck(
  counts: ReadonlyMap<string, VariantCounts>,
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
  const sequential =
    degreesOfFreedom === 0
      ? 1
      : sequentialSampleRatio([
          {
            counts: weighted.map(([variant]) => counts.get(variant)?.exposed ?? 0),
            expected: weighted.map(([, w]) => w),
          },
        ]).pValue;
  return {
    chiSquare,
    degreesOfFreedom,
    pValue,
    alwaysValidPValue: sequential,
    threshold,
    mismatch: pValue < threshold || sequential < threshold || unexpectedVariants.length > 0,
    unexpectedVariants,
  };
}

/** Per-variant results, the sample-ratio check and the method note. @internal */
export function summarizeExperiment(input: SummaryInput): ExperimentAnalysis {
  const { flagKey, metric, control, counts, weights } = input;
  const alwaysValid = {
    alpha: input.alwaysValid?.alpha ?? 0.05,
    tuningUsers: input.alwaysValid?.tuningUsers ?? 10_000,
  };
  if (!(alwaysValid.alpha > 0 && alwaysValid.alpha < 1))
    throw new RangeError(`analyzeExperiment: alwaysValid.alpha must be in (0, 1), got ${alwaysValid.alpha}`);
  if (!(alwaysValid.tuningUsers > 0))
    throw new RangeError(
      `analyzeExperiment: alwaysValid.tuningUsers must be > 0, got ${alwaysValid.tuningUsers}`,
    );
  const analysed = [...counts.values()].reduce((sum, c) => sum + c.exposed, 0);
  const totalWeight = weights ? Object.values(weights).reduce((a, b) => a + b, 0) : 0;
  const controlCount = counts.get(control) ?? { exposed: 0, converted: 0 };
  const controlRate = controlCount.exposed > 0 ? controlCount.converted / controlCount.exposed : 0;
  const names = [control, ...[...counts.keys()].filter((v) => v !== control).sort()];
  const variants = names.map((variant): VariantResult => {
    const { exposed, converted } = counts.get(variant) ?? { exposed: 0, converted: 0 };
    const rate = exposed > 0 ? converted / exposed : 0;
    const isControl = variant === control;
    const test = isControl
      ? null
      : twoProportionTest(converted, exposed, controlCount.converted, controlCount.exposed);
    return {
      variant,
      exposedUsers: exposed,
      convertedUsers: converted,
      conversionRate: rate,
      ci95: wilsonInterval(converted, exposed, Z_95),
      liftVsControl:
        isControl || controlRate === 0 || controlCount.exposed === 0
          ? null
          : (rate - controlRate) / controlRate,
      differenceVsControl:
        isControl || exposed === 0 || controlCount.exposed === 0 ? null : rate - controlRate,
      zScore: test?.z ?? null,
      pValue: test?.p ?? null,
      alwaysValid: isControl
        ? null
        : alwaysValidDifference(
            converted,
            exposed,
            controlCount.converted,
            controlCount.exposed,
            alwaysValid,
          ),
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
    usersInSeveralVariants: input.usersInSeveralVariants,
    sampleRatio: weights === undefined ? null : sampleRatioCheck(counts, weights, input.srmThreshold),
    warnings: input.warnings,
    method: {
      interval: 'wilson',
      confidence: 0.95,
      test: 'two-proportion-z-pooled',
      sampleRatio: 'pearson-chi-square',
      alwaysValid: { test: 'normal-mixture', ...alwaysValid, sampleRatio: 'dirichlet-multinomial' },
      source: input.source,
    },
  };
}
