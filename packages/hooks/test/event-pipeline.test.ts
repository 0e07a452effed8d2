import { describe, expect, it } from 'vitest';
import {
  type AnalyticsEvent,
  CallbackSink,
  EventPipeline,
  type TrackingEvent,
  TrackingRecorder,
} from '../src/index.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const event = (i: number): TrackingEvent => ({ type: 'tracking', eventName: `e${i}`, timestamp: i });

describe(EventPipeline.name, () => {
  it('flushes a full batch right away and the rest on the timer, in order, off the caller stack', async () => {
    const batches: AnalyticsEvent[][] = [];
    const pipeline = new EventPipeline({
      sinks: [new CallbackSink({ onBatch: (b) => void batches.push([...b]) })],
      batchSize: 4,
      flushIntervalMs: 40,
    });
    for (let i = 0; i < 6; i++) pipeline.push(event(i));
    expect(batches).toHaveLength(0); // push never writes synchronously
    await new Promise((r) => setTimeout(r, 5));
    expect(batches.map((b) => b.length)).toEqual([4, 2]); // size-triggered flush drains everything queued
    pipeline.push(event(6));
    await new Promise((r) => setTimeout(r, 80));
    expect(batches.map((b) => b.length)).toEqual([4, 2, 1]); // the interval picked up the straggler
    await pipeline.close();
    expect(batches.flat().map((e) => (e as TrackingEvent).eventName)).toEqual([
      'e0',
      'e1',
      'e2',
      'e3',
      'e4',
      'e5',
      'e6',
    ]);
  });

  it('gives up on a sink that never settles after sinkTimeoutMs and counts its events as dropped; other sinks still get them', async () => {
    const delivered: AnalyticsEvent[] = [];
    const pipeline = new EventPipeline({
      sinks: [
        new CallbackSink({ name: 'hung', onBatch: () => new Promise(() => {}) }),
        new CallbackSink({ name: 'ok', onBatch: (b) => void delivered.push(...b) }),
      ],
      sinkTimeoutMs: 30,
      logger: quiet,
    });
    for (let i = 0; i < 3; i++) pipeline.push(event(i));
    await pipeline.close();
    expect(delivered).toHaveLength(3);
    expect(pipeline.stats()).toMatchObject({
      dropped: { sinkFailed: 3 },
      sinks: { hung: { delivered: 0, failed: 3 }, ok: { delivered: 3, failed: 0 } },
    });
  });

  it('delivers a long queue in order across many batches, including while events keep arriving', async () => {
    const seen: number[] = [];
    const pipeline = new EventPipeline({
      sinks: [new CallbackSink({ onBatch: (b) => void seen.push(...b.map((e) => e.timestamp)) })],
      batchSize: 7,
      maxQueueSize: 20_000,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 10_000; i++) pipeline.push(event(i));
    const flushing = pipeline.flush();
    for (let i = 10_000; i < 12_000; i++) pipeline.push(event(i));
    await flushing;
    await pipeline.close();
    expect(seen).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
    expect(pipeline.stats()).toMatchObject({ enqueued: 12_000, queued: 0, batches: Math.ceil(12_000 / 7) });
  });

  it('names the option at fault', () => {
    expect(() => new EventPipeline({ sinks: [], batchSize: 0 })).toThrow(
      /`batchSize` must be a positive number/,
    );
    expect(() => new TrackingRecorder({})).toThrow(/option `sinks`.*option `pipeline`/);
  });
});

describe(TrackingRecorder.name, () => {
  it("stamps the provider's flag set on events, else the recorder's, unless the details name one", async () => {
    const out: AnalyticsEvent[] = [];
    const withOption = new TrackingRecorder({
      sinks: [new CallbackSink({ onBatch: (b) => void out.push(...b) })],
      flagSetId: 'fallback',
    });
    const context = { targetingKey: 'u1' };
    withOption.track({ eventName: 'a', context, flagSetId: 'shop' }); // the provider names its set
    withOption.track({ eventName: 'b', context }); // a provider that does not
    withOption.track({ eventName: 'c', context, flagSetId: 'shop', details: { flagSetId: 'other' } });
    await withOption.close();
    const withoutOption = new TrackingRecorder({
      sinks: [new CallbackSink({ onBatch: (b) => void out.push(...b) })],
    });
    withoutOption.track({ eventName: 'd', context, flagSetId: 'shop' });
    withoutOption.track({ eventName: 'e', context });
    await withoutOption.close();
    expect(out.map((e) => [(e as TrackingEvent).eventName, e.flagSetId])).toEqual([
      ['a', 'shop'],
      ['b', 'fallback'],
      ['c', 'other'],
      ['d', 'shop'],
      ['e', undefined],
    ]);
  });

  it('turns track() calls into tracking events with attribution and the remaining details', async () => {
    const out: AnalyticsEvent[] = [];
    const recorder = new TrackingRecorder({
      sinks: [new CallbackSink({ onBatch: (b) => void out.push(...b) })],
      flagSetId: 'shop',
      now: () => 42,
    });
    recorder.track({
      eventName: 'purchase',
      context: { targetingKey: 'u1' },
      details: { value: 9.5, flagKey: 'exp', variant: 'b', currency: 'EUR' },
    });
    recorder.track({ eventName: 'error', context: {}, timestamp: new Date(7) });
    recorder.track(null as unknown as Parameters<TrackingRecorder['track']>[0]); // never throws
    await recorder.close();
    expect(out).toEqual([
      {
        type: 'tracking',
        eventName: 'purchase',
        timestamp: 42,
        targetingKey: 'u1',
        value: 9.5,
        flagKey: 'exp',
        variant: 'b',
        flagSetId: 'shop',
        details: { currency: 'EUR' },
      },
      { type: 'tracking', eventName: 'error', timestamp: 7, flagSetId: 'shop' },
    ]);
    expect(recorder.stats()).toMatchObject({ recorded: 2, internalErrors: 1 });
  });
});
