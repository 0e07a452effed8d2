/**
 * `LiveRefresh` over real HTTP against a scripted OFREP server (test/support/scripted-ofrep.ts):
 * what it requests and when, and what the app sees through the OpenFeature web SDK. The example
 * app's browser tests run it against the real Ensign server in Chromium.
 */
import { type Client, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveRefresh, type LiveRefreshOptions, type LiveRefreshStatus } from '../src/live/index.js';
import { FLAGS_META_KEY, WidgetFlagProvider, type WidgetFlagsPayload } from '../src/widget/index.js';
import { type OfrepFlag, ScriptedOfrep } from './support/scripted-ofrep.js';

const WAIT = { timeout: 10_000, interval: 20 };
const META = { flagSetId: 'bookings', version: 1 };
const SERVER_FLAGS: OfrepFlag[] = [
  { key: 'cancel', value: true, variant: 'on', reason: 'STATIC', metadata: { ...META, owner: 'team' } },
  { key: 'layout', value: 'grid', variant: 'grid', reason: 'TARGETING_MATCH', metadata: META },
];
/** What the tool handler handed over for the same user: the same results. */
const toolPayload = (url: string, token: string, issuedAt = Date.now()): WidgetFlagsPayload => ({
  v: 1,
  issuedAt,
  flags: {
    cancel: { value: true, variant: 'on', reason: 'STATIC', flagMetadata: META },
    layout: { value: 'grid', variant: 'grid', reason: 'TARGETING_MATCH', flagMetadata: META },
  },
  live: { url, token },
});
const meta = (payload: unknown) => ({ _meta: { [FLAGS_META_KEY]: payload } });

let server: ScriptedOfrep;
let domain = 0;
let live: LiveRefresh | undefined;

async function widget(token = 'tok-1', options: LiveRefreshOptions = {}) {
  server.tokens.add(token);
  const provider = new WidgetFlagProvider({ readyTimeoutMs: 0 });
  const name = `live-${++domain}`;
  await OpenFeature.setProviderAndWait(name, provider);
  const client = OpenFeature.getClient(name);
  live = new LiveRefresh(provider, { minRetryDelayMs: 50, ...options });
  const statuses: LiveRefreshStatus[] = [];
  live.onStatus((status) => statuses.push(status));
  // The tool result: the first payload (its own PROVIDER_CONFIGURATION_CHANGED is not counted).
  provider.ingest(meta(toolPayload(server.url, token)));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const changes: string[][] = [];
  const stale: string[] = [];
  client.addHandler(ProviderEvents.ConfigurationChanged, (details) =>
    changes.push(details?.flagsChanged ?? []),
  );
  client.addHandler(ProviderEvents.Stale, (details) => stale.push(details?.message ?? ''));
  return { provider, client, live, changes, stale, statuses };
}

/** A promise and the function that resolves it (a held answer and its release). */
function held(): { hold: Promise<void>; release: () => void } {
  let release = () => {};
  const hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { hold, release };
}

const untilLive = (refresher: LiveRefresh) => vi.waitFor(() => expect(refresher.status).toBe('live'), WAIT);

beforeEach(async () => {
  server = await new ScriptedOfrep().start();
  server.flags = structuredClone(SERVER_FLAGS);
});

afterEach(async () => {
  live?.close();
  live = undefined;
  await OpenFeature.clearProviders();
  await server.close();
});

