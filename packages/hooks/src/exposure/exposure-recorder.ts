/**
 * What the server and browser exposure hooks share: deduplication, event building and the
 * hand-off to an {@link EventPipeline}. Everything in `finally` is synchronous and wrapped in
 * try/catch, so the same code satisfies the web SDK (synchronous hooks) and the server SDK.
 */
import type { EvaluationDetails, FlagMetadata, FlagValue, HookContext } from '@openfeature/core';
import {
  type EventPipeline,
  type EventPipelineOptions,
  type PipelineStats,
  pipelineFor,
} from '../event-pipeline.js';
import { exposureFrom } from '../events.js';
import type { Sink } from '../sinks/sink.js';
import { ExposureDeduper } from './exposure-dedup.js';

/** Options shared by `ExposureHook` and `WebExposureHook`. */
export interface ExposureHookOptions extends Partial<Omit<EventPipelineOptions, 'sinks'>> {
  /** Sinks for a pipeline the hook creates and owns (closed by `close()`). Give this or `pipeline`. */
  sinks?: readonly Sink[];
  /** A pipeline shared with others (e.g. a `TrackingRecorder`); the hook does not close it. */
  pipeline?: EventPipeline;
  /** A (targeting key, flag, variant) triple is reported at most once per window. @default 3600000 (1 hour) */
  windowMs?: number;
  /**
   * Most (targeting key, flag, variant) triples remembered for deduplication. Each is kept as a
   * 53-bit hash, about 90 bytes whatever the length of the targeting key, so this bounds the
   * memory in bytes (about 4.5 MB at the default). When full, the triple reported longest ago is
   * forgotten (and at worst reported once more).
   * @default 50000
   */
  maxEntries?: number;
  /** Put the served value on the event (may be sensitive or large). @default false */
  includeValue?: boolean;
  /** Report only flags for which this returns `true`, e.g. `(key, m) => m.kind === 'experiment'`. @default every flag */
  filter?: (flagKey: string, flagMetadata: Readonly<FlagMetadata>) => boolean;
  /** Clock seam for tests. @default Date.now */
  now?: () => number;
}

/** Counters of an exposure hook. */
export interface ExposureStats {
  /** Evaluations the hook saw. */
  evaluations: number;
  /** Exposures handed to the pipeline. */
  exposures: number;
  /** Evaluations suppressed as repeats within the window. */
  deduplicated: number;
  /** Evaluations without a targeting key (not reportable). */
  withoutTargetingKey: number;
  /** Evaluations excluded by `filter`. */
  filtered: number;
  /** Failures inside the hook, swallowed so evaluations never see them. */
  internalErrors: number;
  /** (targeting key, flag, variant) triples remembered now. */
  dedupEntries: number;
  pipeline: PipelineStats;
}

/** Defaults of {@link ExposureHookOptions}. */
export const EXPOSURE_DEFAULTS = { windowMs: 3_600_000, maxEntries: 50_000 } as const;

/** @internal The shared implementation behind `ExposureHook` and `WebExposureHook`. */
export class ExposureRecorder {
  /** The pipeline exposures go to (shared or owned). */
  readonly pipeline: EventPipeline;
  private readonly ownsPipeline: boolean;
  private readonly deduper: ExposureDeduper;
  private readonly includeValue: boolean;
  private readonly filter: ExposureHookOptions['filter'];
  private readonly now: () => number;
  private readonly counts = {
    evaluations: 0,
    exposures: 0,
    deduplicated: 0,
    withoutTargetingKey: 0,
    filtered: 0,
    internalErrors: 0,
  };

  constructor(className: string, options: ExposureHookOptions) {
    const { pipeline, owned } = pipelineFor(className, options);
    this.pipeline = pipeline;
    this.ownsPipeline = owned;
    const windowMs = options.windowMs ?? EXPOSURE_DEFAULTS.windowMs;
    const maxEntries = options.maxEntries ?? EXPOSURE_DEFAULTS.maxEntries;
    if (!(windowMs >= 0))
      throw new RangeError(`${className}: option \`windowMs\` must be >= 0, got ${windowMs}`);
    if (!(maxEntries >= 1))
      throw new RangeError(`${className}: option \`maxEntries\` must be >= 1, got ${maxEntries}`);
    this.deduper = new ExposureDeduper(windowMs, maxEntries);
    this.includeValue = options.includeValue ?? false;
    this.filter = options.filter;
    this.now = options.now ?? Date.now;
  }

  /** Records the evaluation as an exposure unless it repeats one within the window. Never throws. */
  record(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    try {
      this.counts.evaluations++;
      const targetingKey = hookContext.context?.targetingKey;
      if (typeof targetingKey !== 'string' || targetingKey === '') {
        this.counts.withoutTargetingKey++;
        return;
      }
      const flagKey = details.flagKey ?? hookContext.flagKey;
      if (this.filter !== undefined && !this.filter(flagKey, details.flagMetadata ?? {})) {
        this.counts.filtered++;
        return;
      }
      const now = this.now();
      // Errors carry no variant; keying on the outcome keeps "saw the error" apart from a variant.
      const outcome = details.variant ?? `#${details.errorCode ?? details.reason ?? 'none'}`;
      // The key the event will carry: an over-long one is hashed once here, not again for dedup.
      const subject = this.pipeline.boundedTargetingKey(targetingKey);
      if (!this.deduper.firstInWindow(subject, flagKey, outcome, now)) {
        this.counts.deduplicated++;
        return;
      }
      const event = exposureFrom(hookContext, details, this.includeValue, now, subject);
      if (event !== undefined && this.pipeline.push(event)) this.counts.exposures++;
    } catch {
      this.counts.internalErrors++;
    }
  }

  stats(): ExposureStats {
    return { ...this.counts, dedupEntries: this.deduper.size, pipeline: this.pipeline.stats() };
  }

  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  /** Flushes; closes the pipeline (and its sinks) only when the recorder created it. */
  async close(): Promise<void> {
    if (this.ownsPipeline) await this.pipeline.close();
    else await this.pipeline.flush();
  }
}
