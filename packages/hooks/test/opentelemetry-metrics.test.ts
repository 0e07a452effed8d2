/**
 * OpenTelemetry metrics through the real SDK (`@opentelemetry/sdk-metrics`, in-memory exporter):
 * evaluations read from the one `MetricsAggregator` (never counted twice), their durations,
 * the series bound, and exposure-pipeline throughput and drops.
 */
import type { FlagSetDocument } from '@ensign/core';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CallbackSink,
  ENSIGN_METRICS,
  EVALUATION_DURATION_BUCKETS,
  ExposureHook,
  MetricsAggregator,
  combineHooks,
  instrumentEvaluations,
  instrumentPipelines,
  prometheusName,
} from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';
import { type MetricsHarness, metricsHarness, pointsOf, total } from './support/otel.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const EVALUATIONS = ENSIGN_METRICS.evaluations.name;
const DURATION = ENSIGN_METRICS.evaluationDuration.name;

const document: FlagSetDocument = {
  flags: {
    checkout: {
      state: 'ENABLED',
      variants: { control: false, treatment: true },
      defaultVariant: 'control',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'treatment', null] },
    },
    'payments-kill': {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'ops' },
    },
    banner: { state: 'ENABLED', variants: { a: 'A', b: 'B' }, defaultVariant: 'a' },
  },
};

let otel: MetricsHarness;
beforeAll(async () => {
  await OpenFeature.setProviderAndWait('otel-metrics', new CoreProvider(document, 'shop'));
});
afterAll(async () => {
  await OpenFeature.clearProviders();
});
afterEach(async () => {
  await otel?.shutdown();
});

describe(instrumentEvaluations.name, () => {
  it('reports the aggregator’s counts by flag, variant, reason and error type, with the semconv attributes', async () => {
    otel = metricsHarness();
    const aggregator = new MetricsAggregator({ autoFlush: false });
    const handle = instrumentEvaluations(aggregator, { meter: otel.meter, durationSampleRate: 1 });
    const client = OpenFeature.getClient('otel-metrics').addHooks(combineHooks(aggregator));
    for (let i = 0; i < 3; i++)
      await client.getBooleanValue('checkout', false, { targetingKey: `u${i}`, tier: 'pro' });
    await client.getBooleanValue('checkout', false, { targetingKey: 'free-1', tier: 'free' });
    await client.getBooleanValue('payments-kill', true, { targetingKey: 'u1' });
    await client.getBooleanValue('no-such-flag', false, { targetingKey: 'u1' });
    await client.getNumberValue('banner', 0, { targetingKey: 'u1' }); // a type mismatch

    const metrics = await otel.collect();
    const provider = 'core-test-provider';
    expect(metrics.get(EVALUATIONS)?.type).toBe('SUM');
    expect(pointsOf(metrics, EVALUATIONS, { 'feature_flag.key': 'checkout' })).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            'feature_flag.key': 'checkout',
            'feature_flag.result.variant': 'treatment',
            'feature_flag.result.reason': 'targeting_match',
            'feature_flag.provider.name': provider,
            'feature_flag.set.id': 'shop',
          },
          value: 3,
        },
        {
          attributes: {
            'feature_flag.key': 'checkout',
            'feature_flag.result.variant': 'control',
            'feature_flag.result.reason': 'default',
            'feature_flag.provider.name': provider,
            'feature_flag.set.id': 'shop',
          },
          value: 1,
        },
      ]),
    );
    expect(pointsOf(metrics, EVALUATIONS, { 'feature_flag.key': 'payments-kill' })).toEqual([
      {
        attributes: {
          'feature_flag.key': 'payments-kill',
          'feature_flag.result.reason': 'disabled',
          'feature_flag.provider.name': provider,
          'feature_flag.set.id': 'shop',
        },
        value: 1,
      },
    ]);
    expect(
      total(metrics, EVALUATIONS, { 'error.type': 'flag_not_found', 'feature_flag.key': 'no-such-flag' }),
    ).toBe(1);
    expect(total(metrics, EVALUATIONS, { 'error.type': 'type_mismatch', 'feature_flag.key': 'banner' })).toBe(
      1,
    );
    // One aggregator: the exported counts are the aggregator's own.
    expect(total(metrics, EVALUATIONS)).toBe(aggregator.stats().evaluations);
    expect(aggregator.stats().evaluations).toBe(7);

    // The duration histogram: one observation per evaluation, on the declared buckets, in seconds.
    const duration = metrics.get(DURATION);
    expect(duration?.unit).toBe('s');
    expect(total(metrics, DURATION)).toBe(7);
    const checkout = pointsOf(metrics, DURATION, { 'feature_flag.key': 'checkout' })[0];
    expect(checkout?.histogram?.count).toBe(4);
    expect(checkout?.histogram?.buckets.boundaries).toEqual([...EVALUATION_DURATION_BUCKETS]);
    expect(checkout?.histogram?.sum).toBeGreaterThan(0);
    expect(checkout?.histogram?.sum).toBeLessThan(60); // seconds, not microseconds

    handle.close();
    await client.getBooleanValue('checkout', false, { targetingKey: 'after-close' });
    const after = await otel.collect();
    // Closed: the counter is no longer observed and nothing more is timed.
    expect(total(after, DURATION)).toBe(7);
    expect(aggregator.stats().evaluations).toBe(8);
  });

  it('keeps writing the rollout aggregates to its sink beside the totals', async () => {
    otel = metricsHarness();
    const increments: string[] = [];
    const aggregator = new MetricsAggregator({
      autoFlush: false,
      sink: {
        increment: async (_namespace: string, id: string) => {
          increments.push(id);
        },
      },
    });
    instrumentEvaluations(aggregator, { meter: otel.meter, timing: false });
    const client = OpenFeature.getClient('otel-metrics').addHooks(aggregator);
    await client.getBooleanValue('checkout', false, { targetingKey: 'u1', tier: 'pro' });
    await aggregator.close();
    const metrics = await otel.collect();
    expect(total(metrics, EVALUATIONS, { 'feature_flag.key': 'checkout' })).toBe(1);
    expect(metrics.has(DURATION)).toBe(false);
    expect(increments.some((id) => id.includes('checkout'))).toBe(true);
  });

  it('folds series beyond maxTotalSeries into one overflow series (flag keys can be client-controlled)', async () => {
    otel = metricsHarness();
    const aggregator = new MetricsAggregator({ autoFlush: false, maxTotalSeries: 2 });
    instrumentEvaluations(aggregator, { meter: otel.meter, durationSampleRate: 1 });
    const client = OpenFeature.getClient('otel-metrics').addHooks(combineHooks(aggregator));
    for (const key of ['a', 'b', 'c', 'd', 'e']) await client.getBooleanValue(`unknown-${key}`, false, {});
    const metrics = await otel.collect();
    expect(pointsOf(metrics, EVALUATIONS, { 'otel.metric.overflow': true })).toEqual([
      { attributes: { 'otel.metric.overflow': true }, value: 3 },
    ]);
    expect(pointsOf(metrics, EVALUATIONS).length).toBe(3);
    expect(aggregator.totals().overflowed).toBe(3);
    expect(total(metrics, DURATION, { 'otel.metric.overflow': true })).toBe(3);
  });
});

