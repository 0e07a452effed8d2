/**
 * The bounded, batched hand-off between the evaluation path and the sinks. `push` is O(1) and
 * does no I/O; batches are written later, from a timer or when a batch fills up. When sinks are
 * slower than the events arrive the queue stays bounded, in events and in bytes, and what does
 * not fit is dropped and counted, so a slow or dead sink costs memory up to a fixed bound and
 * never costs latency. Over-long targeting keys (client-controlled) are replaced by a bounded
 * stand-in on the way in, so no event grows with them.
 * No Node APIs: the same pipeline runs in browsers.
 */
import { MIN_TARGETING_KEY_LENGTH, approximateEventBytes, boundedTargetingKey } from './event-bounds.js';
import type { AnalyticsEvent } from './events.js';
import { unrefInterval, unrefTimeout, withTimeout } from './internal/timers.js';
import {
  type ConsoleStyleLogger,
  type LoggerStyle,
  type StructuredLogger,
  toStructuredLogger,
} from './logger.js';
import type { Sink } from './sinks/sink.js';

/** Options of {@link EventPipeline}. */
export interface EventPipelineOptions {
  /** Where batches go; every batch is written to every sink. */
  sinks: readonly Sink[];
  /** Most events waiting for delivery; further events are dropped and counted. @default 10000 */
  maxQueueSize?: number;
  /**
   * Most bytes (estimated: two per character, plus a fixed overhead per event) waiting for
   * delivery; further events are dropped and counted as `queueFull`. @default 16000000
   */
  maxQueueBytes?: number;
  /**
   * Targeting keys longer than this are replaced by their first 64 characters, `#`, and 14 hex
   * digits of a 53-bit hash of the whole key (the same key always gets the same stand-in, so
   * exposures and conversions still join). At least 32. @default 256
   */
  maxTargetingKeyLength?: number;
  /** Most events per `write`; a full batch is flushed right away (off the caller's stack). @default 500 */
  batchSize?: number;
  /** How often waiting events are flushed. @default 1000 */
  flushIntervalMs?: number;
  /** A `write` that has not settled after this long counts as failed. @default 5000 */
  sinkTimeoutMs?: number;
  /** Where drop warnings go. @default console */
  logger?: ConsoleStyleLogger;
  /** Argument order of `logger`. @default 'auto' */
  loggerStyle?: LoggerStyle;
  /** At most one drop warning per this many milliseconds (the counts are summed in between). @default 60000 */
  dropWarningIntervalMs?: number;
}

/** Why events were dropped. */
export interface DropCounts {
  /** The queue was full, in events or in bytes (sinks too slow or down). */
  queueFull: number;
  /** A sink rejected, threw or timed out; counted once per event per failing sink. */
  sinkFailed: number;
  /** Pushed after `close()`. */
  closed: number;
}

/** Per-sink delivery counts. */
export interface SinkStats {
  /** Events the sink accepted. */
  delivered: number;
  /** Events in batches the sink failed. */
  failed: number;
}

/** A snapshot of the pipeline's counters. */
export interface PipelineStats {
  /** Events accepted into the queue since start. */
  enqueued: number;
  /** Events waiting now. */
  queued: number;
  /** Estimated bytes of the events waiting now (bounded by `maxQueueBytes`). */
  queuedBytes: number;
  /** Batches handed to the sinks. */
  batches: number;
  dropped: DropCounts;
  /** Keyed by sink name. */
  sinks: Record<string, SinkStats>;
}

