import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import type { Hook } from '@openfeature/server-sdk';
import type { EventPipeline } from '../event-pipeline.js';
import { type ExposureHookOptions, ExposureRecorder, type ExposureStats } from './exposure-recorder.js';

/**
 * Server exposure hook: after every evaluation (the `finally` stage, so errors count too) it
 * reports one exposure per (targeting key, flag, variant) per window to its sinks. It never
 * throws into an evaluation and does no I/O there: events are queued and written in batches
 * from a timer. Call `close()` on shutdown to flush what is left.
 * @example
 * const exposures = new ExposureHook({ sinks: [new RedisStreamSink({ client: redis })] });
 * OpenFeature.addHooks(exposures);
 * process.on('SIGTERM', () => exposures.close());
 */
export class ExposureHook implements Hook {
  readonly name = 'ensign-exposure';
  private readonly recorder: ExposureRecorder;

  constructor(options: ExposureHookOptions) {
    this.recorder = new ExposureRecorder(ExposureHook.name, options);
  }

  /** The pipeline exposures go to; hand it to a `TrackingRecorder` to reach the same sinks. */
  get pipeline(): EventPipeline {
    return this.recorder.pipeline;
  }

  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    this.recorder.record(hookContext, details);
  }

  /** Counters: exposures, repeats suppressed, drops (in `pipeline.dropped`), internal errors. */
  stats(): ExposureStats {
    return this.recorder.stats();
  }

  /** Writes everything queued so far. Never rejects. */
  flush(): Promise<void> {
    return this.recorder.flush();
  }

  /** Flushes what is left and closes the sinks of a pipeline the hook created itself. */
  close(): Promise<void> {
    return this.recorder.close();
  }
}
