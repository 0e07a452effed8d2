/**
 * Anytime-valid inference: statistics that stay honest however often someone looks. Every
 * function here is a closed form of one test martingale, the normal mixture of likelihood ratios
 * (Robbins 1970), written in "score / information" form: a statistic `S` (an estimate times its
 * information, e.g. `(mean - θ₀) · n/σ²`) whose variance under the null is the information `I`.
 *
 * Under the null, `M_t = ∫ exp(λ S_t − λ² I_t / 2) dF(λ)` is a nonnegative martingale with
 * `M_0 = 1`, so Ville's inequality gives `P(∃t: M_t ≥ 1/α) ≤ α`: a test that rejects the first
 * time `M_t ≥ 1/α` has type-I error at most α *whenever and however often it is evaluated*,
 * and `1 / max_{s≤t} M_s` is an always-valid p-value. With a normal mixing distribution
 * `λ ~ N(0, 1/ρ)` (two-sided) or its half on `λ ≥ 0` (one-sided), the integral is closed-form:
 *
 * - two-sided: `M = sqrt(ρ/(I+ρ)) · exp(S² / (2(I+ρ)))`;
 * - one-sided: `M⁺ = 2 sqrt(ρ/(I+ρ)) · exp(S² / (2(I+ρ))) · Φ(S / sqrt(I+ρ))`.
 *
 * References (the tests check these formulas against each publication's own form):
 * - S. R. Howard, A. Ramdas, J. McAuliffe, J. Sekhon (2021), "Time-uniform, nonparametric,
 *   nonasymptotic confidence sequences", Annals of Statistics 49(2): the two-sided normal-mixture
 *   boundary `sqrt((V+ρ) log((V+ρ)/(ρα²)))`, the one-sided mixture, and the choice of ρ that
 *   makes the boundary tightest at intrinsic time `m`, `ρ = m / (2 log(1/α) + log(1 + 2 log(1/α)))`
 *   (for the one-sided mixture: the same with 2α), exactly as the authors' own library computes
 *   them (confseq, `uniform_boundaries.h`: `TwoSidedNormalMixture`, `OneSidedNormalMixture`,
 *   `best_rho`).
 * - R. Johari, P. Koomen, L. Pekelis, D. Walsh (2022), "Always valid inference: continuous
 *   monitoring of A/B tests", Operations Research 70(3): the mSPRT for normal data with mixing
 *   distribution `N(θ₀, τ²)`, `Λ_n = sqrt(σ²/(σ²+nτ²)) exp(n²τ²(x̄−θ₀)² / (2σ²(σ²+nτ²)))`,
 *   which is the two-sided form above with `S = n(x̄−θ₀)/σ²`, `I = n/σ²`, `ρ = 1/τ²`.
 * - I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy, A. Ramdas (2024), "Time-uniform central
 *   limit theory and asymptotic confidence sequences", Annals of Statistics: the same boundary
 *   with a plug-in variance is an *asymptotic* confidence sequence, which is what the
 *   difference-of-proportions and difference-of-means tests in `two-sample.ts` use.
 */
import { normalUpperTail } from './statistics.js';

/** log Φ(x), accurate far into the lower tail (where Φ underflows to 0 only beyond x ≈ −38). */
function logNormalCdf(x: number): number {
  const tail = normalUpperTail(-x);
  return tail > 0 ? Math.log(tail) : Number.NEGATIVE_INFINITY;
}

