/**
 * OpenTelemetry sink: every exposure becomes a `feature_flag.evaluation` event (a log record
 * with `eventName`) carrying the current feature-flag semantic-convention attributes.
 * `@opentelemetry/api-logs` is only imported for types: pass a logger from your SDK setup.
 */
import type { AnyValue, AnyValueMap, Logger, LoggerProvider } from '@opentelemetry/api-logs';
import type { AnalyticsEvent, ExposureEvent, TrackingEvent } from '../events.js';
import type { Sink } from './sink.js';

/** The semantic-convention attribute names this sink emits (OTel semconv ≥ 1.34). */
export const FEATURE_FLAG_ATTRIBUTES = {
  key: 'feature_flag.key',
  variant: 'feature_flag.result.variant',
  value: 'feature_flag.result.value',
  reason: 'feature_flag.result.reason',
  providerName: 'feature_flag.provider.name',
  setId: 'feature_flag.set.id',
  version: 'feature_flag.version',
  contextId: 'feature_flag.context.id',
  errorType: 'error.type',
  errorMessage: 'error.message',
} as const;

/** The event name of an evaluation, as the semantic conventions require. */
export const FEATURE_FLAG_EVALUATION_EVENT = 'feature_flag.evaluation';

/** Options of {@link OpenTelemetrySink}. */
export interface OpenTelemetrySinkOptions {
  /** The logger to emit on. Give this or `loggerProvider`. */
  logger?: Logger;
  /** A provider to take a logger named `@ensign/hooks` from. */
  loggerProvider?: LoggerProvider;
  /**
   * Emit tracking events too, as `ensign.track` events (no semantic convention exists for them yet).
   * @default true
   */
  includeTracking?: boolean;
}

const INFO = 9; // SeverityNumber.INFO, inlined so this file needs no runtime import of api-logs.
const A = FEATURE_FLAG_ATTRIBUTES;

/** OpenFeature's `TARGETING_MATCH` → semconv's `targeting_match`. */
function snake(value: string): string {
  return value.toLowerCase();
}

function flagValue(value: unknown): AnyValue | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** The semconv attributes of one exposure. @internal */
export function evaluationAttributes(event: ExposureEvent): AnyValueMap {
  const attributes: AnyValueMap = { [A.key]: event.flagKey, [A.contextId]: event.targetingKey };
  if (event.variant !== undefined) attributes[A.variant] = event.variant;
  const value = flagValue(event.value);
  if (value !== undefined) attributes[A.value] = value;
  if (event.reason !== undefined) attributes[A.reason] = snake(event.reason);
  if (event.providerName !== undefined) attributes[A.providerName] = event.providerName;
  if (event.flagSetId !== undefined) attributes[A.setId] = event.flagSetId;
  // A string in the semantic conventions ("any stable value which identifies the ruleset").
  if (event.version !== undefined) attributes[A.version] = String(event.version);
  if (event.errorCode !== undefined) {
    attributes[A.errorType] = snake(event.errorCode);
    if (event.errorMessage !== undefined) attributes[A.errorMessage] = event.errorMessage;
  }
  return attributes;
}

function trackingAttributes(event: TrackingEvent): AnyValueMap {
  const attributes: AnyValueMap = { 'ensign.track.event_name': event.eventName };
  if (event.targetingKey !== undefined) attributes[A.contextId] = event.targetingKey;
  if (event.value !== undefined) attributes['ensign.track.value'] = event.value;
  if (event.flagKey !== undefined) attributes[A.key] = event.flagKey;
  if (event.variant !== undefined) attributes[A.variant] = event.variant;
  if (event.flagSetId !== undefined) attributes[A.setId] = event.flagSetId;
  return attributes;
}

/**
 * Emits `feature_flag.evaluation` events through an OpenTelemetry logs `Logger`.
 * @example
 * import { logs } from '@opentelemetry/api-logs';
 * new OpenTelemetrySink({ logger: logs.getLogger('@ensign/hooks') });
 */
export class OpenTelemetrySink implements Sink {
  readonly name = 'OpenTelemetrySink';
  private readonly logger: Logger;
  private readonly includeTracking: boolean;

  constructor(options: OpenTelemetrySinkOptions) {
    const logger = options?.logger ?? options?.loggerProvider?.getLogger('@ensign/hooks');
    if (logger === undefined)
      throw new TypeError('OpenTelemetrySink: give option `logger` or option `loggerProvider`');
    this.logger = logger;
    this.includeTracking = options.includeTracking ?? true;
  }

  write(batch: readonly AnalyticsEvent[]): void {
    for (const event of batch) {
      if (event.type === 'exposure') {
        this.logger.emit({
          eventName: FEATURE_FLAG_EVALUATION_EVENT,
          timestamp: event.timestamp,
          severityNumber: INFO,
          severityText: 'INFO',
          attributes: evaluationAttributes(event),
        });
      } else if (this.includeTracking) {
        this.logger.emit({
          eventName: 'ensign.track',
          timestamp: event.timestamp,
          severityNumber: INFO,
          severityText: 'INFO',
          attributes: trackingAttributes(event),
        });
      }
    }
  }
}