/** Defaults of {@link EventPipelineOptions}, exported for documentation and tests. */
export const PIPELINE_DEFAULTS = {
  maxQueueSize: 10_000,
  maxQueueBytes: 16_000_000,
  maxTargetingKeyLength: 256,
  batchSize: 500,
  flushIntervalMs: 1_000,
  sinkTimeoutMs: 5_000,
  dropWarningIntervalMs: 60_000,
} as const;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`EventPipeline: option \`${name}\` must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * A bounded queue in front of one or more sinks, shared by the exposure hook and the tracking
 * recorder so both reach the same sinks.
 * @example
 * const pipeline = new EventPipeline({ sinks: [new RedisStreamSink({ client: redis })] });
 * OpenFeature.addHooks(new ExposureHook({ pipeline }));
 */
export class EventPipeline {
  private queue: AnalyticsEvent[] = [];
  /** Index of the oldest waiting event: taking a batch moves it instead of shifting the array. */
  private head = 0;
  private readonly sinks: readonly { sink: Sink; name: string; stats: SinkStats }[];
  private readonly maxQueueSize: number;
  private readonly maxQueueBytes: number;
  private readonly maxTargetingKeyLength: number;
  private queuedBytes = 0;
  private readonly batchSize: number;
  private readonly sinkTimeoutMs: number;
  private readonly dropWarningIntervalMs: number;
  private readonly logger: StructuredLogger;
  private readonly timer: ReturnType<typeof setInterval>;
  private draining: Promise<void> | undefined;
  private sizeFlushScheduled = false;
  private closing: Promise<void> | undefined;
  private enqueued = 0;
  private batches = 0;
  private readonly dropped: DropCounts = { queueFull: 0, sinkFailed: 0, closed: 0 };
  private unreportedDrops = 0;
  private lastDropWarningAt = Number.NEGATIVE_INFINITY;

  constructor(options: EventPipelineOptions) {
    if (!Array.isArray(options?.sinks))
      throw new TypeError('EventPipeline: option `sinks` must be an array of sinks');
    this.maxQueueSize = positive('maxQueueSize', options.maxQueueSize, PIPELINE_DEFAULTS.maxQueueSize);
    this.maxQueueBytes = positive('maxQueueBytes', options.maxQueueBytes, PIPELINE_DEFAULTS.maxQueueBytes);
    this.maxTargetingKeyLength = positive(
      'maxTargetingKeyLength',
      options.maxTargetingKeyLength,
      PIPELINE_DEFAULTS.maxTargetingKeyLength,
    );
    if (this.maxTargetingKeyLength < MIN_TARGETING_KEY_LENGTH) {
      throw new RangeError(
        `EventPipeline: option \`maxTargetingKeyLength\` must be at least ${MIN_TARGETING_KEY_LENGTH}, got ${this.maxTargetingKeyLength}`,
      );
    }
    this.batchSize = positive('batchSize', options.batchSize, PIPELINE_DEFAULTS.batchSize);
    this.sinkTimeoutMs = positive('sinkTimeoutMs', options.sinkTimeoutMs, PIPELINE_DEFAULTS.sinkTimeoutMs);
    this.dropWarningIntervalMs = options.dropWarningIntervalMs ?? PIPELINE_DEFAULTS.dropWarningIntervalMs;
    const flushIntervalMs = positive(
      'flushIntervalMs',
      options.flushIntervalMs,
      PIPELINE_DEFAULTS.flushIntervalMs,
    );
    this.logger = toStructuredLogger(options.logger, options.loggerStyle);
    const names = new Map<string, number>();
    this.sinks = options.sinks.map((sink) => {
      const base = sink.name ?? sink.constructor?.name ?? 'sink';
      const seen = names.get(base) ?? 0;
      names.set(base, seen + 1);
      return { sink, name: seen === 0 ? base : `${base}#${seen + 1}`, stats: { delivered: 0, failed: 0 } };
    });
    this.timer = unrefInterval(() => void this.flush(), flushIntervalMs);
  }

  /**
   * Queues one event; never throws, never does I/O. Returns `false` when the event was dropped
   * (queue full or pipeline closed). An over-long targeting key is replaced on the way in.
   */
  push(event: AnalyticsEvent): boolean {
    if (this.closing !== undefined) {
      this.dropped.closed++;
      return false;
    }
    const waiting = this.queue.length - this.head;
    if (waiting >= this.maxQueueSize) return this.dropFull();
    const key = event.targetingKey;
    if (key !== undefined && key.length > this.maxTargetingKeyLength) {
      event = { ...event, targetingKey: this.boundedTargetingKey(key) };
    }
    const bytes = approximateEventBytes(event);
    if (this.queuedBytes + bytes > this.maxQueueBytes) return this.dropFull();
    this.queuedBytes += bytes;
    this.queue.push(event);
    this.enqueued++;
    if (waiting + 1 >= this.batchSize && this.draining === undefined && !this.sizeFlushScheduled) {
      this.sizeFlushScheduled = true;
      // A timer, not a microtask: the write must not run in the evaluation's turn of the loop.
      unrefTimeout(() => {
        this.sizeFlushScheduled = false;
        void this.flush();
      }, 0);
    }
    return true;
  }

  /** Writes everything queued so far (and anything queued meanwhile); resolves when done. Never rejects. */
  flush(): Promise<void> {
    if (this.draining === undefined) {
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
      });
    }
    return this.draining;
  }

  /** Stops the timer, flushes what is left, then closes the sinks. Idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      clearInterval(this.timer);
      this.closing = (async () => {
        await this.flush();
        await Promise.all(
          this.sinks.map(async ({ sink, name }) => {
            try {
              await sink.close?.();
            } catch (error) {
              this.logger.warn(
                { sink: name, error: String(error) },
                `ensign hooks: sink ${name} failed to close`,
              );
            }
          }),
        );
      })();
    }
    return this.closing;
  }

  /**
   * The targeting key as events of this pipeline carry it: `key` itself, or its stand-in when
   * longer than `maxTargetingKeyLength`. `push` applies it too; callers that also key something
   * on the subject (deduplication) call it first so a long key is hashed once.
   */
  boundedTargetingKey(key: string): string {
    return key.length > this.maxTargetingKeyLength
      ? boundedTargetingKey(key, this.maxTargetingKeyLength)
      : key;
  }

  /** Counters since start. */
  stats(): PipelineStats {
    const sinks: Record<string, SinkStats> = {};
    for (const { name, stats } of this.sinks) sinks[name] = { ...stats };
    return {
      enqueued: this.enqueued,
      queued: this.queue.length - this.head,
      queuedBytes: this.queuedBytes,
      batches: this.batches,
      dropped: { ...this.dropped },
      sinks,
    };
  }

  private async drain(): Promise<void> {
    while (this.queue.length > this.head) {
      let batch: AnalyticsEvent[];
      if (this.head === 0 && this.queue.length <= this.batchSize) {
        batch = this.queue;
        this.queue = [];
      } else {
        batch = this.queue.slice(this.head, this.head + this.batchSize);
        this.head += batch.length;
        if (this.head >= this.queue.length) {
          this.queue = [];
          this.head = 0;
        } else if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
          // Drop the consumed prefix once it outweighs what is left.
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      }
      let batchBytes = 0;
      for (const event of batch) batchBytes += approximateEventBytes(event);
      this.queuedBytes = Math.max(0, this.queuedBytes - batchBytes);
      this.batches++;
      await Promise.all(this.sinks.map((entry) => this.deliver(entry, batch)));
    }
  }

  private async deliver(
    entry: { sink: Sink; name: string; stats: SinkStats },
    batch: AnalyticsEvent[],
  ): Promise<void> {
    // Aborted when the pipeline gives up on the write, so a sink still waiting (e.g. for its
    // connection) does not deliver a batch already counted as failed.
    const controller = new AbortController();
    try {
      await withTimeout(
        Promise.resolve().then(() => entry.sink.write(batch, { signal: controller.signal })),
        this.sinkTimeoutMs,
        () => {
          const error = new Error(
            `sink ${entry.name} did not settle within sinkTimeoutMs (${this.sinkTimeoutMs} ms)`,
          );
          controller.abort(error);
          return error;
        },
      );
      entry.stats.delivered += batch.length;
    } catch (error) {
      entry.stats.failed += batch.length;
      this.dropped.sinkFailed += batch.length;
      this.noteDrops(batch.length, `sink ${entry.name} failed`, error);
    }
  }

  private dropFull(): false {
    this.dropped.queueFull++;
    this.noteDrops(1, 'queue full');
    return false;
  }

  private noteDrops(count: number, why: string, error?: unknown): void {
    this.unreportedDrops += count;
    const now = Date.now();
    if (now - this.lastDropWarningAt < this.dropWarningIntervalMs) return;
    this.lastDropWarningAt = now;
    const fields: Record<string, unknown> = { dropped: this.unreportedDrops, totals: { ...this.dropped } };
    if (error !== undefined) fields.error = error instanceof Error ? error.message : String(error);
    this.logger.warn(fields, `ensign hooks: dropped ${this.unreportedDrops} analytics event(s) (${why})`);
    this.unreportedDrops = 0;
  }
}

/**
 * The pipeline a recorder writes to: the one it was given (shared, not closed by the recorder),
 * or a new one over `sinks` that the recorder owns and closes.
 * @throws {TypeError} naming `owner` when neither option is given.
 */
export function pipelineFor(
  owner: string,
  options: Omit<EventPipelineOptions, 'sinks'> & { pipeline?: EventPipeline; sinks?: readonly Sink[] },
): { pipeline: EventPipeline; owned: boolean } {
  if (options.pipeline !== undefined) return { pipeline: options.pipeline, owned: false };
  if (options.sinks !== undefined) {
    return { pipeline: new EventPipeline({ ...options, sinks: options.sinks }), owned: true };
  }
  throw new TypeError(`${owner}: give option \`sinks\` (an array of sinks) or option \`pipeline\``);
}
