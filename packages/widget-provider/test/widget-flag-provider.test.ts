// @vitest-environment happy-dom
import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/web-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FLAGS_META_KEY, WidgetFlagProvider } from '../src/widget/index.js';
import { installOpenAiHost, payload, postToolResult, removeOpenAiHost, setGlobals } from './support/host.js';

const LAYOUT_GRID = payload(
  { 'booking-layout': { value: 'grid', variant: 'grid', reason: 'TARGETING_MATCH' } },
  100,
);
const LAYOUT_CARDS = payload(
  { 'booking-layout': { value: 'cards', variant: 'cards', reason: 'TARGETING_MATCH' } },
  200,
);
const meta = (p: unknown) => ({ [FLAGS_META_KEY]: p });

let domainCount = 0;
async function register(provider: WidgetFlagProvider, wait = true) {
  const domain = `widget-${++domainCount}`;
  if (wait) await OpenFeature.setProviderAndWait(domain, provider);
  else OpenFeature.setProvider(domain, provider);
  return OpenFeature.getClient(domain);
}

afterEach(async () => {
  await OpenFeature.clearProviders();
  removeOpenAiHost();
});

describe(WidgetFlagProvider.name, () => {
  describe('before any payload', () => {
    it('resolves defaults with reason DEFAULT when called directly', () => {
      const provider = new WidgetFlagProvider();
      expect(provider.resolveStringEvaluation('booking-layout', 'list')).toEqual({
        value: 'list',
        reason: 'DEFAULT',
      });
    });

    it('is NOT_READY in the SDK (defaults, PROVIDER_NOT_READY), then READY when the first payload arrives', async () => {
      installOpenAiHost();
      const provider = new WidgetFlagProvider();
      const client = await register(provider, false);
      expect(client.providerStatus).toBe(ProviderStatus.NOT_READY);
      expect(client.getStringDetails('booking-layout', 'list')).toMatchObject({
        value: 'list',
        errorCode: 'PROVIDER_NOT_READY',
      });
      const ready = new Promise<void>((resolve) => client.addHandler(ProviderEvents.Ready, () => resolve()));
      setGlobals({ toolResponseMetadata: meta(LAYOUT_GRID) });
      await ready;
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      expect(client.getStringDetails('booking-layout', 'list')).toMatchObject({
        value: 'grid',
        variant: 'grid',
        reason: 'TARGETING_MATCH',
      });
    });

    it('with readyTimeoutMs: 0 is READY at once and returns defaults with reason DEFAULT', async () => {
      const client = await register(new WidgetFlagProvider({ readyTimeoutMs: 0 }), false);
      await Promise.resolve(); // the SDK marks it READY when initialize's promise settles, not on a timer
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      expect(client.getBooleanDetails('cancel-booking', false)).toMatchObject({
        value: false,
        reason: 'DEFAULT',
      });
      expect(client.getBooleanDetails('cancel-booking', false).errorCode).toBeUndefined();
    });

    it('after readyTimeoutMs is READY with defaults, and a later payload changes every flag it brings', async () => {
      installOpenAiHost();
      const client = await register(new WidgetFlagProvider({ readyTimeoutMs: 10 }));
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      expect(client.getStringDetails('booking-layout', 'list')).toMatchObject({
        value: 'list',
        reason: 'DEFAULT',
      });
      const changed = new Promise<string[] | undefined>((resolve) =>
        client.addHandler(ProviderEvents.ConfigurationChanged, (details) => resolve(details?.flagsChanged)),
      );
      setGlobals({ toolResponseMetadata: meta(LAYOUT_GRID) });
      expect(await changed).toEqual(['booking-layout']);
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
    });
  });

  describe('sources', () => {
    it.each([
      ['flat', meta(LAYOUT_GRID)],
      ['nested under mcp_tool_result', { mcp_tool_result: { content: [], _meta: meta(LAYOUT_GRID) } }],
      [
        'nested under call_tool_result',
        { call_tool_result: { structuredContent: {}, _meta: meta(LAYOUT_GRID) } },
      ],
    ])('reads window.openai.toolResponseMetadata at start (%s)', async (_shape, toolResponseMetadata) => {
      installOpenAiHost({ toolResponseMetadata });
      const client = await register(new WidgetFlagProvider());
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
    });

    it('takes new toolResponseMetadata from openai:set_globals', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const client = await register(new WidgetFlagProvider());
      setGlobals({ toolResponseMetadata: meta(LAYOUT_CARDS) });
      expect(client.getStringValue('booking-layout', 'list')).toBe('cards');
    });

    it('takes MCP Apps ui/notifications/tool-result messages from the parent frame only', async () => {
      const provider = new WidgetFlagProvider();
      const client = await register(provider, false);
      postToolResult({ content: [], _meta: meta(LAYOUT_GRID) }, null);
      window.dispatchEvent(
        new MessageEvent('message', {
          data: { method: 'ui/notifications/tool-result', params: { _meta: meta(LAYOUT_GRID) } },
          source: window.parent,
        }),
      );
      expect(provider.currentPayload).toBeUndefined();
      postToolResult({ content: [], _meta: meta(LAYOUT_GRID) });
      await vi.waitFor(() => expect(client.providerStatus).toBe(ProviderStatus.READY));
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
    });

    it('with hostOrigin, takes MCP Apps messages from the parent frame at that origin only', async () => {
      const provider = new WidgetFlagProvider({ hostOrigin: 'https://host.example' });
      await register(provider, false);
      postToolResult({ _meta: meta(LAYOUT_GRID) }, window.parent, 'https://other.example');
      postToolResult({ _meta: meta(LAYOUT_GRID) }, window.parent, 'https://host.example.evil.test');
      postToolResult({ _meta: meta(LAYOUT_GRID) }, null, 'https://host.example');
      expect(provider.currentPayload).toBeUndefined();
      postToolResult({ _meta: meta(LAYOUT_GRID) }, window.parent, 'https://host.example');
      expect(provider.currentPayload).toEqual(LAYOUT_GRID);
    });

    it('normalizes hostOrigin to an origin and names the option when it is not a URL', () => {
      const provider = new WidgetFlagProvider({ hostOrigin: 'https://Host.example:443/app/' });
      provider.initialize();
      postToolResult({ _meta: meta(LAYOUT_GRID) }, window.parent, 'https://host.example');
      expect(provider.currentPayload).toEqual(LAYOUT_GRID);
      void provider.onClose();
      expect(() => new WidgetFlagProvider({ hostOrigin: 'host.example' })).toThrow(
        /hostOrigin.*host\.example/,
      );
      // Parses as a URL with scheme "localhost:" and the opaque origin "null" of sandboxed frames.
      expect(() => new WidgetFlagProvider({ hostOrigin: 'localhost:3000' })).toThrow(/hostOrigin/);
    });

    it('ingests results the widget fetched itself', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const provider = new WidgetFlagProvider();
      const client = await register(provider);
      expect(provider.ingest({ content: [], structuredContent: { bookings: [] } })).toBe(false);
      expect(provider.ingest({ content: [], _meta: meta(LAYOUT_CARDS) })).toBe(true);
      expect(client.getStringValue('booking-layout', 'list')).toBe('cards');
    });

    it('keeps the newest payload: an older issuedAt does not undo a newer one', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const provider = new WidgetFlagProvider();
      const client = await register(provider);
      provider.ingest({ _meta: meta(LAYOUT_CARDS) });
      setGlobals({ toolResponseMetadata: meta(LAYOUT_GRID) }); // re-delivered older result
      postToolResult({ _meta: meta(LAYOUT_GRID) });
      expect(client.getStringValue('booking-layout', 'list')).toBe('cards');
    });

    it('never lets a payload without issuedAt replace a dated one, from any source', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_CARDS) });
      const provider = new WidgetFlagProvider();
      const client = await register(provider);
      const undated = payload({ 'booking-layout': { value: 'grid', variant: 'grid', reason: 'STATIC' } });
      expect(provider.ingest({ _meta: meta(undated) })).toBe(false);
      setGlobals({ toolResponseMetadata: meta(undated) });
      postToolResult({ _meta: meta(undated) });
      expect(client.getStringValue('booking-layout', 'list')).toBe('cards');
      expect(provider.currentPayload).toEqual(LAYOUT_CARDS);
    });

    it('orders undated payloads by arrival, and a dated one replaces an undated one', async () => {
      const provider = new WidgetFlagProvider();
      const client = await register(provider, false);
      const undated = (value: string) => payload({ 'booking-layout': { value, reason: 'STATIC' } });
      expect(provider.ingest({ _meta: meta(undated('grid')) })).toBe(true);
      expect(provider.ingest({ _meta: meta(undated('cards')) })).toBe(true);
      await vi.waitFor(() => expect(client.providerStatus).toBe(ProviderStatus.READY));
      expect(client.getStringValue('booking-layout', 'list')).toBe('cards');
      expect(provider.ingest({ _meta: meta(LAYOUT_GRID) })).toBe(true);
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
    });

    it('ignores a payload whose issuedAt is not a finite number (postMessage keeps NaN and Infinity)', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const provider = new WidgetFlagProvider();
      const client = await register(provider);
      for (const issuedAt of [Number.NaN, Number.POSITIVE_INFINITY]) {
        postToolResult({ _meta: meta({ ...LAYOUT_CARDS, issuedAt }) });
        expect(provider.ingest({ _meta: meta({ ...LAYOUT_CARDS, issuedAt }) })).toBe(false);
      }
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
      // An Infinity payload would otherwise pin itself: nothing could ever replace it.
      expect(provider.ingest({ _meta: meta({ ...LAYOUT_CARDS, issuedAt: 300 }) })).toBe(true);
    });

    it('ignores payloads of another version and malformed ones', async () => {
      const provider = new WidgetFlagProvider();
      expect(
        provider.ingest({ _meta: meta({ v: 2, flags: { a: { value: true, reason: 'STATIC' } } }) }),
      ).toBe(false);
      expect(provider.ingest({ _meta: meta({ v: 1, flags: { a: { value: true } } }) })).toBe(false);
      expect(provider.currentPayload).toBeUndefined();
    });
  });

  describe('widget state', () => {
    it('is ignored unless the app opted in, and never written then', async () => {
      const host = installOpenAiHost({
        widgetState: meta(LAYOUT_CARDS),
        toolResponseMetadata: meta(LAYOUT_GRID),
      });
      const client = await register(new WidgetFlagProvider());
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
      expect(host.writes).toEqual([]);
    });

    it('when opted in, shows the persisted variants of a reopened message over its older tool result', async () => {
      const host = installOpenAiHost({
        widgetState: { page: 2, ...meta(LAYOUT_CARDS) },
        toolResponseMetadata: meta(LAYOUT_GRID),
      });
      const client = await register(new WidgetFlagProvider({ persistToWidgetState: true }));
      expect(client.getStringValue('booking-layout', 'list')).toBe('cards');
      expect(host.writes).toEqual([]); // what it read from the state is not written back
    });

    it('merges the payload into the app state without clobbering it, and writes only on change', async () => {
      const host = installOpenAiHost({
        widgetState: { selectedBooking: 'b-1' },
        toolResponseMetadata: meta(LAYOUT_GRID),
      });
      const provider = new WidgetFlagProvider({ persistToWidgetState: true });
      await register(provider);
      expect(host.widgetState).toEqual({ selectedBooking: 'b-1', ...meta(LAYOUT_GRID) });
      setGlobals({ toolResponseMetadata: meta(LAYOUT_GRID) }); // same payload again
      expect(host.writes).toHaveLength(1);
      provider.ingest({ _meta: meta(LAYOUT_CARDS) });
      expect(host.widgetState).toEqual({ selectedBooking: 'b-1', ...meta(LAYOUT_CARDS) });
      expect(host.writes).toHaveLength(2);
    });

    it('never writes the live-refresh token to widget state (the model can read it), and keeps it itself', async () => {
      const host = installOpenAiHost({ widgetState: { page: 1 } });
      const provider = new WidgetFlagProvider({ persistToWidgetState: true });
      await register(provider, false);
      const withLive = { ...LAYOUT_GRID, live: { url: 'https://flags.example', token: 'ensw1.secret' } };
      setGlobals({ toolResponseMetadata: meta(withLive) });
      expect(host.widgetState).toEqual({ page: 1, ...meta(LAYOUT_GRID) });
      expect(JSON.stringify(host.writes)).not.toContain('ensw1.secret');
      // The echo of that write (`set_globals` with the state) does not replace what the provider holds.
      expect(provider.currentPayload).toEqual(withLive);
    });

    it('puts its key back when the app replaces the state without it', async () => {
      const host = installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      await register(new WidgetFlagProvider({ persistToWidgetState: true }));
      host.setWidgetState?.({ selectedBooking: 'b-2' });
      expect(host.widgetState).toEqual({ selectedBooking: 'b-2', ...meta(LAYOUT_GRID) });
    });
  });

  describe('events', () => {
    it('emits PROVIDER_CONFIGURATION_CHANGED with exactly the flags that changed', async () => {
      const first = payload(
        {
          same: { value: true, variant: 'on', reason: 'STATIC' },
          changed: { value: 'a', variant: 'a', reason: 'TARGETING_MATCH' },
          removed: { value: 1, reason: 'STATIC' },
        },
        1,
      );
      const second = payload(
        {
          same: { value: true, variant: 'on', reason: 'STATIC' },
          changed: { value: 'b', variant: 'b', reason: 'TARGETING_MATCH' },
          added: { reason: 'DISABLED' },
        },
        2,
      );
      installOpenAiHost({ toolResponseMetadata: meta(first) });
      const client = await register(new WidgetFlagProvider());
      const seen: (string[] | undefined)[] = [];
      client.addHandler(ProviderEvents.ConfigurationChanged, (details) => seen.push(details?.flagsChanged));
      setGlobals({ toolResponseMetadata: meta(second) });
      setGlobals({ toolResponseMetadata: meta({ ...second, issuedAt: 3 }) }); // newer, but no flag changed
      setGlobals({ theme: 'dark' } as never); // another global changed
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]?.sort()).toEqual(['added', 'changed', 'removed']);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toHaveLength(1);
    });

    it('takes a change of metadata alone (the set version) without an event', async () => {
      const v1 = payload(
        { a: { value: 'x', variant: 'x', reason: 'STATIC', flagMetadata: { version: 1 } } },
        1,
      );
      const v2 = payload(
        { a: { value: 'x', variant: 'x', reason: 'STATIC', flagMetadata: { version: 2 } } },
        2,
      );
      const v3 = payload(
        { a: { value: 'x', variant: 'x', reason: 'DISABLED', flagMetadata: { version: 3 } } },
        3,
      );
      installOpenAiHost({ toolResponseMetadata: meta(v1) });
      const client = await register(new WidgetFlagProvider());
      const seen: (string[] | undefined)[] = [];
      client.addHandler(ProviderEvents.ConfigurationChanged, (details) => seen.push(details?.flagsChanged));
      setGlobals({ toolResponseMetadata: meta(v2) });
      expect(client.getStringDetails('a', 'y').flagMetadata).toEqual({ version: 2 });
      setGlobals({ toolResponseMetadata: meta(v3) });
      await vi.waitFor(() => expect(seen).toEqual([['a']]));
    });

    it('tells payload listeners of every payload it takes, and of its close', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const provider = new WidgetFlagProvider();
      const seen: unknown[] = [];
      const off = provider.onPayload((p) => seen.push(p?.issuedAt ?? 'closed'));
      provider.onPayload(() => {
        throw new Error('a broken listener does not stop the others');
      });
      await register(provider);
      provider.ingest({ _meta: meta(LAYOUT_GRID) }); // same age: taken again
      provider.ingest({ _meta: meta(payload(LAYOUT_GRID.flags, 50)) }); // older: not taken
      await provider.onClose();
      off();
      provider.ingest({ _meta: meta(LAYOUT_CARDS) });
      expect(seen).toEqual([100, 100, 'closed']);
      expect(provider.currentPayload).toEqual(LAYOUT_CARDS);
    });

    it('stops listening on close', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const provider = new WidgetFlagProvider();
      await register(provider);
      await provider.onClose();
      setGlobals({ toolResponseMetadata: meta(LAYOUT_CARDS) });
      postToolResult({ _meta: meta(LAYOUT_CARDS) });
      expect(provider.currentPayload).toEqual(LAYOUT_GRID);
    });

    it('does not reconcile or re-fetch on a context change', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(LAYOUT_GRID) });
      const client = await register(new WidgetFlagProvider());
      const reconciling = vi.fn();
      client.addHandler(ProviderEvents.Reconciling, reconciling);
      await OpenFeature.setContext(`widget-${domainCount}`, { targetingKey: 'someone-else' });
      expect(reconciling).not.toHaveBeenCalled();
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      expect(client.getStringValue('booking-layout', 'list')).toBe('grid');
    });
  });

  describe('resolution', () => {
    const flags = payload({
      layout: {
        value: 'grid',
        variant: 'grid',
        reason: 'TARGETING_MATCH',
        flagMetadata: { flagSetId: 'bookings', version: 3 },
      },
      kill: { reason: 'DISABLED', flagMetadata: { kind: 'kill-switch' } },
      broken: { reason: 'ERROR', errorCode: 'PARSE_ERROR' },
      config: { value: { columns: 3 }, reason: 'STATIC' },
    });

    it('returns values with variant, reason and metadata', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(flags) });
      const client = await register(new WidgetFlagProvider());
      expect(client.getStringDetails('layout', 'list')).toMatchObject({
        value: 'grid',
        variant: 'grid',
        reason: 'TARGETING_MATCH',
        flagMetadata: { flagSetId: 'bookings', version: 3 },
      });
      expect(client.getObjectValue('config', {})).toEqual({ columns: 3 });
    });

    it('maps a missing flag to FLAG_NOT_FOUND and a wrong type to TYPE_MISMATCH, with the caller default', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(flags) });
      const client = await register(new WidgetFlagProvider());
      expect(client.getBooleanDetails('absent', true)).toMatchObject({
        value: true,
        reason: 'ERROR',
        errorCode: 'FLAG_NOT_FOUND',
      });
      expect(client.getBooleanDetails('layout', false)).toMatchObject({
        value: false,
        reason: 'ERROR',
        errorCode: 'TYPE_MISMATCH',
      });
      expect(client.getNumberDetails('config', 1)).toMatchObject({ value: 1, errorCode: 'TYPE_MISMATCH' });
      expect(client.getStringDetails('broken', 'x')).toMatchObject({
        value: 'x',
        reason: 'ERROR',
        errorCode: 'PARSE_ERROR',
      });
    });

    it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])(
      'resolves %s, absent from the payload, as FLAG_NOT_FOUND (own keys only, not Object.prototype)',
      async (flagKey) => {
        installOpenAiHost({ toolResponseMetadata: meta(flags) });
        const client = await register(new WidgetFlagProvider());
        expect(client.getStringDetails(flagKey, 'fallback')).toMatchObject({
          value: 'fallback',
          reason: 'ERROR',
          errorCode: 'FLAG_NOT_FOUND',
        });
      },
    );

    it('resolves flags named like Object.prototype members when the payload has them', async () => {
      // JSON.parse defines own properties, so a server can hand over a flag called "constructor".
      const parsed: unknown = JSON.parse(
        '{"v":1,"flags":{"constructor":{"value":"on","reason":"STATIC"},"__proto__":{"value":"x","reason":"STATIC"}}}',
      );
      installOpenAiHost({ toolResponseMetadata: meta(parsed) });
      const client = await register(new WidgetFlagProvider());
      expect(client.getStringDetails('constructor', 'off')).toMatchObject({ value: 'on', reason: 'STATIC' });
      expect(client.getStringDetails('__proto__', 'y')).toMatchObject({ value: 'x', reason: 'STATIC' });
    });

    it('returns the caller default with reason DISABLED for a disabled flag (kill switch)', async () => {
      installOpenAiHost({ toolResponseMetadata: meta(flags) });
      const client = await register(new WidgetFlagProvider());
      const details = client.getBooleanDetails('kill', true);
      expect(details).toMatchObject({
        value: true,
        reason: 'DISABLED',
        flagMetadata: { kind: 'kill-switch' },
      });
      expect(details.errorCode).toBeUndefined();
    });
  });
});
