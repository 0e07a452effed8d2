/**
 * Memory bounds under client-controlled targeting keys (ChatGPT's `openai/subject` can be any
 * size): neither the deduplication memory nor the queue in front of the sinks may grow with the
 * length of the keys. Each test feeds 100 KB keys and compares retained heap against a bound an
 * order of magnitude below what keeping the keys would cost.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnalyticsEvent,
  CallbackSink,
  type ExposureEvent,
  ExposureHook,
  TrackingRecorder,
  analyzeExperiment,
} from '../src/index.js';
import { collectingSink, details, hookContext } from './support/evaluations.js';
import { bigKey, retainedBytes } from './support/heap.js';

const KEY_BYTES = 100_000;
const KEYS = 1_000; // 100 MB of distinct keys: what retaining them would cost
const MB = 1_000_000;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

describe('exposure memory under huge targeting keys', () => {
  it('deduplicates 1,000 distinct 100 KB keys without retaining them', async () => {
    let delivered = 0;
    const hook = new ExposureHook({
      sinks: [
        new CallbackSink({
          onBatch: (batch) => {
            delivered += batch.length;
          },
        }),
      ],
      windowMs: 3_600_000,
      logger: quiet,
    });
    const first = bigKey(0, KEY_BYTES);
    hook.finally(hookContext(first), details('flag', 'on'));
    await hook.flush();
    const before = retainedBytes();
    for (let i = 1; i < KEYS; i++) {
      hook.finally(hookContext(bigKey(i, KEY_BYTES)), details('flag', 'on'));
      if (i % 100 === 0) await hook.flush(); // the queue is another test's subject
    }
    await hook.flush();
    const grown = retainedBytes() - before;

    expect(grown).toBeLessThan(5 * MB);
    // Still deduplicating: the same content in a new string object is a repeat, a new variant is not.
    hook.finally(hookContext(bigKey(0, KEY_BYTES)), details('flag', 'on'));
    hook.finally(hookContext(bigKey(KEYS - 1, KEY_BYTES)), details('flag', 'on'));
    hook.finally(hookContext(bigKey(0, KEY_BYTES)), details('flag', 'off'));
    await hook.close();
    expect(hook.stats()).toMatchObject({ exposures: KEYS + 1, deduplicated: 2, dedupEntries: KEYS + 1 });
    expect(delivered).toBe(KEYS + 1);
    expect(first.length).toBe(KEY_BYTES); // keeps `first` alive across the measurement
  });

  it('keeps huge keys out of the queue: events carry a bounded stand-in key and the queue is bounded in bytes', async () => {
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events: AnalyticsEvent[] = [];
    const hook = new ExposureHook({
      sinks: [
        new CallbackSink({
          onBatch: async (batch) => {
            await stuck;
            events.push(...batch);
          },
        }),
      ],
      batchSize: 10,
      maxQueueSize: 100_000,
      maxQueueBytes: 2 * MB,
      flushIntervalMs: 60_000,
      sinkTimeoutMs: 60_000,
      logger: quiet,
    });
    const before = retainedBytes();
    for (let i = 0; i < KEYS; i++) hook.finally(hookContext(bigKey(i, KEY_BYTES)), details('flag', 'on'));
    const queued = hook.stats().pipeline;
    const grown = retainedBytes() - before;

    expect(grown).toBeLessThan(5 * MB);
    expect(queued.queuedBytes).toBeLessThanOrEqual(2 * MB);
    expect(queued.queued + queued.dropped.queueFull).toBe(KEYS);
    release();
    await hook.close();
    const keys = events.map((e) => (e as ExposureEvent).targetingKey);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(256);
    expect(new Set(keys).size).toBe(keys.length); // distinct keys stay distinct
    expect(keys[0]!.startsWith('0:kkkk')).toBe(true); // a readable prefix of the original
  });

  it('bounds the queue in bytes against large tracking details, counting what does not fit', async () => {
    const recorder = new TrackingRecorder({
      sinks: [new CallbackSink({ onBatch: () => new Promise(() => {}) })],
      maxQueueBytes: MB,
      flushIntervalMs: 60_000,
      sinkTimeoutMs: 60_000,
      logger: quiet,
    });
    const note = 'n'.repeat(50_000);
    for (let i = 0; i < 100; i++)
      recorder.track({ eventName: 'e', context: { targetingKey: 'u' }, details: { note } });
    const stats = recorder.stats().pipeline;
    expect(stats.queuedBytes).toBeLessThanOrEqual(MB);
    expect(stats.queued).toBeLessThan(100);
    expect(stats.queued + stats.dropped.queueFull).toBe(100);
  });

  it('gives a long key the same stand-in in exposures and tracking events, so analysis joins them', async () => {
    const { events, sink } = collectingSink();
    const hook = new ExposureHook({ sinks: [sink] });
    const recorder = new TrackingRecorder({ pipeline: hook.pipeline });
    for (let i = 0; i < 3; i++) {
      hook.finally(
        hookContext(bigKey(i, KEY_BYTES), 'exp'),
        details('exp', i === 0 ? 'control' : 'treatment'),
      );
    }
    recorder.track({ eventName: 'purchase', context: { targetingKey: bigKey(1, KEY_BYTES) } });
    await hook.close();
    const exposures = events.filter((e): e is ExposureEvent => e.type === 'exposure');
    const conversions = events.filter((e) => e.type === 'tracking');
    const result = analyzeExperiment({
      exposures,
      conversions,
      flagKey: 'exp',
      metric: 'purchase',
      control: 'control',
    });
    expect(result.variants.map((v) => [v.variant, v.exposedUsers, v.convertedUsers])).toEqual([
      ['control', 1, 0],
      ['treatment', 2, 1],
    ]);
  });
});
