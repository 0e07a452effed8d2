/**
 * Traces: OpenFeature's own `SpanEventHook` (`@openfeature/open-telemetry-hooks`) records each
 * evaluation as a `feature_flag.evaluation` event with the semantic-convention attributes on the
 * active span, the tool call's. Run through `combineHooks` beside ours, so the SDK's per-hook
 * cost is paid once; checked with the real tracing SDK and an in-memory exporter.
 */
import type { FlagSetDocument } from '@ensign/core';
import { SpanEventHook } from '@openfeature/open-telemetry-hooks';
import { OpenFeature } from '@openfeature/server-sdk';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsAggregator, combineHooks } from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';
import { type TracingHarness, tracingHarness } from './support/otel.js';

const document: FlagSetDocument = {
  flags: {
    'new-search': {
      state: 'ENABLED',
      variants: { off: false, on: true },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'on', null] },
    },
    layout: { state: 'ENABLED', variants: { grid: 'grid', list: 'list' }, defaultVariant: 'list' },
  },
};

let tracing: TracingHarness;
beforeAll(async () => {
  tracing = tracingHarness();
  await OpenFeature.setProviderAndWait('otel-traces', new CoreProvider(document, 'shop'));
});
afterAll(async () => {
  await OpenFeature.clearProviders();
  await tracing.shutdown();
});

describe('evaluations on the active span', () => {
  it('a failing tool call’s span shows which flags and variants it ran with', async () => {
    const metrics = new MetricsAggregator({ autoFlush: false });
    const client = OpenFeature.getClient('otel-traces').addHooks(combineHooks(metrics, new SpanEventHook()));
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('tool search_classes', async (span) => {
      try {
        const context = { targetingKey: 'user-7', tier: 'pro' };
        await client.getBooleanValue('new-search', false, context);
        await client.getStringValue('layout', 'list', context);
        await client.getBooleanValue('missing-flag', false, context);
        throw new Error('search backend timed out');
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      } finally {
        span.end();
      }
    });
    // An evaluation outside any span records nothing (and does not fail).
    await client.getBooleanValue('new-search', false, { targetingKey: 'user-8' });

    const spans = tracing.finished();
    expect(spans.map((s) => s.name)).toEqual(['tool search_classes']);
    const toolCall = spans[0]!;
    expect(toolCall.status.code).toBe(SpanStatusCode.ERROR);
    const evaluations = toolCall.events.filter((e) => e.name === 'feature_flag.evaluation');
    expect(evaluations.map((e) => e.attributes)).toEqual([
      expect.objectContaining({
        'feature_flag.key': 'new-search',
        'feature_flag.result.variant': 'on',
        'feature_flag.result.reason': 'targeting_match',
        'feature_flag.provider.name': 'core-test-provider',
        'feature_flag.set.id': 'shop',
        'feature_flag.context.id': 'user-7',
      }),
      expect.objectContaining({
        'feature_flag.key': 'layout',
        'feature_flag.result.variant': 'list',
        'feature_flag.result.reason': 'static',
      }),
      expect.objectContaining({
        'feature_flag.key': 'missing-flag',
        'error.type': 'flag_not_found',
        'feature_flag.result.reason': 'error',
      }),
    ]);
    // The same evaluations were counted once, by the aggregator, beside the span events.
    expect(metrics.stats().evaluations).toBe(4);
  });
});
