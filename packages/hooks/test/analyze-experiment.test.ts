import { describe, expect, it } from 'vitest';
import {
  type ConversionRecord,
  type ExposureRecord,
  analyzeExperiment,
  chiSquareUpperTail,
  normalUpperTail,
  wilsonInterval,
} from '../src/index.js';

/** `exposed` users in `variant`, of whom the first `converted` convert after their exposure. */
function cohort(variant: string, exposed: number, converted: number, prefix = variant) {
  const exposures: ExposureRecord[] = [];
  const conversions: ConversionRecord[] = [];
  for (let i = 0; i < exposed; i++) {
    const targetingKey = `${prefix}-${i}`;
    exposures.push({ flagKey: 'exp', targetingKey, variant, timestamp: 1_000 + i });
    exposures.push({ flagKey: 'exp', targetingKey, variant, timestamp: 5_000 + i }); // repeat exposure: same user
    if (i < converted) {
      conversions.push({ eventName: 'purchase', targetingKey, timestamp: 2_000 + i });
      conversions.push({ eventName: 'purchase', targetingKey, timestamp: 3_000 + i }); // second purchase: same user
    }
  }
  return { exposures, conversions };
}

describe(analyzeExperiment.name, () => {
  // Hand-computed (Python, math module): control 100/1000, treatment 130/1000.
  // Wilson 95%: [0.0829094, 0.1201520] and [0.1105638, 0.1522680];
  // pooled p = 0.115, se = sqrt(0.115·0.885·(2/1000)) = 0.0142671, z = 0.03 / se = 2.1027406, p = 0.0354885.
  const control = cohort('control', 1000, 100);
  const treatment = cohort('treatment', 1000, 130);
  const noise = {
    exposures: [
      { flagKey: 'other-flag', targetingKey: 'control-0', variant: 'x', timestamp: 1 },
      { flagKey: 'exp', targetingKey: 'both', variant: 'control', timestamp: 1 },
      { flagKey: 'exp', targetingKey: 'both', variant: 'treatment', timestamp: 2 },
      { flagKey: 'exp', targetingKey: 'errored', timestamp: 3 }, // no variant: an error exposure
    ],
    conversions: [
      { eventName: 'purchase', targetingKey: 'both', timestamp: 10 },
      { eventName: 'signup', targetingKey: 'control-500', timestamp: 9_000 }, // another metric
      { eventName: 'purchase', targetingKey: 'control-900', timestamp: 10 }, // before its exposure
      { eventName: 'purchase', timestamp: 10 }, // anonymous
    ],
  };
  const result = analyzeExperiment({
    exposures: [...control.exposures, ...treatment.exposures, ...noise.exposures],
    conversions: [...control.conversions, ...treatment.conversions, ...noise.conversions],
    flagKey: 'exp',
    metric: 'purchase',
    control: 'control',
    weights: { control: 50, treatment: 50 },
  });

  it('counts unique exposed and converted users per variant, excluding users seen in several variants', () => {
    expect(result.users).toBe(2000);
    expect(result.usersInSeveralVariants).toBe(1);
    expect(result.variants.map((v) => [v.variant, v.exposedUsers, v.convertedUsers])).toEqual([
      ['control', 1000, 100],
      ['treatment', 1000, 130],
    ]);
  });

  it('gives rates with 95% Wilson intervals, lift and a two-proportion z-test against control', () => {
    const [c, t] = result.variants;
    expect(c!.conversionRate).toBe(0.1);
    expect(c!.ci95.low).toBeCloseTo(0.0829094, 6);
    expect(c!.ci95.high).toBeCloseTo(0.120152, 6);
    expect(c!.pValue).toBeNull();
    expect(t!.conversionRate).toBe(0.13);
    expect(t!.ci95.low).toBeCloseTo(0.1105638, 6);
    expect(t!.ci95.high).toBeCloseTo(0.152268, 6);
    expect(t!.liftVsControl).toBeCloseTo(0.3, 10);
    expect(t!.differenceVsControl).toBeCloseTo(0.03, 10);
    expect(t!.zScore).toBeCloseTo(2.1027406, 5);
    expect(t!.pValue).toBeCloseTo(0.0354885, 5);
  });

  it('passes the sample-ratio check when the split matches the weights', () => {
    expect(result.sampleRatio).toMatchObject({
      chiSquare: 0,
      degreesOfFreedom: 1,
      pValue: 1,
      mismatch: false,
    });
    expect(result.variants.map((v) => v.expectedShare)).toEqual([0.5, 0.5]);
  });

  it('flags a sample-ratio mismatch: 900 vs 1100 on 50/50 gives chi² = 20, p = 7.744e-6', () => {
    const a = cohort('control', 900, 90);
    const b = cohort('treatment', 1100, 110);
    const skewed = analyzeExperiment({
      exposures: [...a.exposures, ...b.exposures],
      conversions: [...a.conversions, ...b.conversions],
      flagKey: 'exp',
      metric: 'purchase',
      control: 'control',
      weights: { control: 1, treatment: 1 },
    });
    expect(skewed.sampleRatio!.chiSquare).toBeCloseTo(20, 10);
    expect(skewed.sampleRatio!.pValue).toBeCloseTo(7.744216e-6, 9);
    expect(skewed.sampleRatio!.mismatch).toBe(true);
    expect(skewed.variants[1]!.pValue).toBeCloseTo(1, 6); // same rate: no difference
  });

  it('handles three variants (df = 2: p = exp(-chi²/2)) and users in an unweighted variant', () => {
    const parts = [cohort('a', 300, 30), cohort('b', 340, 34), cohort('c', 360, 36), cohort('rogue', 5, 0)];
    const three = analyzeExperiment({
      exposures: parts.flatMap((p) => p.exposures),
      conversions: parts.flatMap((p) => p.conversions),
      flagKey: 'exp',
      metric: 'purchase',
      control: 'a',
      weights: { a: 1, b: 1, c: 1 },
    });
    // Over the weighted variants only: expected 333.33 each, chi² = 5.6, p = e^-2.8 = 0.0608101.
    expect(three.sampleRatio!.chiSquare).toBeCloseTo(5.6, 10);
    expect(three.sampleRatio!.pValue).toBeCloseTo(0.0608101, 6);
    expect(three.sampleRatio!.unexpectedVariants).toEqual(['rogue']);
    expect(three.sampleRatio!.mismatch).toBe(true);
    expect(three.variants.map((v) => v.variant)).toEqual(['a', 'b', 'c', 'rogue']);
  });

  it('has no warnings when exposures and conversions join', () => {
    expect(result.warnings).toEqual([]);
  });

  it('warns when exposures have no conversion events at all, and when conversions have no exposures', () => {
    const { exposures, conversions } = cohort('control', 20, 5);
    const withoutConversions = analyzeExperiment({
      exposures,
      conversions: [{ eventName: 'signup', targetingKey: 'control-0', timestamp: 9_000 }],
      flagKey: 'exp',
      metric: 'purchase',
      control: 'control',
    });
    expect(withoutConversions.variants[0]!.convertedUsers).toBe(0);
    expect(withoutConversions.warnings).toEqual([
      expect.stringMatching(/20 exposed users but no "purchase" tracking events/),
    ]);
    const withoutExposures = analyzeExperiment({
      exposures: [{ flagKey: 'other', targetingKey: 'control-0', variant: 'x', timestamp: 1 }],
      conversions,
      flagKey: 'exp',
      metric: 'purchase',
      control: 'control',
    });
    expect(withoutExposures.warnings).toEqual([
      expect.stringMatching(/10 "purchase" tracking events but no exposures of "exp"/),
    ]);
    const unjoined = analyzeExperiment({
      exposures,
      conversions: conversions.map((c) => ({ ...c, targetingKey: `someone-else-${c.targetingKey}` })),
      flagKey: 'exp',
      metric: 'purchase',
      control: 'control',
    });
    expect(unjoined.warnings).toEqual([
      expect.stringMatching(/none of the 10 "purchase" tracking events is from an exposed user/),
    ]);
  });

  it('reports no lift when control has no conversions, and refuses negative weights naming them', () => {
    const a = cohort('control', 10, 0);
    const b = cohort('treatment', 10, 2);
    const r = analyzeExperiment({ ...merge(a, b), flagKey: 'exp', metric: 'purchase', control: 'control' });
    expect(r.variants[1]!.liftVsControl).toBeNull();
    expect(r.sampleRatio).toBeNull();
    expect(() =>
      analyzeExperiment({
        ...merge(a, b),
        flagKey: 'exp',
        metric: 'purchase',
        control: 'control',
        weights: { treatment: -1 },
      }),
    ).toThrow(/weights\.treatment/);
  });
});

function merge(...parts: { exposures: ExposureRecord[]; conversions: ConversionRecord[] }[]) {
  return { exposures: parts.flatMap((p) => p.exposures), conversions: parts.flatMap((p) => p.conversions) };
}

describe('statistics', () => {
  it('matches reference values of the normal and chi-square tails', () => {
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1)).toBeCloseTo(0.8413447, 6);
    expect(chiSquareUpperTail(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareUpperTail(18.307038, 10)).toBeCloseTo(0.05, 6);
    expect(chiSquareUpperTail(1.386294, 2)).toBeCloseTo(0.5, 6);
    expect(wilsonInterval(0, 10).low).toBe(0);
  });
});
