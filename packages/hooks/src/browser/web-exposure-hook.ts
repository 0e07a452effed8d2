/**
 * Browser exposure hook for widgets (OpenFeature web SDK). Web hooks must be synchronous: this one
 * only deduplicates and queues; batches leave from a timer and when the page is hidden or
 * unloaded (`pagehide`, `visibilitychange`), typically through a {@link BeaconSink}.
 * No Node APIs in this file.
 */
import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import type { Hook } from '@openfeature/web-sdk';
import type { EventPipeline } from '../event-pipeline.js';
import {
  type ExposureHookOptions,
  ExposureRecorder,
  type ExposureStats,
} from '../exposure/exposure-recorder.js';

/** Options of {@link WebExposureHook}. */
export interface WebExposureHookOptions extends ExposureHookOptions {
  /**
   * Flush when the page is hidden or unloaded, so exposures are not lost with the iframe.
   * @default true when `window.addEventListener` exists
   */
  flushOnPageHide?: boolean;
}

interface PageEvents {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

interface VisibilityDocument {
  readonly visibilityState?: string;
}

/**
 * Synchronous exposure hook for the OpenFeature web SDK, with the same deduplication as the
 * server `ExposureHook`.
 * @example
 * OpenFeature.addHooks(new WebExposureHook({ sinks: [new BeaconSink({ url: '/exposures' })] }));
 */
export class WebExposureHook implements Hook {
  readonly name = 'ensign-web-exposure';
  private readonly recorder: ExposureRecorder;
  private readonly detach: (() => void) | undefined;

  constructor(options: WebExposureHookOptions) {
    this.recorder = new ExposureRecorder(WebExposureHook.name, { flushIntervalMs: 2_000, ...options });
    const page = (globalThis as { window?: Partial<PageEvents> }).window;
    if ((options.flushOnPageHide ?? true) && typeof page?.addEventListener === 'function') {
      const target = page as PageEvents;
      const onHide = () => void this.recorder.flush();
      const onVisibility = () => {
        const doc = (globalThis as { document?: VisibilityDocument }).document;
        if (doc?.visibilityState === 'hidden') void this.recorder.flush();
      };
      target.addEventListener('pagehide', onHide);
      target.addEventListener('visibilitychange', onVisibility);
      this.detach = () => {
        target.removeEventListener('pagehide', onHide);
        target.removeEventListener('visibilitychange', onVisibility);
      };
    }
  }

  /** The pipeline exposures go to. */
  get pipeline(): EventPipeline {
    return this.recorder.pipeline;
  }

  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    this.recorder.record(hookContext, details);
  }

  /** Counters: exposures, repeats suppressed, drops, internal errors. */
  stats(): ExposureStats {
    return this.recorder.stats();
  }

  /** Sends everything queued so far. Never rejects. */
  flush(): Promise<void> {
    return this.recorder.flush();
  }

  /** Removes the page listeners, flushes and closes an owned pipeline. */
  close(): Promise<void> {
    this.detach?.();
    return this.recorder.close();
  }
}
