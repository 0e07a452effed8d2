/**
 * Simulation, no true difference: 1,000 rollouts of a release whose error rate (1%) and
 * conversion rate (10%) equal the replaced variant's, each driven by the real controller and
 * looked at once per simulated minute through three 35-minute stages (over 100 looks each). The
 * controller's anytime-valid tests must roll back at most α = 5% of them; a fixed-horizon test at
 * the same per-guardrail α, looking at the same data at the same looks, is shown to fire far more
 * often. Seeded: the figures are the same on every run.
 */
import { describe, expect, it } from 'vitest';
import { simulateRollout, simulationPlan } from './support/rollout-simulation.js';

const ROLLOUTS = 1_000;
const ALPHA = 0.05;

describe('simulated rollouts with no true difference', () => {
  it(`roll back at most α of ${ROLLOUTS} rollouts looked at 100+ times, where fixed-horizon peeking would exceed α`, async () => {
    const guardrails = [
      { metric: 'error', kind: 'proportion', direction: 'increase' },
      { metric: 'purchase', kind: 'proportion', direction: 'decrease' },
    ];
    const rates = { on: { error: 0.01, purchase: 0.1 }, off: { error: 0.01, purchase: 0.1 } };
    let rolledBack = 0;
    let fixedHorizon = 0;
    let paused = 0;
    let minLooks = Number.POSITIVE_INFINITY;
    for (let seed = 0; seed < ROLLOUTS; seed++) {
      const result = await simulateRollout(10_000 + seed, simulationPlan(guardrails, ALPHA), rates, 400);
      if (result.status === 'rolled-back') rolledBack++;
      else minLooks = Math.min(minLooks, result.looks);
      if (result.fixedHorizonFired) fixedHorizon++;
      if (result.paused) paused++;
    }
    const rate = rolledBack / ROLLOUTS;
    const peeking = fixedHorizon / ROLLOUTS;
    console.log(
      `null simulation: ${ROLLOUTS} rollouts, α = ${ALPHA}: false rollbacks ${rolledBack} (${(100 * rate).toFixed(1)}%), ` +
        `fixed-horizon test peeking at the same looks would have fired in ${fixedHorizon} (${(100 * peeking).toFixed(1)}%), ` +
        `paused ${paused}; every rollout that was not rolled back was looked at ${minLooks}+ times`,
    );
    expect(minLooks).toBeGreaterThanOrEqual(100);
    expect(rate).toBeLessThanOrEqual(ALPHA);
    expect(peeking).toBeGreaterThan(2 * ALPHA);
    // Sample-ratio pauses at p < 0.001 per plan: a correct split should (almost) never pause.
    expect(paused).toBeLessThanOrEqual(5);
  }, 600_000);
});
