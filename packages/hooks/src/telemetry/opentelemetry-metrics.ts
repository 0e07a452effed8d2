/**
 * OpenTelemetry metrics for flags, through the `@opentelemetry/api` metrics API only: you pass a
 * `Meter` from the SDK you set up (any exporter, or none); this package imports the API for types
 * only. Evaluations are read from `MetricsAggregator`'s totals (never counted a second time);
 * flag-set, sync and kill-switch state from each provider's `syncStatus()`; exposure and tracking
 * throughput from the event pipelines' counters, all at collection time. The one instrument
 * written on the evaluation path is the duration histogram (one `record` per evaluation).
 */
import type { Attributes, Meter, MeterProvider, Observable, ObservableResult } from '@opentelemetry/api';
import type { PipelineStats } from '../event-pipeline.js';
import type { EvaluationSeries, EvaluationTotals } from '../metrics/evaluation-totals.js';
import { METRIC_ATTRIBUTES as A, ENSIGN_METRICS, type MetricDefinition } from './metric-names.js';
import {
  type FlagSetStatusSource,
  type MetricPoint,
  evaluationAttributes,
  flagSetPoints,
  pipelinePoints,
} from './metric-points.js';

/** The meter to record with: give `meter`, or a `meterProvider` to take one named `@ensign/hooks` from. */
export interface MeterOptions {
  meter?: Meter;
  meterProvider?: MeterProvider;
}

/** What an `instrument…` function returns. */
export interface Instrumentation {
  /** Stops observing (and timing); the instruments stay registered with the meter, silent. */
  close(): void;
}

/**
 * Bucket boundaries of `feature_flag.evaluation.duration`, in seconds: an in-memory evaluation
 * through the SDK takes tens of microseconds, a remote one milliseconds.
 */
export const EVALUATION_DURATION_BUCKETS: readonly number[] = [
  0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
  0.05, 0.1, 0.25, 1,
];

/** Options of {@link instrumentEvaluations}. */
export interface InstrumentEvaluationsOptions extends MeterOptions {
  /**
   * Record each evaluation's duration in `feature_flag.evaluation.duration` (needs the
   * aggregator's `before` stage: register it directly or through `combineHooks`). @default true
   */
  timing?: boolean;
  /** Histogram bucket boundaries, in seconds. @default EVALUATION_DURATION_BUCKETS */
  buckets?: readonly number[];
  /**
   * The share of evaluations timed, chosen at random. Recording one value in the OpenTelemetry
   * SDK's histogram costs about 1.5 µs (it hashes the attributes on every call), some 5% of an
   * evaluation through the OpenFeature SDK: a 10% sample keeps the percentiles and costs a tenth
   * of that. The histogram's count is then about a tenth of the evaluations: count evaluations
   * with `feature_flag.evaluations`. 1 times every evaluation.
   * @default DURATION_SAMPLE_RATE (0.1)
   */
  durationSampleRate?: number;
}

/** Default of {@link InstrumentEvaluationsOptions.durationSampleRate}. */
export const DURATION_SAMPLE_RATE = 0.1;

/** Options of {@link instrumentFlagSets}. */
export interface InstrumentFlagSetsOptions extends MeterOptions {
  /** The providers to report (read at every collection when a function). */
  providers: Iterable<FlagSetStatusSource> | (() => Iterable<FlagSetStatusSource>);
  /** Clock seam for tests. @default Date.now */
  now?: () => number;
}

/** Options of {@link instrumentPipelines}. */
export interface InstrumentPipelinesOptions extends MeterOptions {
  /** Pipelines by the name their points carry, e.g. `{ exposures: exposureHook.pipeline }`. */
  pipelines: Readonly<Record<string, { stats(): PipelineStats }>>;
}

function meterOf(options: MeterOptions, caller: string): Meter {
  const meter = options?.meter ?? options?.meterProvider?.getMeter('@ensign/hooks');
  if (meter === undefined)
    throw new TypeError(`${caller}: give option \`meter\` or option \`meterProvider\``);
  return meter;
}

function seriesAttributes(series: EvaluationSeries): Attributes {
  if (series.flagKey === undefined) return { [A.overflow]: true };
  const attributes: Attributes = { [A.flagKey]: series.flagKey };
  if (series.providerName !== '') attributes[A.providerName] = series.providerName;
  if (series.flagSet !== undefined) attributes[A.flagSet] = series.flagSet;
  return attributes;
}

/**
 * Reports the aggregator's evaluations as `feature_flag.evaluations` (an observable counter read
 * from `aggregator.totals()` at collection) and times them in `feature_flag.evaluation.duration`.
 * @example
 * import { metrics } from '@opentelemetry/api';
 * const aggregator = new MetricsAggregator(); // or with a `sink` for the rollout aggregates
 * instrumentEvaluations(aggregator, { meter: metrics.getMeter('my-app') });
 * OpenFeature.addHooks(combineHooks(exposures, killSwitches, aggregator));
 */