function checkMixture(information: number, rho: number): void {
  if (!(information >= 0) || !Number.isFinite(information))
    throw new RangeError(`information must be a finite number >= 0, got ${information}`);
  if (!(rho > 0) || !Number.isFinite(rho))
    throw new RangeError(`rho must be a finite number > 0, got ${rho}`);
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

/**
 * log M of the normal-mixture martingale at score `score` and information `information`, with
 * mixing precision `rho` (the mixing distribution of the effect is `N(0, 1/rho)`).
 * @param sides `2`: symmetric mixture, evidence against the null in either direction; `1`: the
 *   half-normal mixture on positive effects, evidence that the effect is above the null only.
 */
export function mixtureLogValue(score: number, information: number, rho: number, sides: 1 | 2): number {
  checkMixture(information, rho);
  const total = information + rho;
  const base = 0.5 * Math.log(rho / total) + (score * score) / (2 * total);
  return sides === 2 ? base : Math.LN2 + base + logNormalCdf(score / Math.sqrt(total));
}

/**
 * The score at which the mixture reaches `1/alpha` at information `information`: the boundary a
 * sequential test crosses to reject. Two-sided: `sqrt((I+ρ) log((I+ρ)/(ρα²)))` (Howard et al.
 * eq. 14, crossed by `|S|`); one-sided: the root of `M⁺(S) = 1/α`, found by bisection (`M⁺` is
 * increasing in `S`, and the root lies below the two-sided boundary).
 */
export function mixtureBoundary(information: number, rho: number, alpha: number, sides: 1 | 2): number {
  checkMixture(information, rho);
  checkAlpha(alpha);
  const total = information + rho;
  const twoSided = Math.sqrt(total * Math.log(total / (rho * alpha * alpha)));
  if (sides === 2) return twoSided;
  const target = -Math.log(alpha);
  let low = 0;
  let high = twoSided;
  for (let i = 0; i < 80; i++) {
    const mid = (low + high) / 2;
    if (mixtureLogValue(mid, information, rho, 1) >= target) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * The mixing precision ρ that makes the boundary (nearly) tightest at information
 * `targetInformation`: `m / (2 log(1/α) + log(1 + 2 log(1/α)))` for the two-sided mixture, the
 * same with 2α for the one-sided one (Howard et al. 2021; confseq's `best_rho`), a closed-form
 * approximation of the exact minimiser that the tests compare with a numerical search.
 */
export function optimalMixtureRho(targetInformation: number, alpha: number, sides: 1 | 2 = 2): number {
  checkAlpha(alpha);
  if (!(targetInformation > 0) || !Number.isFinite(targetInformation))
    throw new RangeError(`targetInformation must be a finite number > 0, got ${targetInformation}`);
  const l = 2 * Math.log(1 / (sides === 1 ? Math.min(2 * alpha, 0.999) : alpha));
  return targetInformation / (l + Math.log(1 + l));
}

/**
 * Johari et al.'s mSPRT statistic for the mean of normal data with known variance `variance`
 * (σ²), null mean `nullMean` (θ₀) and mixing distribution `N(θ₀, mixingVariance)` (τ²), after
 * `n` observations with mean `mean`, in the paper's own form. Equal to
 * `exp(mixtureLogValue(n(x̄−θ₀)/σ², n/σ², 1/τ², 2))`.
 */
export function msprtLikelihoodRatio(input: {
  n: number;
  mean: number;
  nullMean: number;
  variance: number;
  mixingVariance: number;
}): number {
  const { n, mean, nullMean, variance: s2, mixingVariance: t2 } = input;
  const d = mean - nullMean;
  return Math.sqrt(s2 / (s2 + n * t2)) * Math.exp((n * n * t2 * d * d) / (2 * s2 * (s2 + n * t2)));
}

/**
 * Half-width of the two-sided (1 − α) confidence sequence for the effect, in the effect's units:
 * `boundary / I` (the set of nulls the two-sided test does not reject). Infinite without
 * information.
 */
export function confidenceSequenceRadius(information: number, rho: number, alpha: number): number {
  if (information === 0) return Number.POSITIVE_INFINITY;
  return mixtureBoundary(information, rho, alpha, 2) / information;
}

/**
 * An always-valid p-value from the running maximum of the mixture: `min(1, 1/max M)`. Pass the
 * largest log M seen at any look so far (`-Infinity` or 0 before the first); with the current
 * look's alone it is still valid, only less sharp.
 */
export function alwaysValidPValue(maxLogMixture: number): number {
  return Math.min(1, Math.exp(-Math.max(0, maxLogMixture)));
}
