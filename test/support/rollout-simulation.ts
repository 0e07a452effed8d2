/**
 * Simulated rollouts: each one a fresh world (store, state, clock), the real controller ticking
 * once per simulated minute over synthetic traffic, until the plan ends. Used by the simulation
 * test (false rollbacks under no true difference, detection of a true regression) and by the
 * benchmark (detection time against a fixed-horizon design).
 */
import { type RolloutRecord, rolloutsNamespace, startRollout } from '@ensign/rollouts';
import { MINUTE, type Rates, RolloutWorld, SET, plan } from './rollout-world.js';

/** What one simulated rollout did. */
export interface SimulatedRollout {
  readonly status: RolloutRecord['status'];
  /** Controller looks (ticks) made. */
  readonly looks: number;
  /** Exposure units (both arms) when it ended. */
  readonly units: number;
  /** Units of the released arm when it ended. */
  readonly releaseUnits: number;
  /** Whether a fixed-horizon one-sided z-test at the same per-guardrail α would have fired at any look. */
  readonly fixedHorizonFired: boolean;
  /** Whether the plan paused (sample-ratio mismatch, missing data). */
  readonly paused: boolean;
}

/** The plan the simulations run: three stages of 35 minutes, then 100%. */
export function simulationPlan(guardrails: unknown[], alpha = 0.05): Record<string, unknown> {
  return plan({
    alpha,
    stages: [
      { percent: 5, minDuration: '35m', minUnitsPerArm: 0 },
      { percent: 25, minDuration: '35m', minUnitsPerArm: 0 },
      { percent: 50, minDuration: '35m', minUnitsPerArm: 0 },
      { percent: 100, minDuration: '0m', minUnitsPerArm: 0 },
    ],
    guardrails,
  });
}

/** Runs one rollout to its end (or `maxLooks`) with `unitsPerLook` new units a minute. */
export async function simulateRollout(
  seed: number,
  body: Record<string, unknown>,
  rates: Rates,
  unitsPerLook: number,
  maxLooks = 200,
): Promise<SimulatedRollout> {
  const world = new RolloutWorld(seed);
  const context = { store: world.store, state: world.state, now: world.clock };
  const view = await startRollout(context, SET, body, { actor: 'simulation' });
  const guardrails = view.record.spec.guardrails.filter((g) => g.sequential).length;
  const alpha = view.record.spec.alpha / Math.max(1, guardrails);
  const controller = world.controller('ctl');
  let looks = 0;
  let fired = false;
  let record = view.record;
  while (looks < maxLooks) {
    await world.traffic(unitsPerLook, rates);
    await controller.tick();
    looks++;
    world.now += MINUTE;
    record = (await world.state.get<RolloutRecord>(rolloutsNamespace(SET), 'checkout-v2'))!.value;
    for (const report of record.lastReport?.guardrails ?? [])
      if (report.fixedHorizonP !== null && report.fixedHorizonP < alpha) fired = true;
    if (record.status !== 'running') break;
  }
  let units = 0;
  let releaseUnits = 0;
  for (const report of record.lastReport?.guardrails.slice(0, 1) ?? []) {
    units = report.release.n + report.replace.n;
    releaseUnits = report.release.n;
  }
  return {
    status: record.status,
    looks,
    units,
    releaseUnits,
    fixedHorizonFired: fired,
    paused: record.events.some((e) => e.action === 'paused'),
  };
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