export function instrumentEvaluations(
  aggregator: { totals(): EvaluationTotals },
  options: InstrumentEvaluationsOptions,
): Instrumentation {
  const meter = meterOf(options, 'instrumentEvaluations');
  const totals = aggregator.totals();
  const M = ENSIGN_METRICS;
  const counter = meter.createObservableCounter(M.evaluations.name, {
    description: M.evaluations.description,
    unit: M.evaluations.unit,
  });
  const observe = (result: ObservableResult) => {
    totals.forEach((total) => result.observe(total.count, evaluationAttributes(total)));
  };
  counter.addCallback(observe);
  let timed = false;
  if (options.timing !== false) {
    const histogram = meter.createHistogram(M.evaluationDuration.name, {
      description: M.evaluationDuration.description,
      unit: M.evaluationDuration.unit,
      advice: { explicitBucketBoundaries: [...(options.buckets ?? EVALUATION_DURATION_BUCKETS)] },
    });
    // One attributes object per series, made once: recording then allocates nothing.
    const cache = new WeakMap<EvaluationSeries, Attributes>();
    totals.setTimer((seconds, series) => {
      let attributes = cache.get(series);
      if (attributes === undefined) {
        attributes = seriesAttributes(series);
        cache.set(series, attributes);
      }
      histogram.record(seconds, attributes);
    }, options.durationSampleRate ?? DURATION_SAMPLE_RATE);
    timed = true;
  }
  return {
    close() {
      counter.removeCallback(observe);
      if (timed) totals.setTimer(undefined);
    },
  };
}

/** Registers observable instruments for `definitions`, all fed by one `collect()` per collection. */
function observePoints(
  meter: Meter,
  definitions: readonly MetricDefinition[],
  collect: () => MetricPoint[],
): Instrumentation {
  const observables = new Map<MetricDefinition, Observable>();
  for (const definition of definitions) {
    const options = { description: definition.description, unit: definition.unit };
    observables.set(
      definition,
      definition.kind === 'counter'
        ? meter.createObservableCounter(definition.name, options)
        : meter.createObservableGauge(definition.name, options),
    );
  }
  const callback = (result: { observe(o: Observable, value: number, attributes?: Attributes): void }) => {
    for (const point of collect()) {
      const observable = observables.get(point.metric);
      if (observable !== undefined) result.observe(observable, point.value, point.attributes);
    }
  };
  const list = [...observables.values()];
  meter.addBatchObservableCallback(callback, list);
  return { close: () => meter.removeBatchObservableCallback(callback, list) };
}

/** The metrics of {@link instrumentFlagSets}. */
const FLAG_SET_METRICS: readonly MetricDefinition[] = [
  ENSIGN_METRICS.flagSetVersion,
  ENSIGN_METRICS.flagSetFlags,
  ENSIGN_METRICS.syncReady,
  ENSIGN_METRICS.syncStale,
  ENSIGN_METRICS.syncState,
  ENSIGN_METRICS.staleDuration,
  ENSIGN_METRICS.changeAge,
  ENSIGN_METRICS.syncEntries,
  ENSIGN_METRICS.syncReloads,
  ENSIGN_METRICS.syncFailures,
  ENSIGN_METRICS.syncHandEdits,
  ENSIGN_METRICS.killSwitchActive,
  ENSIGN_METRICS.killSwitchDuration,
];

/**
 * Reports each provider's flag set (version, flag count), sync (ready, stale and for how long,
 * time since the last change, entries by outcome, reloads by cause, failures) and kill switches
 * in force (and for how long), read from `provider.syncStatus()` at collection. Nothing is added
 * to the provider's evaluations.
 * @example instrumentFlagSets({ meter, providers: [provider] });
 */
export function instrumentFlagSets(options: InstrumentFlagSetsOptions): Instrumentation {
  const meter = meterOf(options, 'instrumentFlagSets');
  const providers = options.providers;
  const now = options.now ?? Date.now;
  return observePoints(meter, FLAG_SET_METRICS, () => {
    const at = now();
    const points: MetricPoint[] = [];
    for (const provider of typeof providers === 'function' ? providers() : providers)
      points.push(...flagSetPoints(provider.syncStatus(at), at));
    return points;
  });
}

/** The metrics of {@link instrumentPipelines}. */
const PIPELINE_METRICS: readonly MetricDefinition[] = [
  ENSIGN_METRICS.eventsEnqueued,
  ENSIGN_METRICS.eventsDropped,
  ENSIGN_METRICS.eventsDelivered,
  ENSIGN_METRICS.eventsFailed,
  ENSIGN_METRICS.eventsQueued,
];

/**
 * Reports exposure and tracking throughput and drops from the pipelines' counters: events
 * enqueued, queued, dropped by reason, delivered and failed by sink.
 * @example instrumentPipelines({ meter, pipelines: { exposures: exposures.pipeline } });
 */
export function instrumentPipelines(options: InstrumentPipelinesOptions): Instrumentation {
  const meter = meterOf(options, 'instrumentPipelines');
  const pipelines = Object.entries(options.pipelines);
  return observePoints(meter, PIPELINE_METRICS, () =>
    pipelines.flatMap(([name, pipeline]) => pipelinePoints(pipeline.stats(), name)),
  );
}
