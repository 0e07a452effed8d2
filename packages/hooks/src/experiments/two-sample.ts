/**
 * Comparing a treatment arm with a control arm, sequentially or at a fixed horizon, from counts
 * alone (units, successes, sums and sums of squares: what the metric aggregates hold), so the
 * same functions serve guarded rollouts and experiment results without any per-user data.
 *
 * Data may come in strata (a rollout's stages, each with its own traffic split): each stratum
 * gives an estimate `θ̂ₖ` of the effect with variance `vₖ`, i.e. a score `Sₖ = (θ̂ₖ − θ₀)/vₖ` and
 * information `Iₖ = 1/vₖ`; the strata add up (`S = Σ Sₖ`, `I = Σ Iₖ`), which is the
 * inverse-variance-weighted estimate `θ̂ = θ₀ + S/I`. Stratifying keeps a time trend shared by
 * both arms from leaking into the comparison when the split changes between stages (a pooled
 * comparison would weigh the arms' periods differently: Simpson's paradox). Variances are
 * plug-in estimates, so the sequential guarantees are asymptotic (Waudby-Smith et al. 2024):
 * honest once each arm has a few hundred units, which is why a minimum sample is enforced.
 */
import {
  alwaysValidPValue,
  confidenceSequenceRadius,
  mixtureBoundary,
  mixtureLogValue,
} from './sequential.js';
import { normalQuantile, normalUpperTail } from './statistics.js';

/** Counts of a proportion metric in one arm: units, and units with the outcome. */
export interface ProportionCounts {
  readonly units: number;
  readonly successes: number;
}

