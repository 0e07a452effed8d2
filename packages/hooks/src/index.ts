/**
 * `@ensign/hooks`: OpenFeature hooks for exposure analytics and kill-switch logging, tracking
 * sinks, experiment analysis, and OpenTelemetry metrics of evaluations, flag sets and pipelines.
 * Runtime dependencies: none (OpenFeature, OpenTelemetry and ioredis are optional peers, used for
 * types only). Browser code: `@ensign/hooks/browser`.
 * @packageDocumentation
 */
export { WebExposureHook, type WebExposureHookOptions } from './browser/web-exposure-hook.js';
export { type CombinedHook, combineHooks, type FinallyHook } from './combine-hooks.js';
export {
  type DropCounts,
  EventPipeline,
  type EventPipelineOptions,
  PIPELINE_DEFAULTS,
  type PipelineStats,
  type SinkStats,
} from './event-pipeline.js';
export type { AnalyticsEvent, ExposureEvent, TrackingEvent } from './events.js';
export {
  type AggregateExperimentInput,
  analyzeExperiment,
  type AnalyzeExperimentInput,
  type ConversionRecord,
  type ExperimentOptions,
  type ExposureRecord,
  type VariantAggregate,
} from './experiments/analyze-experiment.js';
export {
  type AlwaysValidOptions,
  type ExperimentAnalysis,
  type SampleRatioCheck,
  twoProportionTest,
  type VariantResult,
} from './experiments/experiment-summary.js';
export {
  type SampleRatioOptions,
  type SampleRatioStratum,
  type SequentialSampleRatio,
  sampleRatioLogBayesFactor,
  sequentialSampleRatio,
} from './experiments/sample-ratio.js';
export {
  alwaysValidPValue,
  confidenceSequenceRadius,
  mixtureBoundary,
  mixtureLogValue,
  msprtLikelihoodRatio,
  optimalMixtureRho,
} from './experiments/sequential.js';
export {
  type EffectEstimate,
  type HarmDirection,
  type MeanCounts,
  type ProportionCounts,
  type SequentialComparison,
  type SequentialComparisonOptions,
  type Stratum,
  compareSequentially,
  harmBoundary,
  stratumEffect,
} from './experiments/two-sample.js';
export {
  type ReadExperimentEventsOptions,
  type RedisStreamReader,
  readExperimentEvents,
} from './experiments/read-experiment-events.js';
export {
  chiSquareUpperTail,
  normalCdf,
  normalQuantile,
  normalUpperTail,
  wilsonInterval,
} from './experiments/statistics.js';
export { ExposureHook } from './exposure/exposure-hook.js';
export {
  EXPOSURE_DEFAULTS,
  type ExposureHookOptions,
  type ExposureStats,
} from './exposure/exposure-recorder.js';
export {
  COHORT_METADATA,
  counterName,
  type CounterSink,
  type CounterSource,
  type FlagSeen,
  METRIC_RECORDS,
  METRICS_NAMESPACE_PREFIX,
  type MetricSums,
  metricOf,
  metricsNamespace,
  NO_METRIC,
  parseEventsRecord,
  parseSeenRecord,
  parseUnitRecord,
  parseUnknownRecord,
  parseWindowRecord,
  type SeenRecord,
  type UnitRecord,
  type VariantUnits,
  type WindowFlag,
  type WindowRecord,
} from './metrics/layout.js';
export { METRICS_DEFAULTS, type MetricsAggregatorOptions } from './metrics/aggregator-options.js';
export { MetricsAggregator, type MetricsAggregatorStats } from './metrics/metrics-aggregator.js';
export {
  type EvaluationSeries,
  type EvaluationTimer,
  type EvaluationTotal,
  EvaluationTotals,
  MAX_EVALUATION_SERIES,
} from './metrics/evaluation-totals.js';
export {
  ENSIGN_METRICS,
  METRIC_ATTRIBUTES,
  type MetricDefinition,
  type MetricKind,
  prometheusLabel,
  prometheusName,
} from './telemetry/metric-names.js';
export {
  evaluationAttributes,
  evaluationPoints,
  type FlagSetStatus,
  type FlagSetStatusSource,
  flagSetPoints,
  type MetricPoint,
  pipelinePoints,
  type PointAttributes,
  SYNC_STATES,
} from './telemetry/metric-points.js';
export {
  DURATION_SAMPLE_RATE,
  EVALUATION_DURATION_BUCKETS,
  type InstrumentEvaluationsOptions,
  type InstrumentFlagSetsOptions,
  type InstrumentPipelinesOptions,
  type Instrumentation,
  instrumentEvaluations,
  instrumentFlagSets,
  instrumentPipelines,
  type MeterOptions,
} from './telemetry/opentelemetry-metrics.js';
export type { AuditLog, AuditRecord } from './kill-switch/audit-log.js';
export {
  type ConfigurationChangedDetails,
  KILL_SWITCH_KINDS,
  KillSwitchHook,
  type KillSwitchHookOptions,
  type KillSwitchFlip,
  type ProviderEventTarget,
} from './kill-switch/kill-switch-hook.js';
export {
  type ConsoleStyleLogger,
  type LoggerStyle,
  type StructuredLogger,
  toStructuredLogger,
} from './logger.js';
export { BeaconSink, type BeaconSinkOptions } from './sinks/beacon-sink.js';
export { CallbackSink, type CallbackSinkOptions } from './sinks/callback-sink.js';
export {
  FEATURE_FLAG_ATTRIBUTES,
  FEATURE_FLAG_EVALUATION_EVENT,
  OpenTelemetrySink,
  type OpenTelemetrySinkOptions,
} from './sinks/opentelemetry-sink.js';
export type { RedisConnectionState } from './sinks/redis-connection.js';
export { STREAM_FIELDS } from './sinks/redis-stream-format.js';
export {
  type EraseSubjectOptions,
  type EraseSubjectResult,
  type RedisStreamEraser,
  eraseSubjectEvents,
} from './sinks/redis-stream-erase.js';
export {
  type RedisStreamClient,
  type RedisStreamPipeline,
  RedisStreamSink,
  type RedisStreamSinkOptions,
} from './sinks/redis-stream-sink.js';
export type { Sink, SinkWriteOptions } from './sinks/sink.js';
export {
  type TrackingInput,
  TrackingRecorder,
  type TrackingRecorderOptions,
} from './tracking/tracking-recorder.js';
