/**
 * A sample-ratio-mismatch (SRM) test that may be run at every look: M. Lindon, A. Malek (2022),
 * "Anytime-valid inference for multinomial count data", NeurIPS. The units per arm are
 * multinomial with the shares the weights call for (`p`) when assignment works; the Bayes factor
 * of a Dirichlet(`a`) mixture against that null,
 *
 *     BF = [B(a + x) / B(a)] / Πᵢ pᵢ^xᵢ,   B(a) = Πᵢ Γ(aᵢ) / Γ(Σᵢ aᵢ),
 *
 * is a test martingale under the null, so rejecting when `BF ≥ 1/α` has error at most α over all
 * looks. Strata with different expected shares (a rollout's stages) multiply their factors
 * (log factors add), each stratum being a martingale on its own data. The prior is centred on
 * the expected shares: `aᵢ = concentration · pᵢ`.
 */
import { logGamma } from './statistics.js';

/** One stratum: the units observed per arm and the shares expected (any positive scale). */
export interface SampleRatioStratum {
  readonly counts: readonly number[];
  readonly expected: readonly number[];
}

/** Options of {@link sequentialSampleRatio}. */
export interface SampleRatioOptions {
  /** Mismatch when the always-valid p-value is below this. @default 0.001 */
  readonly threshold?: number;
  /** Prior concentration (Σ aᵢ); larger detects small mismatches sooner, large ones later. @default 100 */
  readonly concentration?: number;
}

/** The result of the sequential SRM test. */
export interface SequentialSampleRatio {
  /** Σ over strata of log BF. */
  readonly logBayesFactor: number;
  /** Always-valid p-value, `min(1, 1/BF)`. */
  readonly pValue: number;
  readonly threshold: number;
  readonly mismatch: boolean;
}

/** log of the Dirichlet-multinomial Bayes factor of one stratum. */
export function sampleRatioLogBayesFactor(stratum: SampleRatioStratum, concentration = 100): number {
  const { counts, expected } = stratum;
  if (counts.length !== expected.length || counts.length < 2)
    throw new RangeError('sampleRatioLogBayesFactor: counts and expected need the same length, at least 2');
  const total = expected.reduce((a, b) => a + b, 0);
  if (!(total > 0))
    throw new RangeError('sampleRatioLogBayesFactor: expected shares must add up to more than 0');
  let n = 0;
  let log = 0;
  let prior = 0;
  for (let i = 0; i < counts.length; i++) {
    const x = counts[i]!;
    const p = expected[i]! / total;
    if (!(x >= 0) || !(p >= 0))
      throw new RangeError('sampleRatioLogBayesFactor: counts and shares must be >= 0');
    if (p === 0) {
      // An arm that should get nothing: any unit there is proof of a mismatch.
      if (x > 0) return Number.POSITIVE_INFINITY;
      continue;
    }
    const a = concentration * p;
    prior += a;
    n += x;
    log += logGamma(a + x) - logGamma(a) - x * Math.log(p);
  }
  return log + logGamma(prior) - logGamma(prior + n);
}

/** Runs the test over every stratum. */
export function sequentialSampleRatio(
  strata: readonly SampleRatioStratum[],
  options: SampleRatioOptions = {},
): SequentialSampleRatio {
  const threshold = options.threshold ?? 0.001;
  const concentration = options.concentration ?? 100;
  let logBayesFactor = 0;
  for (const stratum of strata) logBayesFactor += sampleRatioLogBayesFactor(stratum, concentration);
  const pValue = Math.min(1, Math.exp(-logBayesFactor));
  return { logBayesFactor, pValue, threshold, mismatch: pValue < threshold };
}
