/**
 * Routes OpenFeature `track()` events to the same sinks as exposures. The server provider's
 * `trackingSink` option takes this object: it calls `track({ eventName, context, details, timestamp })`.
 */
import type { EvaluationContext, JsonValue, TrackingEventDetails } from '@openfeature/core';
import {
  type EventPipeline,
  type EventPipelineOptions,
  type PipelineStats,
  pipelineFor,
} from '../event-pipeline.js';
import type { TrackingEvent } from '../events.js';
import type { Sink } from '../sinks/sink.js';

/** One `track()` call as a provider hands it over. */
export interface TrackingInput {
  readonly eventName: string;
  readonly context: EvaluationContext;
  readonly details?: TrackingEventDetails;
  /** When it happened (ms since the epoch or a Date). @default now */
  readonly timestamp?: number | Date;
  /**
   * The flag set the provider serves (the Ensign provider names it). Selects the Redis stream,
   * so conversions land next to the exposures of the same set.
   */
  readonly flagSetId?: string;
}

/** Options of {@link TrackingRecorder}. */
export interface TrackingRecorderOptions extends Partial<Omit<EventPipelineOptions, 'sinks'>> {
  /** A pipeline shared with an `ExposureHook` (`hook.pipeline`); not closed by `close()`. */
  pipeline?: EventPipeline;
  /** Sinks for a pipeline the recorder creates and owns. Give this or `pipeline`. */
  sinks?: readonly Sink[];
  /**
   * Flag set stamped on events when neither the details nor the provider name one (it selects
   * the Redis stream: without it such events go to `exposures:{default}`, away from the
   * exposures). Give it when the provider does not name its set on tracking events.
   */
  flagSetId?: string;
  /** Clock seam for tests. @default Date.now */
  now?: () => number;
}

/** Keys of `details` that attribute an event to a flag; the rest is kept as `details`. */
const ATTRIBUTION = new Set(['value', 'flagKey', 'variant', 'flagSetId']);

/**
 * Receives `track()` events and queues them next to exposures. Attribute an event to an
 * experiment by putting `flagKey`/`variant` in the details (optional: analysis joins on the
 * targeting key). Never throws.
 * @example
 * const exposures = new ExposureHook({ sinks: [redisSink] });
 * const provider = new RedisProvider({ ..., trackingSink: new TrackingRecorder({ pipeline: exposures.pipeline }) });
 * client.track('checkout', { targetingKey: 'user-1' }, { value: 42 });
 */
export class TrackingRecorder {
  readonly pipeline: EventPipeline;
  private readonly ownsPipeline: boolean;
  private readonly flagSetId: string | undefined;
  private readonly now: () => number;
  private recorded = 0;
  private internalErrors = 0;

  constructor(options: TrackingRecorderOptions) {
    const { pipeline, owned } = pipelineFor('TrackingRecorder', options);
    this.pipeline = pipeline;
    this.ownsPipeline = owned;
    this.flagSetId = options.flagSetId;
    this.now = options.now ?? Date.now;
  }

  /** Queues one tracking event. Never throws, never does I/O. */
  track(input: TrackingInput): void {
    try {
      const details = input.details ?? {};
      const at = input.timestamp;
      const event: { -readonly [K in keyof TrackingEvent]: TrackingEvent[K] } = {
        type: 'tracking',
        eventName: String(input.eventName),
        timestamp: at instanceof Date ? at.getTime() : typeof at === 'number' ? at : this.now(),
      };
      const targetingKey = input.context?.targetingKey;
      if (typeof targetingKey === 'string' && targetingKey !== '') event.targetingKey = targetingKey;
      if (typeof details.value === 'number' && Number.isFinite(details.value)) event.value = details.value;
      if (typeof details.flagKey === 'string') event.flagKey = details.flagKey;
      if (typeof details.variant === 'string') event.variant = details.variant;
      const flagSetId =
        typeof details.flagSetId === 'string'
          ? details.flagSetId
          : typeof input.flagSetId === 'string'
            ? input.flagSetId
            : this.flagSetId;
      if (flagSetId !== undefined) event.flagSetId = flagSetId;
      const rest: Record<string, JsonValue> = {};
      let hasRest = false;
      for (const [key, value] of Object.entries(details)) {
        if (ATTRIBUTION.has(key) || value === undefined) continue;
        rest[key] = value as JsonValue;
        hasRest = true;
      }
      if (hasRest) event.details = rest;
      if (this.pipeline.push(event)) this.recorded++;
    } catch {
      this.internalErrors++;
    }
  }

  /** Counters: events queued, internal errors, and the pipeline's (drops included). */
  stats(): { recorded: number; internalErrors: number; pipeline: PipelineStats } {
    return { recorded: this.recorded, internalErrors: this.internalErrors, pipeline: this.pipeline.stats() };
  }

  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  /** Flushes; closes the pipeline only when the recorder created it. */
  async close(): Promise<void> {
    if (this.ownsPipeline) await this.pipeline.close();
    else await this.pipeline.flush();
  }
}
