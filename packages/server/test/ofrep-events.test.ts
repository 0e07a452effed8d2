/** OFREP event streams (ADR-0008) over real HTTP, read with fetch as a Node EventSource would. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, mintWidgetToken } from '../src/index.js';
import { closeServer } from './ofrep/close.js';
import { ofrepFlags } from './ofrep/flags.js';
import { type SseEvent, SseReader } from './ofrep/sse-reader.js';
import { type TestServer, startServer } from './support/server.js';

const SECRET = 'w'.repeat(40);
let t: TestServer;
const readers: SseReader[] = [];
beforeAll(async () => {
  t = await startServer({ shop: ofrepFlags() }, { widgetSecret: SECRET });
});
afterAll(async () => {
  for (const reader of readers) reader.close();
  await closeServer(t);
});

interface BulkBody {
  flags: { key: string; value?: unknown; reason: string }[];
  metadata: { version: number };
  eventStreams: { url: string }[];
}

async function bulk(token: string, query = '', headers: Record<string, string> = {}) {
  const answer = await t.call('POST', `/ofrep/v1/evaluate/flags${query}`, {
    token,
    body: { context: { targetingKey: 'u1' } },
    headers,
  });
  return { ...answer, body: answer.body as BulkBody };
}

async function open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await SseReader.open(url, headers);
  readers.push(reader);
  return reader;
}

/** Opens the stream a bulk answer links to. */
async function follow(token: string): Promise<{ reader: SseReader; etag: string; version: number }> {
  const answer = await bulk(token);
  const reader = await open(answer.body.eventStreams[0]!.url);
  expect(reader.status).toBe(200);
  return { reader, etag: answer.headers.get('etag')!, version: answer.body.metadata.version };
}

function parse(event: SseEvent | undefined) {
  expect(event).toBeDefined();
  return { ...event!, data: JSON.parse(event!.data) as { type: string; etag: string; lastModified: number } };
}

