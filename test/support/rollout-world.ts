/**
 * A world for driving the real `RolloutController` on an injected clock: a `MemoryFlagStore`
 * with one percentage-split flag, a `MemoryServerState` on the same clock (so leases expire by
 * it), and synthetic traffic written into the metric aggregates exactly as `MetricsAggregator`s
 * lay them out, drawn from a seeded generator with the true rates of each variant. The traffic
 * follows what the controller wrote: the flag's current split decides each arm's share, and its
 * `metricsCohort` the record the units land in.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { COHORT_METADATA, METRIC_RECORDS, counterName, metricsNamespace } from '@ensign/hooks';
import { RolloutController, type RolloutControllerOptions, type RolloutNotification } from '@ensign/rollouts';
import { MemoryServerState } from '@ensign/server';
import { type FlagStore, MemoryFlagStore, rolloutWeightsOf } from '@ensign/store';
import { Random } from '../../packages/hooks/test/support/random.js';

/** The flag every world starts with: `on` at 0%, `off` at 100%. */
export function splitFlag(
  weights: [string, number][] = [
    ['on', 0],
    ['off', 100],
  ],
): FlagDefinition {
  return {
    state: 'ENABLED',
    variants: { on: true, off: false, beta: true },
    defaultVariant: 'off',
    targeting: { fractional: weights },
  };
}

export const SET = 'shop';
export const FLAG = 'checkout';
export const MINUTE = 60_000;
export const quiet = { error() {}, warn() {}, info() {}, debug() {} };

/** True per-unit probabilities of each metric, per variant. */
export type Rates = Readonly<Record<string, Readonly<Record<string, number>>>>;

export class RolloutWorld {
  now = Date.parse('2026-03-02T09:00:00Z');
  readonly clock = () => this.now;
  readonly store: MemoryFlagStore;
  readonly state: MemoryServerState;
  readonly random: Random;
  readonly events: RolloutNotification[] = [];

  constructor(seed: number, document?: FlagSetDocument) {
    this.random = new Random(seed);
    this.store = new MemoryFlagStore({
      flagSets: { [SET]: document ?? { flags: { [FLAG]: splitFlag(), other: splitFlag() } } },
    });
    this.state = new MemoryServerState({ now: this.clock });
  }

  /** A controller on this world's clock (its lease lasts 5 simulated minutes). */
  controller(owner: string, options: Partial<RolloutControllerOptions> = {}): RolloutController {
    return new RolloutController({
      store: this.store,
      state: this.state,
      now: this.clock,
      owner,
      leaseTtlMs: 5 * MINUTE,
      intervalMs: MINUTE,
      logger: quiet,
      onEvent: (event) => this.events.push(event),
      ...options,
    });
  }

  private cached: { version: number; flag: FlagDefinition } | undefined;

  /** The flag as stored now (read again only when the set's version moved). */
  async flag(): Promise<FlagDefinition> {
    const version = await this.store.version(SET);
    if (this.cached?.version !== version)
      this.cached = { version, flag: (await this.store.load(SET)).document.flags[FLAG] as FlagDefinition };
    return this.cached.flag;
  }

  /**
   * `units` new exposure units arrive: each gets the released or the replaced variant as the
   * flag's split says now, and each metric with its arm's probability. Written as one increment
   * of the flag's units record in its current cohort, plus the set's event counts.
   */
  async traffic(units: number, rates: Rates, release = 'on', replace = 'off'): Promise<void> {
    const flag = await this.flag();
    const weights = rolloutWeightsOf(flag) ?? {};
    const pool = (weights[release] ?? 0) + (weights[replace] ?? 0);
    const share = pool > 0 ? (weights[release] ?? 0) / pool : 0;
    const cohortValue = flag.metadata?.[COHORT_METADATA];
    const cohort = cohortValue === undefined ? '' : String(cohortValue);
    const released = this.random.binomial(units, share);
    const counters: Record<string, number> = {};
    const events: Record<string, number> = {};
    for (const [variant, n] of [
      [release, released],
      [replace, units - released],
    ] as const) {
      if (n === 0) continue;
      counters[counterName('x', variant)] = n;
      for (const [metric, p] of Object.entries(rates[variant] ?? {})) {
        const hits = this.random.binomial(n, p);
        if (hits === 0) continue;
        counters[counterName('u', metric, variant)] = hits;
        counters[counterName('n', metric, variant)] = hits;
        events[counterName('t', metric)] = (events[counterName('t', metric)] ?? 0) + hits;
      }
    }
    const ns = metricsNamespace(SET);
    await this.state.increment(ns, METRIC_RECORDS.units(FLAG, cohort), counters);
    if (Object.keys(events).length > 0) await this.state.increment(ns, METRIC_RECORDS.events, events);
  }

  /** The flag's audit entries written by `actor`, oldest first. */
  async writesBy(actor: string): Promise<Awaited<ReturnType<FlagStore['history']>>> {
    return (await this.store.history(SET, { flagKey: FLAG, limit: 1000 }))
      .filter((e) => e.actor === actor)
      .reverse();
  }
}

/** A plan in the shape the API takes. */
export function plan(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'checkout-v2',
    flagKey: FLAG,
    release: 'on',
    replace: 'off',
    stages: [
      { percent: 5, minDuration: '30m', minUnitsPerArm: 200 },
      { percent: 25, minDuration: '30m', minUnitsPerArm: 500 },
      { percent: 50, minDuration: '30m', minUnitsPerArm: 500 },
      { percent: 100, minDuration: '0m', minUnitsPerArm: 0 },
    ],
    guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase' }],
    ...overrides,
  };
}
