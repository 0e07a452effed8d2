import { describe, expect, it } from 'vitest';
import {
  type ConversionRecord,
  type ExposureRecord,
  analyzeExperiment,
  mixtureLogValue,
  optimalMixtureRho,
} from '../src/index.js';

/** `n` users of `variant`, the first `converted` of whom convert after their exposure. */
function users(variant: string, n: number, converted: number) {
  const exposures: ExposureRecord[] = [];
  const conversions: ConversionRecord[] = [];
  for (let i = 0; i < n; i++) {
    exposures.push({ flagKey: 'exp', targetingKey: `${variant}-${i}`, variant, timestamp: 10 });
    if (i < converted)
      conversions.push({ eventName: 'purchase', targetingKey: `${variant}-${i}`, timestamp: 20 });
  }
  return { exposures, conversions };
}

describe('analyzeExperiment from aggregates', () => {
  const a = users('control', 5_000, 500);
  const b = users('treatment', 5_000, 580);
  const options = {
    flagKey: 'exp',
    metric: 'purchase',
    control: 'control',
    weights: { control: 1, treatment: 1 },
  };
  const fromEvents = analyzeExperiment({
    ...options,
    exposures: [...a.exposures, ...b.exposures],
    conversions: [...a.conversions, ...b.conversions],
  });
  const fromAggregates = analyzeExperiment({
    ...options,
    aggregates: [
      { variant: 'control', units: 5_000, converted: 500 },
      { variant: 'treatment', units: 5_000, converted: 580 },
    ],
  });

  it('gives the same figures as the events they were counted from', () => {
    const { method: m1, ...events } = fromEvents;
    const { method: m2, ...aggregates } = fromAggregates;
    expect(aggregates).toEqual(events);
    expect([m1.source, m2.source]).toEqual(['events', 'aggregates']);
  });

  it('reports an always-valid p-value (the normal mixture at the tuned ρ) beside the fixed-horizon one', () => {
    const t = fromAggregates.variants[1]!;
    expect(t.pValue).toBeLessThan(0.05); // fixed horizon: 11.6% vs 10%, z ≈ 2.6
    // Recomputed by hand: smoothed per-unit variances, information, ρ tuned for 10,000 per arm.
    const v = (x: number, n: number) => ((x + 0.5) / (n + 1)) * (1 - (x + 0.5) / (n + 1));
    const information = 1 / (v(580, 5000) / 5000 + v(500, 5000) / 5000);
    const rho = optimalMixtureRho(1 / ((v(580, 5000) + v(500, 5000)) / 10_000), 0.05, 2);
    const expected = Math.min(1, Math.exp(-mixtureLogValue(0.016 * information, information, rho, 2)));
    expect(t.alwaysValid!.pValue).toBeCloseTo(expected, 10);
    // Valid under any number of looks, so never smaller than the one-look p-value here.
    expect(t.alwaysValid!.pValue).toBeGreaterThan(t.pValue!);
    expect(t.alwaysValid!.differenceInterval.low).toBeLessThan(0.016);
    expect(t.alwaysValid!.differenceInterval.high).toBeGreaterThan(0.016);
    expect(fromAggregates.variants[0]!.alwaysValid).toBeNull();
    expect(fromAggregates.sampleRatio).toMatchObject({ mismatch: false, alwaysValidPValue: 1 });
  });

  it('refuses aggregates with more converted than units, and warns when no metric event was seen', () => {
    expect(() =>
      analyzeExperiment({ ...options, aggregates: [{ variant: 'control', units: 5, converted: 6 }] }),
    ).toThrow(/0 <= converted <= units/);
    const silent = analyzeExperiment({
      ...options,
      aggregates: [{ variant: 'control', units: 100, converted: 0, events: 0 }],
      metricEventsInSet: 0,
    });
    expect(silent.warnings).toEqual([
      expect.stringMatching(/100 exposed users but no "purchase" tracking events/),
    ]);
  });
});
