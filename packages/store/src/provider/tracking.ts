/** The provider's `track()` hand-off: tracking events go to a pluggable sink. */
import type { EvaluationContext, TrackingEventDetails } from '@openfeature/server-sdk';

/** One OpenFeature `track()` call, as the provider hands it to a {@link TrackingSink}. */
export interface ProviderTrackingEvent {
  /** The tracking event name, e.g. `checkout-completed`. */
  readonly eventName: string;
  /**
   * The flag set the provider serves, so that conversions land beside the exposures of the same
   * set (an experiment's analysis reads both from one place).
   */
  readonly flagSetId?: string;
  /** The merged evaluation context of the call (frozen by the SDK). */
  readonly context: EvaluationContext;
  /** The caller's details (`value` and custom fields). */
  readonly details: TrackingEventDetails;
  /** When `track()` was called, in milliseconds since the epoch. */
  readonly timestamp: number;
}

/**
 * Receives tracking events (`@ensign/hooks` provides sinks that batch them to Redis streams or
 * OpenTelemetry). `track` is called on the caller's path: it must return quickly and should queue
 * the event rather than do I/O; what it throws is logged and swallowed.
 */
export interface TrackingSink {
  track(event: ProviderTrackingEvent): void;
}
