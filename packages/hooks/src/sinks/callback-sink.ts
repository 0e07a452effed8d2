import type { AnalyticsEvent } from '../events.js';
import type { Sink, SinkWriteOptions } from './sink.js';

/** Options of {@link CallbackSink}. */
export interface CallbackSinkOptions {
  /**
   * Receives each batch; may return a promise (awaited, with the pipeline's `sinkTimeoutMs`;
   * `options.signal` aborts when the pipeline stops waiting).
   */
  onBatch: (batch: readonly AnalyticsEvent[], options?: SinkWriteOptions) => Promise<void> | void;
  /** Called once when the pipeline closes, e.g. to flush a vendor SDK. */
  onClose?: () => Promise<void> | void;
  /** Name in stats and logs. @default 'CallbackSink' */
  name?: string;
}

/**
 * Hands batches to your code: forward them to GA4, Mixpanel, Segment, a data warehouse.
 * Works in Node and browsers.
 * @example
 * new CallbackSink({
 *   onBatch: (batch) => {
 *     for (const e of batch) if (e.type === 'exposure')
 *       analytics.track({ userId: e.targetingKey, event: '$exposure', properties: { flag: e.flagKey, variant: e.variant } });
 *   },
 * });
 */
export class CallbackSink implements Sink {
  readonly name: string;

  constructor(private readonly options: CallbackSinkOptions) {
    if (typeof options?.onBatch !== 'function')
      throw new TypeError('CallbackSink: option `onBatch` must be a function');
    this.name = options.name ?? 'CallbackSink';
  }

  write(batch: readonly AnalyticsEvent[], options?: SinkWriteOptions): Promise<void> | void {
    return this.options.onBatch(batch, options);
  }

  close(): Promise<void> | void {
    return this.options.onClose?.();
  }
}
