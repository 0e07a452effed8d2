/**
 * The anytime-valid statistics against their published forms and against simulation: Johari et
 * al.'s mSPRT, Howard et al.'s normal-mixture boundaries and choice of ρ (as their own library,
 * confseq, computes them), Ville's inequality on simulated null paths (where a fixed-horizon test
 * peeking at the same looks is shown to fail), the stratified difference of proportions, and
 * Lindon & Malek's sequential sample-ratio test.
 */
import { describe, expect, it } from 'vitest';
import { logGamma } from '../src/experiments/statistics.js';
import {
  compareSequentially,
  confidenceSequenceRadius,
  mixtureBoundary,
  mixtureLogValue,
  msprtLikelihoodRatio,
  normalQuantile,
  optimalMixtureRho,
  sampleRatioLogBayesFactor,
  sequentialSampleRatio,
  stratumEffect,
} from '../src/index.js';
import { Random } from './support/random.js';

describe('normal mixture (Robbins; Howard et al. 2021; Johari et al. 2022)', () => {
  it("equals Johari et al.'s mSPRT statistic in the paper's own form", () => {
    for (const [n, mean, nullMean, variance, mixingVariance] of [
      [10, 0.3, 0, 1, 0.5],
      [1_000, 0.05, 0.01, 2, 0.01],
      [50_000, -0.002, 0, 0.0099, 0.0001],
      [1, 4, 1, 9, 4],
    ] as const) {
      const paper = msprtLikelihoodRatio({ n, mean, nullMean, variance, mixingVariance });
      const ours = Math.exp(
        mixtureLogValue((n * (mean - nullMean)) / variance, n / variance, 1 / mixingVariance, 2),
      );
      expect(ours / paper).toBeCloseTo(1, 10);
    }
  });

  it("has the two-sided boundary of confseq's TwoSidedNormalMixture, where M reaches exactly 1/α", () => {
    for (const [v, rho, alpha] of [
      [100, 10, 0.05],
      [1e6, 3e4, 0.01],
      [0.5, 2, 0.2],
    ] as const) {
      const confseq = Math.sqrt((v + rho) * (Math.log(1 + v / rho) + 2 * Math.log(1 / alpha)));
      const b = mixtureBoundary(v, rho, alpha, 2);
      expect(b / confseq).toBeCloseTo(1, 12);
      expect(mixtureLogValue(b, v, rho, 2)).toBeCloseTo(Math.log(1 / alpha), 10);
      expect(mixtureLogValue(-b, v, rho, 2)).toBeCloseTo(Math.log(1 / alpha), 10);
    }
  });

  it("has the one-sided mixture of confseq's OneSidedNormalMixture, and its boundary below the two-sided one", () => {
    const [s, v, rho] = [12, 100, 7];
    const confseq =
      0.5 * Math.log((4 * rho) / (v + rho)) +
      (s * s) / (2 * (v + rho)) +
      Math.log(0.5 * (1 + erf(s / Math.sqrt(v + rho) / Math.SQRT2)));
    expect(mixtureLogValue(s, v, rho, 1)).toBeCloseTo(confseq, 6);
    const one = mixtureBoundary(v, rho, 0.05, 1);
    expect(mixtureLogValue(one, v, rho, 1)).toBeCloseTo(Math.log(20), 8);
    expect(one).toBeLessThan(mixtureBoundary(v, rho, 0.05, 2));
    // Evidence only for positive effects: a large negative score is no evidence at all.
    expect(mixtureLogValue(-3 * one, v, rho, 1)).toBeLessThan(0);
  });

  it("chooses ρ as confseq's best_rho, within 2% of the numerically tightest boundary", () => {
    for (const [m, alpha] of [
      [1_000, 0.05],
      [1e5, 0.01],
      [50, 0.1],
    ] as const) {
      const rho = optimalMixtureRho(m, alpha, 2);
      expect(rho).toBeCloseTo(m / (2 * Math.log(1 / alpha) + Math.log(1 + 2 * Math.log(1 / alpha))), 8);
      expect(optimalMixtureRho(m, alpha, 1)).toBeCloseTo(optimalMixtureRho(m, 2 * alpha, 2), 8);
      let best = Number.POSITIVE_INFINITY;
      for (let k = -400; k <= 400; k++) best = Math.min(best, mixtureBoundary(m, rho * 1.01 ** k, alpha, 2));
      expect(mixtureBoundary(m, rho, alpha, 2) / best).toBeLessThan(1.02);
    }
  });

  it('refuses what it cannot compute, naming the argument', () => {
    expect(() => mixtureBoundary(-1, 1, 0.05, 2)).toThrow(/information/);
    expect(() => mixtureBoundary(1, 0, 0.05, 2)).toThrow(/rho/);
    expect(() => mixtureBoundary(1, 1, 1.5, 2)).toThrow(/alpha/);
    expect(confidenceSequenceRadius(0, 1, 0.05)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Ville under continuous monitoring (simulated null paths)', () => {
  // 2,000 Gaussian random walks of 1,000 steps, looked at after every step.
  const paths = 2_000;
  const steps = 1_000;
  const alpha = 0.05;
  const rho = optimalMixtureRho(200, alpha, 1);
  const z = normalQuantile(1 - alpha);
  const random = new Random(20260301);
  let sequentialRejections = 0;
  let peekingRejections = 0;
  let onceRejections = 0;
  const boundaries = Array.from({ length: steps }, (_, i) => mixtureBoundary(i + 1, rho, alpha, 1));
  for (let p = 0; p < paths; p++) {
    let s = 0;
    let sequential = false;
    let peeking = false;
    for (let t = 1; t <= steps; t++) {
      s += random.normal();
      if (!sequential && s >= boundaries[t - 1]!) sequential = true;
      if (!peeking && s / Math.sqrt(t) > z) peeking = true;
    }
    if (sequential) sequentialRejections++;
    if (peeking) peekingRejections++;
    if (s / Math.sqrt(steps) > z) onceRejections++;
  }

  it('keeps the rate of paths that ever cross the one-sided boundary at or below α', () => {
    // Binomial(2000, 0.05) has sd 0.0049: at or below α plus two standard errors.
    expect(sequentialRejections / paths).toBeLessThanOrEqual(alpha + 0.01);
  });

  it('while a fixed-horizon z-test peeking at the same 1,000 looks exceeds α several times over', () => {
    expect(onceRejections / paths).toBeGreaterThan(alpha - 0.015); // one look: about α
    expect(onceRejections / paths).toBeLessThan(alpha + 0.015);
    expect(peekingRejections / paths).toBeGreaterThan(4 * alpha);
  });
});

describe(compareSequentially.name, () => {
  it('stratifies: a shared time trend with a changing split is no evidence of harm', () => {
    // Stage 1: 5% treatment, base rate 1%; stage 2: 50% treatment, base rate 5%. No effect in
    // either stage, but pooling the stages would show treatment far worse (it is mostly in stage 2).
    const strata = [
      { control: { units: 19_000, successes: 190 }, treatment: { units: 1_000, successes: 10 } },
      { control: { units: 10_000, successes: 500 }, treatment: { units: 10_000, successes: 500 } },
    ];
    const rho = optimalMixtureRho(1e5, 0.05, 1);
    const stratified = compareSequentially(
      strata.map((s) => stratumEffect('proportion', s, 'increase')),
      { alpha: 0.05, rho },
    );
    expect(stratified.estimate).toBeCloseTo(0, 3);
    expect(stratified.harm).toBe(false);
    const pooled = stratumEffect(
      'proportion',
      { control: { units: 29_000, successes: 690 }, treatment: { units: 11_000, successes: 510 } },
      'increase',
    );
    expect(compareSequentially([pooled], { alpha: 0.05, rho }).harm).toBe(true);
  });

  it('detects error rate 1% → 2%, orients the effect by direction, and reports its interval', () => {
    const stratum = {
      control: { units: 20_000, successes: 200 },
      treatment: { units: 20_000, successes: 400 },
    };
    const rho = optimalMixtureRho(1e4, 0.05, 1);
    const worse = compareSequentially([stratumEffect('proportion', stratum, 'increase')], {
      alpha: 0.05,
      rho,
    });
    expect(worse.harm).toBe(true);
    expect(worse.estimate).toBeCloseTo(0.01, 4);
    expect(worse.interval.low).toBeGreaterThan(0);
    expect(worse.pValue).toBeLessThan(0.05);
    // The same data for a metric whose harm is a decrease (conversions): treatment is better.
    const better = compareSequentially([stratumEffect('proportion', stratum, 'decrease')], {
      alpha: 0.05,
      rho,
    });
    expect(better.harm).toBe(false);
    expect(better.safe).toBe(true);
    // Within a tolerance of 1.5 points the same rise is not harm.
    const tolerated = compareSequentially([stratumEffect('proportion', stratum, 'increase')], {
      alpha: 0.05,
      rho,
      tolerance: 0.015,
    });
    expect(tolerated.harm).toBe(false);
  });

  it('compares means from sums and sums of squares (latency)', () => {
    const random = new Random(7);
    const arm = (n: number, mean: number) => {
      let sum = 0;
      let sumSquares = 0;
      for (let i = 0; i < n; i++) {
        const x = mean + 20 * random.normal();
        sum += x;
        sumSquares += x * x;
      }
      return { count: n, sum, sumSquares };
    };
    const rho = optimalMixtureRho(1 / ((400 + 400) / 2_000), 0.05, 1);
    const slower = compareSequentially(
      [stratumEffect('mean', { control: arm(5_000, 100), treatment: arm(5_000, 104) }, 'increase')],
      { alpha: 0.05, rho },
    );
    expect(slower.estimate).toBeGreaterThan(2.5);
    expect(slower.harm).toBe(true);
    expect(
      stratumEffect('mean', { control: arm(1, 100), treatment: arm(10, 100) }, 'increase'),
    ).toBeUndefined();
  });

  it('keeps false harm at or below α on Bernoulli data looked at 100 times (2 strata, rare events)', () => {
    const random = new Random(99);
    const alpha = 0.05;
    const rho = optimalMixtureRho(1 / (0.0099 / 500 + 0.0099 / 9_500), alpha, 1);
    let falseHarm = 0;
    let peeking = 0;
    const runs = 500;
    for (let run = 0; run < runs; run++) {
      const strata = [
        { control: { units: 0, successes: 0 }, treatment: { units: 0, successes: 0 } },
        { control: { units: 0, successes: 0 }, treatment: { units: 0, successes: 0 } },
      ];
      let harmed = false;
      let peeked = false;
      for (let look = 0; look < 100; look++) {
        const s = look < 50 ? 0 : 1;
        const share = s === 0 ? 0.05 : 0.25;
        const rate = s === 0 ? 0.01 : 0.012;
        const arrivals = 400;
        const treated = random.binomial(arrivals, share);
        const stratum = strata[s]!;
        stratum.treatment = {
          units: stratum.treatment.units + treated,
          successes: stratum.treatment.successes + random.binomial(treated, rate),
        };
        stratum.control = {
          units: stratum.control.units + arrivals - treated,
          successes: stratum.control.successes + random.binomial(arrivals - treated, rate),
        };
        if (stratum.treatment.units < 100) continue;
        const result = compareSequentially(
          strata.map((x) => stratumEffect('proportion', x, 'increase')),
          { alpha, rho },
        );
        harmed ||= result.harm;
        peeked ||= result.fixedHorizon.harm;
      }
      if (harmed) falseHarm++;
      if (peeked) peeking++;
    }
    expect(falseHarm / runs).toBeLessThanOrEqual(alpha);
    expect(peeking / runs).toBeGreaterThan(2 * alpha);
  });
});

describe('sequential sample-ratio test (Lindon & Malek 2022)', () => {
  it('is the Dirichlet-multinomial Bayes factor: for two arms, the beta-binomial marginal over the binomial', () => {
    // Two arms: BF = B(a1 + x1, a2 + x2) / B(a1, a2) / (p1^x1 p2^x2), B the beta function.
    const [x1, x2, p1, concentration] = [37, 63, 0.3, 10];
    const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);
    const expected =
      logBeta(concentration * p1 + x1, concentration * (1 - p1) + x2) -
      logBeta(concentration * p1, concentration * (1 - p1)) -
      x1 * Math.log(p1) -
      x2 * Math.log(1 - p1);
    expect(sampleRatioLogBayesFactor({ counts: [x1, x2], expected: [3, 7] }, concentration)).toBeCloseTo(
      expected,
      9,
    );
    expect(sampleRatioLogBayesFactor({ counts: [0, 5], expected: [0, 1] })).toBe(0);
    expect(sampleRatioLogBayesFactor({ counts: [1, 5], expected: [0, 1] })).toBe(Number.POSITIVE_INFINITY);
  });

  it('stays below its threshold on correct splits looked at 100 times, and catches a 48/52 split', () => {
    const random = new Random(5);
    let falseAlarms = 0;
    for (let run = 0; run < 400; run++) {
      let a = 0;
      let b = 0;
      for (let look = 0; look < 100; look++) {
        const n = 200;
        const x = random.binomial(n, 0.5);
        a += x;
        b += n - x;
        if (sequentialSampleRatio([{ counts: [a, b], expected: [1, 1] }], { threshold: 0.05 }).mismatch) {
          falseAlarms++;
          break;
        }
      }
    }
    expect(falseAlarms / 400).toBeLessThanOrEqual(0.05);
    const skewed = sequentialSampleRatio([{ counts: [48_000, 52_000], expected: [50, 50] }]);
    expect(skewed.mismatch).toBe(true);
    expect(skewed.pValue).toBeLessThan(1e-6);
  });
});

describe(normalQuantile.name, () => {
  it('inverts the normal distribution at reference points', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 7);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(() => normalQuantile(2)).toThrow(RangeError);
  });
});

/** erf by its Maclaurin series (|x| ≤ 3 here), independent of the erfc approximation under test. */
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
