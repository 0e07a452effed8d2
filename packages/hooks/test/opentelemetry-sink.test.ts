import { OpenFeature } from '@openfeature/server-sdk';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { ExposureHook, OpenTelemetrySink, TrackingRecorder } from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';

describe(OpenTelemetrySink.name, () => {
  const exporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor(exporter)] });
  const hook = new ExposureHook({ sinks: [new OpenTelemetrySink({ loggerProvider })], includeValue: true });
  const tracking = new TrackingRecorder({ pipeline: hook.pipeline });
  afterAll(async () => {
    await hook.close();
    await loggerProvider.shutdown();
    await OpenFeature.clearProviders();
  });

  it('emits feature_flag.evaluation events with the semantic-convention attributes through a real SDK', async () => {
    await OpenFeature.setProviderAndWait(
      'otel',
      new CoreProvider(
        {
          flags: {
            banner: {
              state: 'ENABLED',
              variants: { blue: 'blue', red: 'red' },
              defaultVariant: 'red',
              targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'blue'] },
            },
          },
        },
        'marketing',
      ),
    );
    const client = OpenFeature.getClient('otel');
    client.addHooks(hook);
    await client.getStringValue('banner', 'x', { targetingKey: 'user-7', tier: 'pro' });
    await client.getNumberValue('banner', 0, { targetingKey: 'user-7' });
    tracking.track({
      eventName: 'click',
      context: { targetingKey: 'user-7' },
      details: { value: 3, flagKey: 'banner', variant: 'blue' },
    });
    await hook.flush();

    const records = exporter.getFinishedLogRecords();
    expect(records.map((r) => r.eventName)).toEqual([
      'feature_flag.evaluation',
      'feature_flag.evaluation',
      'ensign.track',
    ]);
    expect(records[0]!.attributes).toEqual({
      'feature_flag.key': 'banner',
      'feature_flag.result.variant': 'blue',
      'feature_flag.result.value': 'blue',
      'feature_flag.result.reason': 'targeting_match',
      'feature_flag.provider.name': 'core-test-provider',
      'feature_flag.set.id': 'marketing',
      'feature_flag.version': '1',
      'feature_flag.context.id': 'user-7',
    });
    expect(records[0]!.severityText).toBe('INFO');
    expect(records[1]!.attributes).toMatchObject({
      'feature_flag.key': 'banner',
      'feature_flag.result.reason': 'error',
      'error.type': 'type_mismatch',
      'feature_flag.context.id': 'user-7',
    });
    expect(records[1]!.attributes['feature_flag.result.variant']).toBeUndefined();
    expect(records[2]!.attributes).toEqual({
      'ensign.track.event_name': 'click',
      'ensign.track.value': 3,
      'feature_flag.context.id': 'user-7',
      'feature_flag.key': 'banner',
      'feature_flag.result.variant': 'blue',
    });
  });

  it('names the missing option', () => {
    expect(() => new OpenTelemetrySink({})).toThrow(/option `logger` or option `loggerProvider`/);
  });
});
