import { InMemoryProvider, OpenFeature } from '@openfeature/web-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnalyticsEvent, BeaconSink, type ExposureEvent, WebExposureHook } from '../src/browser.js';

describe(WebExposureHook.name, () => {
  // The hook looks for `window` on globalThis, as in a browser; Node's EventTarget stands in for it.
  const page = new EventTarget();
  (globalThis as { window?: unknown }).window = page;
  const beacons: { url: string; body: AnalyticsEvent[] }[] = [];
  let accept = true;
  const sink = new BeaconSink({
    url: '/exposures',
    maxBytes: 600,
    sendBeacon: (url, body) => {
      if (accept) beacons.push({ url, body: JSON.parse(body) as AnalyticsEvent[] });
      return accept;
    },
  });
  const hook = new WebExposureHook({ sinks: [sink], flushIntervalMs: 60_000 });
  const client = OpenFeature.getClient('widget').addHooks(hook);
  afterAll(async () => {
    await hook.close();
    delete (globalThis as { window?: unknown }).window;
    await OpenFeature.clearProviders();
  });

  it('is synchronous, deduplicates like the server hook, and sends beacons on pagehide (split under maxBytes)', async () => {
    await OpenFeature.setProviderAndWait(
      'widget',
      new InMemoryProvider({
        cta: { variants: { a: 'Buy', b: 'Get' }, defaultVariant: 'b', disabled: false },
      }),
    );
    for (let user = 0; user < 6; user++) {
      await OpenFeature.setContext('widget', { targetingKey: `w${user}` });
      for (let i = 0; i < 3; i++) expect(client.getStringValue('cta', 'x')).toBe('Get');
    }
    expect(beacons).toHaveLength(0);
    page.dispatchEvent(new Event('pagehide'));
    await hook.flush();
    const sent = beacons.flatMap((b) => b.body) as ExposureEvent[];
    expect(sent.map((e) => e.targetingKey)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
    expect(sent[0]).toMatchObject({ flagKey: 'cta', variant: 'b', reason: 'STATIC' });
    expect(beacons.length).toBeGreaterThan(1); // 6 events do not fit in 600 bytes
    for (const b of beacons)
      expect(new TextEncoder().encode(JSON.stringify(b.body)).length).toBeLessThanOrEqual(600);
    expect(hook.stats()).toMatchObject({ exposures: 6, deduplicated: 12 });
  });

  it('counts a refused beacon as dropped', async () => {
    accept = false;
    await OpenFeature.setContext('widget', { targetingKey: 'w-late' });
    client.getStringValue('cta', 'x');
    await hook.flush();
    expect(hook.stats().pipeline.dropped.sinkFailed).toBe(1);
  });
});
