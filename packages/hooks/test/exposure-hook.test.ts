import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { CallbackSink, type ExposureEvent, ExposureHook } from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';
import { collectingSink, details, hookContext } from './support/evaluations.js';

describe(ExposureHook.name, () => {
  it('reports one exposure per (targeting key, flag, variant) within the window, again after it', async () => {
    let now = 1_000;
    const { events, sink } = collectingSink();
    const hook = new ExposureHook({ sinks: [sink], windowMs: 100, now: () => now });
    hook.finally(hookContext('u1'), details('flag', 'on'));
    hook.finally(hookContext('u1'), details('flag', 'on'));
    hook.finally(hookContext('u1'), details('flag', 'off')); // another variant is a new exposure
    hook.finally(hookContext('u2'), details('flag', 'on'));
    now += 99;
    hook.finally(hookContext('u1'), details('flag', 'on'));
    now += 1; // the window has passed
    hook.finally(hookContext('u1'), details('flag', 'on'));
    await hook.close();
    expect(
      events.map((e) => [(e as ExposureEvent).targetingKey, (e as ExposureEvent).variant, e.timestamp]),
    ).toEqual([
      ['u1', 'on', 1000],
      ['u1', 'off', 1000],
      ['u2', 'on', 1000],
      ['u1', 'on', 1100],
    ]);
    expect(hook.stats()).toMatchObject({ evaluations: 6, exposures: 4, deduplicated: 2 });
  });

  it('bounds deduplication memory by maxEntries: the triple reported longest ago is forgotten first', async () => {
    const { events, sink } = collectingSink();
    const hook = new ExposureHook({ sinks: [sink], maxEntries: 2, windowMs: 60_000 });
    for (const user of ['a', 'b', 'b', 'c', 'b', 'a']) hook.finally(hookContext(user), details('flag', 'on'));
    hook.finally(hookContext('b'), details('flag2', 'on')); // evicts c:flag
    hook.finally(hookContext('d'), details('flag', 'on')); // evicts a:flag, the oldest report
    hook.finally(hookContext('b'), details('flag', 'on')); // forgotten before: reported, evicts b:flag2
    hook.finally(hookContext('b'), details('flag2', 'on')); // so this is reported again, evicts d:flag
    hook.finally(hookContext('b'), details('flag', 'on')); // still remembered: a repeat
    await hook.close();
    // A repeat of 'b' (no report) does not refresh it: 'c' evicts 'a', then 'a' evicts 'b'.
    expect(events.map((e) => `${(e as ExposureEvent).targetingKey}:${(e as ExposureEvent).flagKey}`)).toEqual(
      ['a:flag', 'b:flag', 'c:flag', 'a:flag', 'b:flag2', 'd:flag', 'b:flag', 'b:flag2'],
    );
    expect(hook.stats()).toMatchObject({ dedupEntries: 2, deduplicated: 3 });
  });

  it('keeps a variant change apart from a repeat: each (subject, flag, variant) once per window', async () => {
    const { events, sink } = collectingSink();
    const hook = new ExposureHook({ sinks: [sink], windowMs: 60_000 });
    for (const variant of ['on', 'off', 'on', 'off', 'on'])
      hook.finally(hookContext('u'), details('flag', variant));
    await hook.close();
    expect(events.map((e) => (e as ExposureEvent).variant)).toEqual(['on', 'off']);
  });

  it('skips evaluations without targeting key and those the filter excludes', async () => {
    const { events, sink } = collectingSink();
    const hook = new ExposureHook({
      sinks: [sink],
      filter: (_key, metadata) => metadata.kind === 'experiment',
    });
    hook.finally(hookContext(undefined), details('flag', 'on', { flagMetadata: { kind: 'experiment' } }));
    hook.finally(hookContext('u1'), details('flag', 'on', { flagMetadata: { kind: 'release' } }));
    hook.finally(hookContext('u1'), details('exp', 'b', { flagMetadata: { kind: 'experiment' } }));
    await hook.close();
    expect(events.map((e) => (e as ExposureEvent).flagKey)).toEqual(['exp']);
    expect(hook.stats()).toMatchObject({ withoutTargetingKey: 1, filtered: 1, exposures: 1 });
  });

  it('never throws into an evaluation: a throwing filter, broken details and a throwing sink are absorbed', async () => {
    const hook = new ExposureHook({
      sinks: [
        new CallbackSink({
          onBatch: () => {
            throw new Error('sink down');
          },
        }),
      ],
      filter: (key) => {
        if (key === 'boom') throw new Error('filter bug');
        return true;
      },
      logger: { error() {}, warn() {}, info() {}, debug() {} },
    });
    expect(() => hook.finally(hookContext('u1'), details('boom', 'on'))).not.toThrow();
    expect(() =>
      hook.finally(null as unknown as HookContext, null as unknown as EvaluationDetails<FlagValue>),
    ).not.toThrow();
    hook.finally(hookContext('u1'), details('ok', 'on'));
    await expect(hook.flush()).resolves.toBeUndefined();
    const stats = hook.stats();
    expect(stats.internalErrors).toBe(2);
    expect(stats.pipeline.dropped.sinkFailed).toBe(1);
    await hook.close();
  });

  it('bounds the queue when the sink is stuck: evaluations go on, drops are counted and reported once', async () => {
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const warnings: unknown[][] = [];
    const hook = new ExposureHook({
      sinks: [new CallbackSink({ onBatch: () => stuck })],
      maxQueueSize: 10,
      batchSize: 5,
      flushIntervalMs: 60_000,
      logger: { error() {}, warn: (...args: unknown[]) => void warnings.push(args), info() {}, debug() {} },
    });
    for (let i = 0; i < 5; i++) hook.finally(hookContext(`u${i}`), details('flag', 'on'));
    const flushing = hook.flush(); // the first batch is now stuck in the sink
    for (let i = 5; i < 30; i++) hook.finally(hookContext(`u${i}`), details('flag', 'on'));
    const stats = hook.stats();
    expect(stats.exposures).toBe(15);
    expect(stats.pipeline.queued).toBe(10);
    expect(stats.pipeline.dropped.queueFull).toBe(15);
    expect(warnings).toHaveLength(1); // rate-limited: one line for the burst
    expect(String(warnings[0]![0])).toContain('dropped 1 analytics event');
    release();
    await flushing;
    await hook.close();
    expect(hook.stats().pipeline.sinks.CallbackSink).toEqual({ delivered: 15, failed: 0 });
  });

  it('close() flushes what is left and closes the sinks; later exposures are counted as dropped', async () => {
    const { events } = collectingSink();
    let closed = 0;
    const hook = new ExposureHook({
      sinks: [new CallbackSink({ onBatch: (b) => void events.push(...b), onClose: () => void closed++ })],
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 7; i++) hook.finally(hookContext(`u${i}`), details('flag', 'on'));
    expect(events).toHaveLength(0); // nothing is written on the evaluation path
    await hook.close();
    expect(events).toHaveLength(7);
    expect(closed).toBe(1);
    hook.finally(hookContext('late'), details('flag', 'on'));
    expect(hook.stats().pipeline.dropped.closed).toBe(1);
  });

  describe('through a real OpenFeature client', () => {
    const provider = new CoreProvider({
      flags: {
        exp: {
          state: 'ENABLED',
          variants: { control: 'a', treatment: 'b' },
          defaultVariant: 'control',
          targeting: {
            fractional: [
              ['control', 50],
              ['treatment', 50],
            ],
          },
          metadata: { kind: 'experiment' },
        },
      },
    });
    const { events, sink } = collectingSink();
    const hook = new ExposureHook({ sinks: [sink], includeValue: true });
    afterAll(async () => {
      await hook.close();
      await OpenFeature.clearProviders();
    });

    it('records the full event, including errors (the finally stage sees them)', async () => {
      await OpenFeature.setProviderAndWait('exposure-unit', provider);
      const client = OpenFeature.getClient('exposure-unit');
      client.addHooks(hook);
      const value = await client.getStringValue('exp', 'x', { targetingKey: 'user-1' });
      await client.getStringValue('exp', 'x', { targetingKey: 'user-1' });
      await client.getBooleanValue('exp', false, { targetingKey: 'user-1' }); // type mismatch → error
      await client.getStringValue('missing', 'x', { targetingKey: 'user-1' });
      await hook.flush();
      expect(events).toHaveLength(3);
      const [ok, mismatch, missing] = events as ExposureEvent[];
      expect(ok).toMatchObject({
        type: 'exposure',
        flagKey: 'exp',
        value,
        reason: 'TARGETING_MATCH',
        targetingKey: 'user-1',
        flagSetId: 'test-set',
        version: 1,
        providerName: 'core-test-provider',
      });
      expect(ok!.variant).toBe(value === 'a' ? 'control' : 'treatment');
      expect(mismatch).toMatchObject({ flagKey: 'exp', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
      expect(missing).toMatchObject({ flagKey: 'missing', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    });
  });
});
