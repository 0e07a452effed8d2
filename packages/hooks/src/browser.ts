/**
 * `@ensign/hooks/browser`: the parts that run in a widget iframe (no Node APIs, no Redis):
 * the synchronous exposure hook, the kill-switch hook, beacon and callback sinks.
 * @packageDocumentation
 */
export { WebExposureHook, type WebExposureHookOptions } from './browser/web-exposure-hook.js';
export { type CombinedHook, combineHooks, type FinallyHook } from './combine-hooks.js';
export {
  type DropCounts,
  EventPipeline,
  type EventPipelineOptions,
  type PipelineStats,
  type SinkStats,
} from './event-pipeline.js';
export type { AnalyticsEvent, ExposureEvent, TrackingEvent } from './events.js';
export type { ExposureHookOptions, ExposureStats } from './exposure/exposure-recorder.js';
export { KillSwitchHook, type KillSwitchHookOptions } from './kill-switch/kill-switch-hook.js';
export type { ConsoleStyleLogger, LoggerStyle } from './logger.js';
export { BeaconSink, type BeaconSinkOptions } from './sinks/beacon-sink.js';
export { CallbackSink, type CallbackSinkOptions } from './sinks/callback-sink.js';
export type { Sink, SinkWriteOptions } from './sinks/sink.js';
export {
  type TrackingInput,
  TrackingRecorder,
  type TrackingRecorderOptions,
} from './tracking/tracking-recorder.js';
