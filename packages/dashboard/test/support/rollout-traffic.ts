/**
 * A guarded rollout driven for a test: the real `RolloutController` on an injected clock, ticked
 * by hand, against the server's own store and state, with traffic written into the metric
 * aggregates as `MetricsAggregator`s lay them out. Every controller step is an ordinary audited
 * flag write, so the server's live feed pushes it to the dashboard like any other change.
 */
import type { FlagDefinition } from '@ensign/core';
import { COHORT_METADATA, METRIC_RECORDS, counterName, metricsNamespace } from '@ensign/hooks';
import { RolloutController } from '@ensign/rollouts';
import { rolloutWeightsOf } from '@ensign/store';
import type { Stack } from './stack.js';
import { quiet } from './stack.js';

/** A controller whose clock the test moves. */
export class DrivenRollouts {
  now = Date.now();
  readonly controller: RolloutController;

  constructor(private readonly stack: Stack) {
    this.controller = new RolloutController({
      store: stack.store,
      state: stack.state,
      owner: 'dashboard-test',
      now: () => this.now,
      // Ticked by hand; the lease (on the state's own clock) outlives the test.
      intervalMs: 1_000,
      leaseTtlMs: 600_000,
      logger: quiet,
    });
  }

  /** `units` new units of `flagKey` split as the flag says now, with each arm's error rate. */
  async traffic(
    flagSet: string,
    flagKey: string,
    units: number,
    errorRate: Readonly<Record<string, number>>,
    release = 'on',
    replace = 'off',
  ): Promise<void> {
    const flag = (await this.stack.store.load(flagSet)).document.flags[flagKey] as FlagDefinition;
    const weights = rolloutWeightsOf(flag) ?? {};
    const pool = (weights[release] ?? 0) + (weights[replace] ?? 0);
    const released = pool > 0 ? Math.round((units * (weights[release] ?? 0)) / pool) : 0;
    const cohort =
      flag.metadata?.[COHORT_METADATA] === undefined ? '' : String(flag.metadata[COHORT_METADATA]);
    const counters: Record<string, number> = {};
    let errors = 0;
    for (const [variant, n] of [
      [release, released],
      [replace, units - released],
    ] as const) {
      if (n === 0) continue;
      counters[counterName('x', variant)] = n;
      const hits = Math.round(n * (errorRate[variant] ?? 0));
      if (hits > 0) {
        counters[counterName('u', 'error', variant)] = hits;
        counters[counterName('n', 'error', variant)] = hits;
        errors += hits;
      }
    }
    const ns = metricsNamespace(flagSet);
    await this.stack.state.increment(ns, METRIC_RECORDS.units(flagKey, cohort), counters);
    if (errors > 0)
      await this.stack.state.increment(ns, METRIC_RECORDS.events, { [counterName('t', 'error')]: errors });
  }

  /** Moves the clock by `ms` and lets the controller look. */
  async tick(ms = 5 * 60_000): Promise<void> {
    this.now += ms;
    await this.controller.tick();
  }
}