/** Sums of a numeric metric in one arm (per observation). */
export interface MeanCounts {
  readonly count: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/** One stratum: the control arm and the treatment arm. */
export interface Stratum<T> {
  readonly control: T;
  readonly treatment: T;
}

/** Which way is harm: a metric that should not go up (errors, latency) or down (conversions). */
export type HarmDirection = 'increase' | 'decrease';

/** An estimate of the effect, oriented so that positive is harm. */
export interface EffectEstimate {
  /** Treatment minus control for `increase`, control minus treatment for `decrease`. */
  readonly difference: number;
  readonly variance: number;
}

/**
 * The mean and variance estimate of a proportion: rates are smoothed by half a success
 * (`(x + ½)/(n + 1)`) so that an arm with no events yet does not claim zero variance and with it
 * infinite information. Arms are not pooled: with a 5%/95% split and rare events a pooled
 * variance is dominated by the large arm and overstates the evidence from the small one.
 */
function proportionMoments(arm: ProportionCounts): { mean: number; variance: number } | undefined {
  if (!(arm.units > 0)) return undefined;
  const smoothed = (arm.successes + 0.5) / (arm.units + 1);
  return { mean: arm.successes / arm.units, variance: (smoothed * (1 - smoothed)) / arm.units };
}

/** The mean and variance estimate of a mean (sample variance, at least two observations). */
function meanMoments(arm: MeanCounts): { mean: number; variance: number } | undefined {
  if (!(arm.count >= 2)) return undefined;
  const mean = arm.sum / arm.count;
  const sampleVariance = Math.max(0, (arm.sumSquares - arm.count * mean * mean) / (arm.count - 1));
  // A floor keeps identical observations (e.g. a constant latency) from giving infinite information.
  const floor = 1e-12 * Math.max(1, mean * mean);
  return { mean, variance: Math.max(sampleVariance, floor) / arm.count };
}

/** The effect in one stratum; `undefined` while an arm lacks data. */
export function stratumEffect(
  kind: 'proportion',
  stratum: Stratum<ProportionCounts>,
  direction: HarmDirection,
): EffectEstimate | undefined;
export function stratumEffect(
  kind: 'mean',
  stratum: Stratum<MeanCounts>,
  direction: HarmDirection,
): EffectEstimate | undefined;
export function stratumEffect(
  kind: 'proportion' | 'mean',
  stratum: Stratum<ProportionCounts> | Stratum<MeanCounts>,
  direction: HarmDirection,
): EffectEstimate | undefined {
  const moments = kind === 'proportion' ? proportionMoments : meanMoments;
  const c = (moments as (arm: unknown) => ReturnType<typeof meanMoments>)(stratum.control);
  const t = (moments as (arm: unknown) => ReturnType<typeof meanMoments>)(stratum.treatment);
  if (c === undefined || t === undefined) return undefined;
  const raw = t.mean - c.mean;
  return { difference: direction === 'increase' ? raw : -raw, variance: c.variance + t.variance };
}

/** Options of {@link compareSequentially}. */
export interface SequentialComparisonOptions {
  /** Harm is an effect (in the harm orientation) above this. @default 0 */
  readonly tolerance?: number;
  /** Type-I error of the harm test, and 1 − coverage of the confidence sequence. */
  readonly alpha: number;
  /**
   * Mixing precision of the one-sided test (see `optimalMixtureRho`); fix it before looking at
   * the effect (from a planned sample size), never from the effect itself.
   */
  readonly rho: number;
}

/** What a comparison concludes at one look. */
export interface SequentialComparison {
  /** Inverse-variance-weighted effect over the strata (harm orientation); `null` without data. */
  readonly estimate: number | null;
  /** Σ 1/vₖ. */
  readonly information: number;
  /** Σ (θ̂ₖ − tolerance)/vₖ: the score of the harm test. */
  readonly score: number;
  /** log of the one-sided mixture martingale for "effect > tolerance". */
  readonly logEvidence: number;
  /** Always-valid one-sided p-value at this look alone (`1/M`). */
  readonly pValue: number;
  /** Two-sided (1 − α) confidence sequence of the effect (harm orientation). */
  readonly interval: { readonly low: number; readonly high: number };
  /** The harm test rejects: the effect is above the tolerance (with error at most α over all looks). */
  readonly harm: boolean;
  /** The interval lies below the tolerance: no harm beyond it (with the same guarantee). */
  readonly safe: boolean;
  /** The fixed-horizon one-sided z-test at the same α on the same data (not valid under peeking). */
  readonly fixedHorizon: { readonly z: number; readonly pValue: number; readonly harm: boolean };
  /** Strata that contributed (both arms with data). */
  readonly strata: number;
}

/**
 * Combines strata and runs the one-sided sequential harm test, its confidence sequence and, for
 * comparison, the fixed-horizon z-test at the same α.
 */
export function compareSequentially(
  effects: readonly (EffectEstimate | undefined)[],
  options: SequentialComparisonOptions,
): SequentialComparison {
  const tolerance = options.tolerance ?? 0;
  let information = 0;
  let weighted = 0;
  let strata = 0;
  for (const effect of effects) {
    if (effect === undefined || !(effect.variance > 0)) continue;
    information += 1 / effect.variance;
    weighted += effect.difference / effect.variance;
    strata++;
  }
  if (strata === 0) {
    return {
      estimate: null,
      information: 0,
      score: 0,
      logEvidence: 0,
      pValue: 1,
      interval: { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY },
      harm: false,
      safe: false,
      fixedHorizon: { z: 0, pValue: 1, harm: false },
      strata: 0,
    };
  }
  const estimate = weighted / information;
  const score = (estimate - tolerance) * information;
  const logEvidence = mixtureLogValue(score, information, options.rho, 1);
  const radius = confidenceSequenceRadius(information, options.rho, options.alpha);
  const z = score / Math.sqrt(information);
  const fixedP = normalUpperTail(z);
  const interval = { low: estimate - radius, high: estimate + radius };
  return {
    estimate,
    information,
    score,
    logEvidence,
    pValue: alwaysValidPValue(logEvidence),
    interval,
    // Equivalent to score ≥ the one-sided boundary: M⁺ is increasing in the score.
    harm: logEvidence >= -Math.log(options.alpha),
    safe: interval.high < tolerance,
    fixedHorizon: { z, pValue: fixedP, harm: z > normalQuantile(1 - options.alpha) },
    strata,
  };
}

/** The one-sided boundary of the harm test at `information`, for reports ("needs S ≥ …"). */
export function harmBoundary(information: number, rho: number, alpha: number): number {
  return mixtureBoundary(information, rho, alpha, 1);
}