describe('OFREP event streams', () => {
  it('announces a change with a refetchEvaluation notice, and the refetch sees it', async () => {
    const { reader, etag, version } = await follow(t.tokens.server);
    expect(reader.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(reader.response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(await reader.next(300)).toBeUndefined(); // nothing changed since the answer
    expect(reader.comments).toContain('connected');
    expect(reader.retries).toEqual([2000]);

    const before = Date.now();
    await t.store.patchFlag('shop', 'kill-cart', { state: 'DISABLED' }, { actor: 'oncall' });
    const notice = parse(await reader.next());
    expect(notice.event).toBe('message');
    expect(notice.id).toBe(String(version + 1));
    expect(notice.data).toEqual({
      type: 'refetchEvaluation',
      etag: `"${version + 1}"`,
      lastModified: expect.any(Number),
    });
    expect(notice.data.lastModified).toBeGreaterThanOrEqual(Math.floor(before / 1000));

    // What the OFREP web provider does next: re-fetch with the notice's metadata and its ETag.
    const query = `?flagConfigEtag=${encodeURIComponent(notice.data.etag)}&flagConfigLastModified=${notice.data.lastModified}`;
    const refetch = await bulk(t.tokens.server, query, { 'if-none-match': etag });
    expect(refetch.status).toBe(200);
    expect(refetch.body.flags.find((f) => f.key === 'kill-cart')?.reason).toBe('DISABLED');
    await t.store.patchFlag('shop', 'kill-cart', { state: 'ENABLED' }, { actor: 'oncall' });
    expect(parse(await reader.next()).id).toBe(String(version + 2));
    reader.close();
  });

  it('sends a notice on connect when the set moved on since the answer or the last notice', async () => {
    const answer = await bulk(t.tokens.server);
    const version = answer.body.metadata.version;
    await t.store.patchFlag('shop', 'banner', { defaultVariant: 'off' }, { actor: 'test' });
    await expect.poll(async () => (await bulk(t.tokens.server)).body.metadata.version).toBe(version + 1);
    // The link still says `since` the old version: the change in between is not lost.
    const late = await open(answer.body.eventStreams[0]!.url);
    expect(parse(await late.next()).id).toBe(String(version + 1));
    late.close();
    // A reconnecting browser sends the last id it saw: nothing new, nothing sent …
    const current = await open(answer.body.eventStreams[0]!.url, { 'last-event-id': String(version + 1) });
    expect(await current.next(300)).toBeUndefined();
    current.close();
    // … an older one: one notice at once.
    const behind = await open(answer.body.eventStreams[0]!.url, { 'last-event-id': String(version) });
    expect(parse(await behind.next()).id).toBe(String(version + 1));
    behind.close();
    await t.store.patchFlag('shop', 'banner', { defaultVariant: 'on' }, { actor: 'test' });
  });

  it('tells a client token only of changes to flags it may see', async () => {
    const client = await follow(t.tokens.client);
    const server = await follow(t.tokens.server);
    await t.store.patchFlag('shop', 'internal-pricing', { defaultVariant: 'high' }, { actor: 'test' });
    const seen = parse(await server.reader.next());
    expect(await client.reader.next(300)).toBeUndefined();
    await t.store.patchFlag('shop', 'checkout-layout', { defaultVariant: 'grid' }, { actor: 'test' });
    expect(parse(await client.reader.next()).id).toBe(String(Number(seen.id) + 1));
    // A flag that stops being client-side concerns the client too (it leaves its answer).
    await t.store.patchFlag('shop', 'banner', { metadata: null }, { actor: 'test' });
    expect(parse(await client.reader.next()).id).toBe(String(Number(seen.id) + 2));
    expect((await bulk(t.tokens.client)).body.flags.map((f) => f.key)).toEqual([
      'checkout-layout',
      'kill-cart',
    ]);
    await t.store.patchFlag(
      'shop',
      'banner',
      { metadata: { clientSide: true, kind: 'release' } },
      { actor: 'test' },
    );
    await t.store.patchFlag('shop', 'internal-pricing', { defaultVariant: 'low' }, { actor: 'test' });
    await t.store.patchFlag('shop', 'checkout-layout', { defaultVariant: 'list' }, { actor: 'test' });
    client.reader.close();
    server.reader.close();
  });

  it('tells a widget token only of its own flags, and ends its stream when the token expires', async () => {
    const token = mintWidgetToken({
      secret: SECRET,
      flagSet: 'shop',
      flags: ['kill-cart'],
      context: { targetingKey: 'user-7' },
      ttlSeconds: 4,
    });
    const { reader } = await follow(token);
    await t.store.patchFlag('shop', 'checkout-layout', { defaultVariant: 'grid' }, { actor: 'test' });
    expect(await reader.next(300)).toBeUndefined();
    await t.store.patchFlag('shop', 'kill-cart', { state: 'DISABLED' }, { actor: 'oncall' });
    expect(parse(await reader.next()).data.type).toBe('refetchEvaluation');
    expect(await reader.untilClosed(6_000)).toBe(true);
    // Reconnecting with the expired token is refused, without a body.
    const again = await fetch(reader.response.url);
    expect([again.status, await again.text()]).toEqual([401, '']);
    await t.store.patchFlag('shop', 'kill-cart', { state: 'ENABLED' }, { actor: 'oncall' });
    await t.store.patchFlag('shop', 'checkout-layout', { defaultVariant: 'list' }, { actor: 'test' });
  });

  it('refuses streams without a body to missing, unknown and non-evaluation tokens', async () => {
    for (const [query, status] of [
      ['', 401],
      ['?token=ens_client_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 401],
      [`?token=${t.tokens.viewer}`, 403],
    ] as const) {
      const answer = await fetch(`${t.url}/ofrep/v1/events${query}`);
      expect([answer.status, await answer.text()]).toEqual([status, '']);
    }
    // The token in the query is accepted by the stream only, never by the evaluation routes.
    const bulkWithQuery = await fetch(`${t.url}/ofrep/v1/evaluate/flags?token=${t.tokens.server}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"context":{}}',
    });
    expect(bulkWithQuery.status).toBe(401);
  });

  it('refuses to reopen the stream of a revoked token', async () => {
    const { token, record } = await issueToken(t.server.context.state, {
      name: 'revoked-client',
      role: 'client',
      flagSets: ['shop'],
      createdBy: 'test',
    });
    const { reader } = await follow(token);
    // Revoked through this server's API: refused at once (revoked elsewhere: within a second, see auth.test.ts).
    const revoked = await t.call('DELETE', `/api/v1/tokens/${record.id}`, { token: t.tokens.admin });
    expect(revoked.status).toBe(200);
    // The stream is not cut mid-flight; its next token check (every 15 s) ends it, and any reconnect fails.
    const reconnect = await fetch(reader.response.url);
    expect([reconnect.status, await reconnect.text()]).toEqual([401, '']);
    reader.close();
  });

  it('ends open streams when the server closes', async () => {
    const s = await startServer({ shop: ofrepFlags() });
    const answer = await s.call('POST', '/ofrep/v1/evaluate/flags', {
      token: s.tokens.server,
      body: { context: {} },
    });
    const reader = await SseReader.open((answer.body as BulkBody).eventStreams[0]!.url);
    expect(reader.status).toBe(200);
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await reader.untilClosed(1_000)).toBe(true);
  });
});