describe(LiveRefresh.name, () => {
  it('makes one bulk request, then one per change notice, with If-None-Match and the notice metadata', async () => {
    const { client, live, changes } = await widget();
    await untilLive(live);
    expect(server.bulkRequests()).toHaveLength(1);
    expect(server.bulkRequests()[0]?.ifNoneMatch).toBeUndefined();
    // The server answered what the tool result said: nothing changed, no event.
    expect(changes).toEqual([]);

    // The kill switch: as on the real server, every flag's metadata carries the set's new version.
    server.flags = server.flags.map((f) => ({ ...f, metadata: { ...f.metadata, version: 2 } }));
    server.change({ key: 'cancel', reason: 'DISABLED', metadata: { ...META, version: 2 } });
    await vi.waitFor(() => expect(client.getBooleanDetails('cancel', false).reason).toBe('DISABLED'), WAIT);
    expect(client.getBooleanValue('cancel', true)).toBe(true); // the caller's default: the kill switch
    // Exactly the flag that changed; `layout` got a new metadata version only.
    expect(changes).toEqual([['cancel']]);
    expect(client.getStringDetails('layout', 'list').flagMetadata).toEqual({
      flagSetId: 'bookings',
      version: 2,
    });
    const bulk = server.bulkRequests();
    expect(bulk).toHaveLength(2);
    expect(bulk[1]?.ifNoneMatch).toMatch(/^"[0-9a-f]{16}"$/);
    expect(bulk[1]?.query.get('flagConfigEtag')).toBe('"2"');
    expect(bulk[1]?.query.get('flagConfigLastModified')).toBe('1771622898');
    // Metadata the tool handler did not hand over (`owner`) is not handed over by a refresh either.
    expect(client.getBooleanDetails('cancel', false).flagMetadata).toEqual({
      flagSetId: 'bookings',
      version: 2,
    });
    expect(server.requests.filter((r) => r.path === '/ofrep/v1/events')).toHaveLength(1);
  });

  it('answers a notice that changed nothing with a 304, and ignores notices of unknown types', async () => {
    const { live, changes } = await widget();
    await untilLive(live);
    server.notify('somethingNew');
    server.notify();
    await vi.waitFor(() => expect(server.bulkRequests()).toHaveLength(2), WAIT);
    expect(server.bulkRequests()[1]?.status).toBe(304);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.bulkRequests()).toHaveLength(2);
    expect(changes).toEqual([]);
  });

  it('coalesces notices that arrive during a re-fetch into one more re-fetch', async () => {
    const { client, live } = await widget();
    await untilLive(live);
    const { hold, release } = held();
    server.script.push({ status: 200, hold });
    server.change({
      key: 'layout',
      value: 'cards',
      variant: 'cards',
      reason: 'TARGETING_MATCH',
      metadata: META,
    });
    await vi.waitFor(() => expect(server.script).toHaveLength(0), WAIT); // the first re-fetch is held
    for (const value of ['list', 'calendar', 'cards']) {
      server.change({ key: 'layout', value, variant: value, reason: 'TARGETING_MATCH', metadata: META });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await vi.waitFor(() => expect(client.getStringValue('layout', 'x')).toBe('cards'), WAIT);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The initial request, the held re-fetch, and one for the three notices behind it.
    expect(server.bulkRequests()).toHaveLength(3);
    expect(server.bulkRequests()[2]?.query.get('flagConfigEtag')).toBe(`"${server.version}"`);
  });

  it('backs off exponentially on errors and waits at least as long as Retry-After says', async () => {
    server.script.push(
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 429, headers: { 'retry-after': '1' } },
    );
    const { live, stale, statuses } = await widget('tok-1', { minRetryDelayMs: 100 });
    await untilLive(live);
    const at = server.bulkRequests().map((r) => r.at);
    expect(server.bulkRequests().map((r) => r.status)).toEqual([503, 503, 503, 429, 200]);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // Delays of 100 · 2^n ms with jitter in [50 %, 100 %]: at least 50, 100, 200 ms …
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
    // … and Retry-After: 1 beats the 400–800 ms backoff.
    expect(gaps[3]).toBeGreaterThanOrEqual(990);
    // While retrying the provider is stale; once live, ready again.
    expect(stale).toEqual(['live refresh: connection lost; retrying']);
    expect(statuses).toEqual(['connecting', 'retrying', 'live']);
  });

  it('reconnects after the stream ends, re-fetching first, and catches up on what changed meanwhile', async () => {
    const { client, live } = await widget();
    await untilLive(live);
    server.script.push({ status: 503 }); // the server is still coming back
    server.flags = server.flags.map((f) => (f.key === 'cancel' ? { key: 'cancel', reason: 'DISABLED' } : f));
    server.endStreams(); // no notice: the change happened while the stream was down
    await vi.waitFor(() => expect(client.getBooleanDetails('cancel', false).reason).toBe('DISABLED'), WAIT);
    await untilLive(live);
    expect(server.requests.map((r) => `${r.path.split('/').pop()} ${r.status}`)).toEqual([
      'flags 200',
      'events 200',
      'flags 503',
      'flags 200',
      'events 200',
    ]);
  });

  it('keeps the last payload when the token is refused, and reports it (status and PROVIDER_STALE)', async () => {
    const { client, live, stale } = await widget();
    await untilLive(live);
    server.tokens.clear(); // expired or revoked
    server.change({ key: 'cancel', reason: 'DISABLED' });
    await vi.waitFor(() => expect(live.status).toBe('unauthorized'), WAIT);
    expect(client.getBooleanValue('cancel', false)).toBe(true);
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(stale.at(-1)).toMatch(/token was refused/);
    // Nothing more is tried with that token.
    const seen = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests).toHaveLength(seen);
  });

  it('asks the app for a new token once through refreshTool, and stays live with it', async () => {
    let calls = 0;
    const refreshTool = async () => {
      calls++;
      server.tokens.add(`tok-${calls + 1}`);
      return meta(toolPayload(server.url, `tok-${calls + 1}`));
    };
    const { client, live } = await widget('tok-1', { refreshTool });
    await untilLive(live);
    server.tokens.delete('tok-1');
    server.endStreams(); // the server ends a stream when its token expires
    await vi.waitFor(() => expect(calls).toBe(1), WAIT);
    await untilLive(live);
    server.change({ key: 'cancel', reason: 'DISABLED' });
    await vi.waitFor(() => expect(client.getBooleanDetails('cancel', false).reason).toBe('DISABLED'), WAIT);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('gives up when the renewed token is refused too (no loop)', async () => {
    let calls = 0;
    const refreshTool = async () => {
      calls++;
      return meta(toolPayload(server.url, `rotated-${calls}`)); // minted with a secret the server dropped
    };
    const { live } = await widget('tok-1', { refreshTool });
    await untilLive(live);
    server.tokens.clear();
    server.endStreams();
    await vi.waitFor(() => expect(live.status).toBe('unauthorized'), WAIT);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(1);
  });

  it('follows the token of a newer tool result and drops answers made for the old one', async () => {
    const { provider, client, live } = await widget();
    await untilLive(live);
    const { hold, release } = held();
    server.script.push({ status: 200, hold });
    server.change({
      key: 'layout',
      value: 'cards',
      variant: 'cards',
      reason: 'TARGETING_MATCH',
      metadata: META,
    });
    await vi.waitFor(() => expect(server.script).toHaveLength(0), WAIT);
    // A new tool call, for a context in which the layout is `list`.
    server.tokens.add('tok-2');
    server.flagsByToken.set('tok-2', [
      SERVER_FLAGS[0] as OfrepFlag,
      { key: 'layout', value: 'list', variant: 'list', reason: 'TARGETING_MATCH', metadata: META },
    ]);
    const newer = toolPayload(server.url, 'tok-2');
    newer.flags.layout = { value: 'list', variant: 'list', reason: 'TARGETING_MATCH', flagMetadata: META };
    expect(provider.ingest(meta(newer))).toBe(true);
    release();
    await vi.waitFor(
      () => expect(server.requests.filter((r) => r.path.endsWith('/events'))).toHaveLength(2),
      WAIT,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The held answer (old token, old context) never replaced the newer tool result.
    expect(client.getStringValue('layout', 'x')).toBe('list');
  });

  it('dates a refreshed payload after the tool result, so a re-delivered tool result cannot undo it', async () => {
    const { provider, client, live } = await widget();
    await untilLive(live);
    const first = provider.currentPayload;
    server.change({ key: 'cancel', reason: 'DISABLED' });
    await vi.waitFor(() => expect(client.getBooleanDetails('cancel', false).reason).toBe('DISABLED'), WAIT);
    expect(provider.currentPayload?.issuedAt).toBeGreaterThan(first?.issuedAt ?? Number.POSITIVE_INFINITY);
    expect(provider.ingest(meta(first))).toBe(false);
    expect(client.getBooleanDetails('cancel', false).reason).toBe('DISABLED');
  });

  it('is off for payloads without a live section, and stops when the provider closes', async () => {
    const provider = new WidgetFlagProvider({ readyTimeoutMs: 0 });
    await OpenFeature.setProviderAndWait(`live-${++domain}`, provider);
    live = new LiveRefresh(provider);
    const { live: _section, ...plain } = toolPayload(server.url, 'tok-1');
    provider.ingest(meta(plain));
    expect(live.status).toBe('off');
    server.tokens.add('tok-1');
    provider.ingest(meta(toolPayload(server.url, 'tok-1', Date.now() + 1)));
    await untilLive(live);
    await OpenFeature.clearProviders();
    expect(live.status).toBe('off');
    await vi.waitFor(() => expect(server.openStreams).toBe(0), WAIT);
    expect(server.bulkRequests()).toHaveLength(1);
  });
});
