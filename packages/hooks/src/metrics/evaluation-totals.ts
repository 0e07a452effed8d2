/**
 * The read side of `MetricsAggregator`: cumulative, in-process counts of every evaluation the
 * aggregator saw since its totals were first asked for, by provider, flag set, flag, variant,
 * reason and error code, and (when a recorder is attached) each evaluation's duration. Observable
 * instruments (OpenTelemetry's, a Prometheus endpoint) read the counts at collection time
 * instead of counting evaluations a second time.
 *
 * On the evaluation path this is a few `Map` lookups on strings the SDK and the provider reuse
 * (their hashes are cached) and one integer increment; nothing is allocated for a series seen
 * before. The number of series is bounded: flag keys are client-controlled where a server
 * evaluates for remote callers, so beyond `maxSeries` new series are folded into one overflow
 * series, as OpenTelemetry SDKs do with their cardinality limit.
 */
import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';

/** Which flag an evaluation was of; one object per series, stable, usable as a cache key. */
export interface EvaluationSeries {
  readonly providerName: string;
  /** Flag metadata `flagSetId`, when the provider names one. */
  readonly flagSet: string | undefined;
  /** `undefined` only for the overflow series. */
  readonly flagKey: string | undefined;
}

/** One cumulative count. */
export interface EvaluationTotal {
  readonly series: EvaluationSeries;
  /** The variant served; `undefined` when none was (errors, `DISABLED`). */
  readonly variant: string | undefined;
  /** OpenFeature's reason (`TARGETING_MATCH`, `DISABLED`, `ERROR`, …); `UNKNOWN` when none was given. */
  readonly reason: string;
  /** OpenFeature's error code (`FLAG_NOT_FOUND`, …), on errors only. */
  readonly errorCode: string | undefined;
  /** Evaluations so far. */
  readonly count: number;
  /** True for the one series that collects what did not fit under `maxSeries`. */
  readonly overflow: boolean;
}

/** Receives the duration of each evaluation (from the `before` to the `finally` stage), in seconds. */
export type EvaluationTimer = (seconds: number, series: EvaluationSeries) => void;

/** Default of the series bound: OpenTelemetry SDKs' default cardinality limit per instrument. */
export const MAX_EVALUATION_SERIES = 2_000;

interface Leaf {
  readonly series: EvaluationSeries;
  readonly variant: string | undefined;
  readonly reason: string;
  readonly errorCode: string | undefined;
  count: number;
  readonly overflow: boolean;
}

interface FlagCounts {
  readonly series: EvaluationSeries;
  /** Variant (`''`: none) → reason or error code → leaf. */
  readonly outcomes: Map<string, Map<string, Leaf>>;
}

/** Where `before` leaves the start time for `finally`, in the hook's per-evaluation data. */
const STARTED = 'ensign.evaluation.started';

const OVERFLOW_SERIES: EvaluationSeries = Object.freeze({
  providerName: '',
  flagSet: undefined,
  flagKey: undefined,
});

/** Cumulative evaluation counts, and the evaluation timer. */
export class EvaluationTotals {
  /** Provider → flag set (`''`: none) → flag key → counts. */
  private readonly providers = new Map<string, Map<string, Map<string, FlagCounts>>>();
  private readonly overflowLeaf: Leaf = {
    series: OVERFLOW_SERIES,
    variant: undefined,
    reason: 'UNKNOWN',
    errorCode: undefined,
    count: 0,
    overflow: true,
  };
  private series = 0;
  private timer: EvaluationTimer | undefined;
  private sampleRate = 1;

  /** @param maxSeries most distinct (provider, set, flag, variant, reason, error) series kept. */
  constructor(private readonly maxSeries = MAX_EVALUATION_SERIES) {}

  /** Distinct series counted so far (the overflow series excluded). */
  get size(): number {
    return this.series;
  }

  /** Evaluations folded into the overflow series because `maxSeries` was reached. */
  get overflowed(): number {
    return this.overflowLeaf.count;
  }

  /**
   * Times evaluations from now on (one timer at a time; `undefined` stops timing): each one with
   * probability `sampleRate` (1: every one), chosen at random so that a fixed order of
   * evaluations cannot make the sample favour one flag. Timing needs the hook's `before` stage:
   * register the aggregator itself or through `combineHooks`.
   */
  setTimer(timer: EvaluationTimer | undefined, sampleRate = 1): void {
    if (!(sampleRate > 0 && sampleRate <= 1))
      throw new RangeError(`EvaluationTotals: sampleRate must be in (0, 1], got ${String(sampleRate)}`);
    this.timer = timer;
    this.sampleRate = sampleRate;
  }

