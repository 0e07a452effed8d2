import type { AnalyticsEvent } from '../events.js';

/** What the pipeline hands a sink with each batch. */
export interface SinkWriteOptions {
  /**
   * Aborted when the pipeline stops waiting for this write (`sinkTimeoutMs`): the batch already
   * counts as failed, so a sink should give up rather than deliver it late.
   */
  readonly signal?: AbortSignal;
}

/**
 * Where batches of exposures and tracking events go. `write` may be synchronous or return a
 * promise; a rejection or a throw counts the batch as dropped for this sink. Sinks are called
 * off the evaluation path, one batch at a time.
 * @example const sink: Sink = { write: (batch) => analytics.send(batch) };
 */
export interface Sink {
  /** A name for stats and log lines. @default the class name, else `'sink'` */
  readonly name?: string;
  /** Delivers one batch (at most the pipeline's `batchSize` events, in arrival order). */
  write(batch: readonly AnalyticsEvent[], options?: SinkWriteOptions): Promise<void> | void;
  /** Releases what the sink holds; called once by the pipeline's `close()`. */
  close?(): Promise<void> | void;
}
