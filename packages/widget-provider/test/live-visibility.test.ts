/**
 * `LiveRefresh` and page visibility (ADR-0008's inactivity rule), over real HTTP against the
 * scripted OFREP server. Node has no `document`: the test gives it the two things `LiveRefresh`
 * reads of one, an event target and `visibilityState`.
 */
import { OpenFeature } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveRefresh } from '../src/live/index.js';
import { FLAGS_META_KEY, WidgetFlagProvider } from '../src/widget/index.js';
import { ScriptedOfrep } from './support/scripted-ofrep.js';

const WAIT = { timeout: 10_000, interval: 20 };
type FakeDocument = EventTarget & { visibilityState: 'visible' | 'hidden' };

let server: ScriptedOfrep;
let page: FakeDocument;
let live: LiveRefresh | undefined;

function setVisibility(state: 'visible' | 'hidden'): void {
  page.visibilityState = state;
  page.dispatchEvent(new Event('visibilitychange'));
}

async function openWidget(
  inactivityDelaySec: number,
): Promise<{ refresher: LiveRefresh; provider: WidgetFlagProvider }> {
  server.tokens.add('tok');
  const provider = new WidgetFlagProvider({ readyTimeoutMs: 0 });
  await OpenFeature.setProviderAndWait('visibility', provider);
  live = new LiveRefresh(provider, { inactivityDelaySec });
  provider.ingest({
    _meta: {
      [FLAGS_META_KEY]: {
        v: 1,
        issuedAt: Date.now(),
        flags: { cancel: { value: true, variant: 'on', reason: 'STATIC' } },
        live: { url: server.url, token: 'tok' },
      },
    },
  });
  await vi.waitFor(() => expect(live?.status).toBe('live'), WAIT);
  return { refresher: live, provider };
}

beforeEach(async () => {
  page = Object.assign(new EventTarget(), { visibilityState: 'visible' as const });
  (globalThis as { document?: unknown }).document = page;
  server = await new ScriptedOfrep().start();
  server.flags = [{ key: 'cancel', value: true, variant: 'on', reason: 'STATIC' }];
});

afterEach(async () => {
  live?.close();
  await OpenFeature.clearProviders();
  await server.close();
  delete (globalThis as { document?: unknown }).document;
});

describe('LiveRefresh and page visibility', () => {
  it('re-fetches with If-None-Match when the page becomes visible again, keeping its stream', async () => {
    await openWidget(60);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.waitFor(() => expect(server.bulkRequests()).toHaveLength(2), WAIT);
    expect(server.bulkRequests()[1]).toMatchObject({ status: 304 });
    expect(server.bulkRequests()[1]?.ifNoneMatch).toBeDefined();
    expect(server.openStreams).toBe(1);
  });

  it('closes the stream after inactivityDelaySec hidden, then re-fetches unconditionally and reconnects', async () => {
    const { refresher, provider } = await openWidget(1);
    setVisibility('hidden');
    await vi.waitFor(() => expect(server.openStreams).toBe(0), WAIT);
    server.change({ key: 'cancel', reason: 'DISABLED' }); // while away: no stream to hear it
    setVisibility('visible');
    await vi.waitFor(() => expect(server.openStreams).toBe(1), WAIT);
    const refetch = server.bulkRequests()[1];
    expect(refetch).toMatchObject({ status: 200, ifNoneMatch: undefined });
    expect(refetch?.query.get('flagConfigEtag')).toBeNull();
    expect(refresher.status).toBe('live');
    // What changed while away is there.
    await vi.waitFor(() => expect(provider.currentPayload?.flags.cancel?.reason).toBe('DISABLED'), WAIT);
  });
});