  /** The `before` stage: notes the start time when a timer is attached (and this one is sampled). */
  start(hookContext: Readonly<HookContext>): void {
    if (this.timer === undefined || (this.sampleRate < 1 && Math.random() >= this.sampleRate)) return;
    hookContext.hookData?.set(STARTED, performance.now());
  }

  /** Counts one evaluation (the `finally` stage) and hands its duration to the timer. */
  record(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    const metadata = details.flagMetadata;
    const set = metadata?.flagSetId;
    const flagSet = typeof set === 'string' ? set : '';
    const leaf = this.leaf(
      hookContext.providerMetadata?.name ?? '',
      flagSet,
      details.flagKey ?? hookContext.flagKey,
      details.variant,
      details.reason ?? 'UNKNOWN',
      details.errorCode,
    );
    leaf.count++;
    const timer = this.timer;
    if (timer === undefined) return;
    const started = hookContext.hookData?.get(STARTED);
    if (typeof started !== 'number') return; // not sampled
    // Taken, so a context reused for another evaluation (outside the SDK) is not timed twice.
    hookContext.hookData.delete(STARTED);
    timer((performance.now() - started) / 1000, leaf.series);
  }

  /**
   * Counts one evaluation made without the OpenFeature SDK (a server evaluating for remote
   * callers, e.g. OFREP); `record` is the hook-stage equivalent.
   */
  count(evaluation: {
    readonly providerName: string;
    readonly flagSet?: string;
    readonly flagKey: string;
    readonly variant?: string;
    readonly reason?: string;
    readonly errorCode?: string;
  }): void {
    this.leaf(
      evaluation.providerName,
      evaluation.flagSet ?? '',
      evaluation.flagKey,
      evaluation.variant,
      evaluation.reason ?? 'UNKNOWN',
      evaluation.errorCode,
    ).count++;
  }

  /** Calls `visit` with every count (the overflow series last, when it has any). */
  forEach(visit: (total: EvaluationTotal) => void): void {
    for (const sets of this.providers.values())
      for (const flags of sets.values())
        for (const flag of flags.values())
          for (const outcomes of flag.outcomes.values()) for (const leaf of outcomes.values()) visit(leaf);
    if (this.overflowLeaf.count > 0) visit(this.overflowLeaf);
  }

  private leaf(
    providerName: string,
    flagSet: string,
    flagKey: string,
    variant: string | undefined,
    reason: string,
    errorCode: string | undefined,
  ): Leaf {
    // Reasons and error codes are distinct vocabularies, and an error's reason is always ERROR.
    const outcome = errorCode ?? reason;
    const known = this.providers
      .get(providerName)
      ?.get(flagSet)
      ?.get(flagKey)
      ?.outcomes.get(variant ?? '');
    const found = known?.get(outcome);
    if (found !== undefined) return found;
    if (this.series >= this.maxSeries) return this.overflowLeaf;
    return this.add(providerName, flagSet, flagKey, variant, reason, errorCode, outcome);
  }

  private add(
    providerName: string,
    flagSet: string,
    flagKey: string,
    variant: string | undefined,
    reason: string,
    errorCode: string | undefined,
    outcome: string,
  ): Leaf {
    let sets = this.providers.get(providerName);
    if (sets === undefined) {
      sets = new Map();
      this.providers.set(providerName, sets);
    }
    let flags = sets.get(flagSet);
    if (flags === undefined) {
      flags = new Map();
      sets.set(flagSet, flags);
    }
    let flag = flags.get(flagKey);
    if (flag === undefined) {
      const series = Object.freeze({ providerName, flagSet: flagSet === '' ? undefined : flagSet, flagKey });
      flag = { series, outcomes: new Map() };
      flags.set(flagKey, flag);
    }
    let outcomes = flag.outcomes.get(variant ?? '');
    if (outcomes === undefined) {
      outcomes = new Map();
      flag.outcomes.set(variant ?? '', outcomes);
    }
    const leaf: Leaf = { series: flag.series, variant, reason, errorCode, count: 0, overflow: false };
    outcomes.set(outcome, leaf);
    this.series++;
    return leaf;
  }
}
