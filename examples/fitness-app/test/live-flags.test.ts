/**
 * The example app with live refresh configured, over MCP (in-memory transport) and against a real
 * Ensign server on the same flags: what `list_bookings` and the app-only refresh tool hand the
 * widget, what the widget resources declare, and that the server's OFREP answer for a widget
 * token is exactly what the tool handler decided for that user.
 */
import { type EnsignServer, createServer as createEnsignServer } from '@ensign/server';
import { mintWidgetToken, verifyWidgetToken } from '@ensign/server/widget-token';
import { MemoryFlagStore, killFlag, restoreFlag } from '@ensign/store';
import { LiveRefresh } from '@ensign/widget-provider/live';
import { attachWidgetFlags, evaluateWidgetFlags } from '@ensign/widget-provider/server';
import { WidgetFlagProvider } from '@ensign/widget-provider/widget';
import { ProviderEvents, ProviderStatus, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FitnessApp, startFitnessApp } from '../src/app.js';
import { BOOKING_LAYOUT, CANCEL_BOOKING, FLAG_SET, REFRESH_TOOL, WIDGET_FLAGS } from '../src/flag-keys.js';
import { MCP_APP_URI, WIDGET_URI } from '../src/server.js';
import { collectingLogger } from './support/collecting-logger.js';
import { type TestMcpClient, connectClient, widgetPayload } from './support/mcp-client.js';

const SECRET = 'example-app-live-test-secret-0123456789';
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

