/**
 * Simulation, a true regression: the released variant's error rate is 2% against the replaced
 * variant's 1%. The real controller must roll the release back in (nearly) every rollout, before
 * it reaches 100%; the median number of exposed units until detection is reported.
 */
import { describe, expect, it } from 'vitest';
import { median, simulateRollout, simulationPlan } from './support/rollout-simulation.js';

const ROLLOUTS = 200;

describe('simulated rollouts with a true regression (error 1% → 2%)', () => {
  it('are rolled back, and report the median exposed units until detection', async () => {
    const guardrails = [{ metric: 'error', kind: 'proportion', direction: 'increase' }];
    const rates = { on: { error: 0.02 }, off: { error: 0.01 } };
    const units: number[] = [];
    const releaseUnits: number[] = [];
    const stageOf: number[] = [0, 0, 0];
    let completed = 0;
    for (let seed = 0; seed < ROLLOUTS; seed++) {
      const result = await simulateRollout(20_000 + seed, simulationPlan(guardrails), rates, 400);
      if (result.status === 'rolled-back') {
        units.push(result.units);
        releaseUnits.push(result.releaseUnits);
        stageOf[Math.min(2, Math.floor((result.looks - 1) / 35))]!++;
      } else if (result.status === 'completed') completed++;
    }
    console.log(
      `harm simulation: ${ROLLOUTS} rollouts, error 1% → 2%: rolled back ${units.length}, completed ${completed}; ` +
        `median exposed units until detection ${median(units)} (released arm ${median(releaseUnits)}); ` +
        `detected at 5% / 25% / 50%: ${stageOf.join(' / ')}`,
    );
    expect(units.length / ROLLOUTS).toBeGreaterThanOrEqual(0.95);
    expect(completed).toBeLessThanOrEqual(ROLLOUTS * 0.05);
  }, 600_000);
});