describe(instrumentPipelines.name, () => {
  it('reports events enqueued, delivered and failed per sink, and drops by reason', async () => {
    otel = metricsHarness();
    const delivered: number[] = [];
    const exposures = new ExposureHook({
      sinks: [
        new CallbackSink({ name: 'analytics', onBatch: (batch) => void delivered.push(batch.length) }),
        {
          name: 'broken',
          write: () => {
            throw new Error('down');
          },
        },
      ],
      logger: quiet,
    });
    instrumentPipelines({ meter: otel.meter, pipelines: { exposures: exposures.pipeline } });
    const client = OpenFeature.getClient('otel-metrics').addHooks(exposures);
    for (let i = 0; i < 4; i++)
      await client.getBooleanValue('checkout', false, { targetingKey: `user-${i}` });
    await exposures.flush();
    const metrics = await otel.collect();
    const base = { 'ensign.pipeline.name': 'exposures' };
    expect(total(metrics, ENSIGN_METRICS.eventsEnqueued.name, base)).toBe(4);
    expect(
      total(metrics, ENSIGN_METRICS.eventsDelivered.name, { ...base, 'ensign.sink.name': 'analytics' }),
    ).toBe(4);
    expect(total(metrics, ENSIGN_METRICS.eventsFailed.name, { ...base, 'ensign.sink.name': 'broken' })).toBe(
      4,
    );
    expect(
      total(metrics, ENSIGN_METRICS.eventsDropped.name, { ...base, 'ensign.drop.reason': 'sink_failed' }),
    ).toBe(exposures.stats().pipeline.dropped.sinkFailed);
    expect(total(metrics, ENSIGN_METRICS.eventsQueued.name, base)).toBe(0);
    expect(delivered.reduce((a, b) => a + b, 0)).toBe(4);
    await exposures.close();
  });
});

describe(prometheusName.name, () => {
  it('derives the Prometheus names the alert rules use', () => {
    expect(prometheusName(ENSIGN_METRICS.evaluations)).toBe('feature_flag_evaluations_total');
    expect(prometheusName(ENSIGN_METRICS.evaluationDuration)).toBe(
      'feature_flag_evaluation_duration_seconds',
    );
    expect(prometheusName(ENSIGN_METRICS.killSwitchDuration)).toBe(
      'ensign_kill_switch_active_duration_seconds',
    );
    expect(prometheusName(ENSIGN_METRICS.syncStale)).toBe('ensign_flag_set_sync_stale');
  });
});

describe('duration sampling', () => {
  it('times about the share of evaluations asked for, and every evaluation is still counted', async () => {
    otel = metricsHarness();
    const aggregator = new MetricsAggregator({ autoFlush: false });
    instrumentEvaluations(aggregator, { meter: otel.meter }); // the default 10% sample
    const client = OpenFeature.getClient('otel-metrics').addHooks(combineHooks(aggregator));
    for (let i = 0; i < 2_000; i++)
      await client.getBooleanValue('checkout', false, { targetingKey: `u${i}` });
    const metrics = await otel.collect();
    expect(total(metrics, EVALUATIONS)).toBe(2_000);
    const timed = total(metrics, DURATION);
    // Binomial(2000, 0.1): mean 200, sd 13.4; this range fails about once in 10^9 runs.
    expect(timed).toBeGreaterThan(120);
    expect(timed).toBeLessThan(280);
    expect(() => aggregator.totals().setTimer(() => {}, 0)).toThrow(/sampleRate/);
  });
});