describe('fitness app with live refresh (widget tokens, CSP, refresh tool)', () => {
  let store: MemoryFlagStore;
  let ensign: EnsignServer;
  let ensignUrl: string;
  let app: FitnessApp;
  let mcp: TestMcpClient;

  beforeAll(async () => {
    store = new MemoryFlagStore();
    // The app seeds the set; the Ensign server serves the same store.
    app = await startFitnessApp({
      store,
      domain: 'fitness-app-test-live',
      logger: collectingLogger(),
      live: { url: 'http://127.0.0.1:1', widgetSecret: SECRET },
    });
    ensign = await createEnsignServer({ store, widgetSecret: SECRET, logger: quiet });
    ensignUrl = await ensign.listen();
    mcp = await connectClient(app);
  });

  afterAll(async () => {
    await mcp?.close();
    await app?.close();
    await ensign?.close();
    await store?.close();
  });

  it('hands the widget a sealed token for exactly its flags and the context of the call', async () => {
    const result = await mcp.call(
      'list_bookings',
      'subject-live-1',
      {},
      { 'openai/organization': 'acme-gyms' },
    );
    const payload = widgetPayload(result);
    expect(payload.live?.url).toBe('http://127.0.0.1:1');
    const token = payload.live?.token ?? '';
    const claims = verifyWidgetToken(token, SECRET);
    expect(claims).toMatchObject({
      flagSet: 'fitness',
      flags: Object.keys(WIDGET_FLAGS),
      context: { targetingKey: 'subject-live-1', organization: 'acme-gyms', authenticated: false },
    });
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(300);
    // Sealed: nothing of the context can be read from the token, and another secret opens nothing.
    expect(token).not.toContain('subject-live-1');
    expect(Buffer.from(token.split('.')[2] ?? '', 'base64url').toString('latin1')).not.toContain('acme');
    expect(verifyWidgetToken(token, 'another-secret-of-at-least-32-characters')).toBeUndefined();
  });

  it('declares the OFREP origin in the CSP of both widget resources', async () => {
    const openai = await mcp.client.readResource({ uri: WIDGET_URI });
    expect(openai.contents[0]?._meta?.['openai/widgetCSP']).toEqual({
      connect_domains: ['http://127.0.0.1:1'],
      resource_domains: [],
    });
    const mcpApp = await mcp.client.readResource({ uri: MCP_APP_URI });
    expect(mcpApp.contents[0]?._meta?.ui).toMatchObject({
      csp: { connectDomains: ['http://127.0.0.1:1'], resourceDomains: [] },
    });
  });

  it('answers the app-only refresh tool with a fresh payload and a new token, for the same user', async () => {
    const listed = widgetPayload(await mcp.call('list_bookings', 'subject-live-2'));
    const refreshed = widgetPayload(await mcp.call(REFRESH_TOOL, 'subject-live-2'));
    expect(refreshed.flags).toEqual(listed.flags);
    expect(refreshed.live?.token).not.toBe(listed.live?.token);
    expect(verifyWidgetToken(refreshed.live?.token ?? '', SECRET)?.context.targetingKey).toBe(
      'subject-live-2',
    );
  });

  it('gets, from OFREP with the widget token, exactly the variants the tool handler decided', async () => {
    for (let i = 0; i < 40; i++) {
      const subject = `subject-live-variants-${i}`;
      const organization = i % 5 === 0 ? { 'openai/organization': 'acme-gyms' } : {};
      const payload = widgetPayload(await mcp.call('list_bookings', subject, {}, organization));
      const response = await fetch(`${ensignUrl}/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        // The page cannot change the context: the one sealed in the token counts.
        headers: { authorization: `Bearer ${payload.live?.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { targetingKey: 'someone-else', organization: 'acme-gyms' } }),
      });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as {
        flags: { key: string; value?: unknown; variant?: string; reason: string }[];
      };
      expect(answer.flags.map((flag) => flag.key)).toEqual([BOOKING_LAYOUT, CANCEL_BOOKING]);
      for (const flag of answer.flags) {
        const handed = payload.flags[flag.key];
        expect({ value: flag.value, variant: flag.variant, reason: flag.reason }).toEqual({
          value: handed?.value,
          variant: handed?.variant,
          reason: handed?.reason,
        });
      }
    }
  });

  it('keeps the last payload and reports it once its token expires (real server, no renewal)', async () => {
    const context = { targetingKey: 'subject-live-expiry', organization: 'acme-gyms' };
    const payload = await evaluateWidgetFlags(app.flags, WIDGET_FLAGS, context);
    const token = mintWidgetToken({
      secret: SECRET,
      flagSet: FLAG_SET,
      flags: Object.keys(WIDGET_FLAGS),
      context,
      ttlSeconds: 3,
    });
    const provider = new WidgetFlagProvider({ readyTimeoutMs: 0 });
    await WebOpenFeature.setProviderAndWait('live-expiry', provider);
    const client = WebOpenFeature.getClient('live-expiry');
    const stale: string[] = [];
    client.addHandler(ProviderEvents.Stale, (details) => stale.push(details?.message ?? ''));
    const live = new LiveRefresh(provider, { minRetryDelayMs: 100 });
    let killed = false;
    try {
      provider.ingest(attachWidgetFlags({ content: [] }, payload, { live: { url: ensignUrl, token } }));
      await vi.waitFor(() => expect(live.status).toBe('live'), { timeout: 10_000 });
      // The server ends the stream at expiry (2 to 3 s from now); the reconnection is refused.
      await vi.waitFor(() => expect(live.status).toBe('unauthorized'), { timeout: 10_000 });
      await killFlag(store, FLAG_SET, CANCEL_BOOKING, { actor: 'test' });
      killed = true;
      expect(client.getBooleanValue(CANCEL_BOOKING, false)).toBe(true);
      expect(client.providerStatus).toBe(ProviderStatus.STALE);
      await vi.waitFor(() => expect(stale.at(-1)).toMatch(/token was refused/));
    } finally {
      live.close();
      await WebOpenFeature.clearProviders();
      if (killed) await restoreFlag(store, FLAG_SET, CANCEL_BOOKING, { actor: 'test' });
    }
  });

  it('hands over no live section and declares no domain without the option', async () => {
    const plain = await startFitnessApp({
      store,
      domain: 'fitness-app-test-live-off',
      logger: collectingLogger(),
    });
    const client = await connectClient(plain);
    try {
      expect(widgetPayload(await client.call('list_bookings', 'subject-live-3')).live).toBeUndefined();
      const resource = await client.client.readResource({ uri: WIDGET_URI });
      expect(resource.contents[0]?._meta?.['openai/widgetCSP']).toEqual({
        connect_domains: [],
        resource_domains: [],
      });
    } finally {
      await client.close();
      await plain.close();
    }
  });
});
