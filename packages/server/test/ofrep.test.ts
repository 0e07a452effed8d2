/** OFREP evaluation over real HTTP: reasons, error codes, statuses, ETags, tokens, bad input. */
import { compileFlagSet } from '@ensign/core';
import { type FlagSetSnapshot, MemoryFlagStore } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, mintWidgetToken } from '../src/index.js';
import { PreparedSet } from '../src/ofrep/prepared-set.js';
import { closeServer } from './ofrep/close.js';
import { CLIENT_FLAGS, SERVER_ONLY, ofrepFlags } from './ofrep/flags.js';
import { type Answer, type TestServer, quiet, startServer } from './support/server.js';

const SECRET = 'w'.repeat(40);
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ shop: ofrepFlags() }, { widgetSecret: SECRET });
});
afterAll(async () => closeServer(t));

/** Sends no token at all. */
const NO_TOKEN = '';
const single = (key: string, context: unknown, token = t.tokens.server) =>
  t.call('POST', `/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, {
    ...(token !== NO_TOKEN && { token }),
    body: { context },
  });
const bulk = (context: unknown, token = t.tokens.server, headers: Record<string, string> = {}) =>
  t.call('POST', '/ofrep/v1/evaluate/flags', {
    ...(token !== NO_TOKEN && { token }),
    body: { context },
    headers,
  });

interface BulkBody {
  flags: { key: string; value?: unknown; reason?: string; variant?: string; errorCode?: string }[];
  metadata: Record<string, unknown>;
  eventStreams: { type: string; url: string; inactivityDelaySec: number }[];
}
const keysOf = (answer: Answer) => (answer.body as BulkBody).flags.map((f) => f.key);

describe('OFREP single-flag evaluation', () => {
  it('answers each reason of flagd’s table with value, variant and merged metadata', async () => {
    const banner = await single('banner', { targetingKey: 'u1' });
    expect(banner.status).toBe(200);
    expect(banner.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(banner.body).toEqual({
      key: 'banner',
      value: true,
      reason: 'STATIC',
      variant: 'on',
      metadata: { clientSide: true, team: 'checkout', flagSetId: 'shop', version: 1, kind: 'release' },
    });
    expect(await single('checkout-layout', { targetingKey: 'u1', tier: 'pro' })).toMatchObject({
      status: 200,
      body: { key: 'checkout-layout', value: 'grid', variant: 'grid', reason: 'TARGETING_MATCH' },
    });
    expect(await single('checkout-layout', { targetingKey: 'u1', tier: 'free' })).toMatchObject({
      status: 200,
      body: { value: 'list', variant: 'list', reason: 'DEFAULT' },
    });
    expect(await single('internal-pricing', { country: 'US' })).toMatchObject({
      body: { value: 1.25, reason: 'TARGETING_MATCH' },
    });
    expect(await single('secret-discount', { targetingKey: 'u2', email: 'a@vip.example' })).toMatchObject({
      body: { value: { percent: 20, code: 'VIP20' }, variant: 'vip' },
    });
  });

  it('answers a disabled flag with no value, so the caller’s default applies (the kill switch)', async () => {
    const answer = await single('admin-tools', { targetingKey: 'u1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      key: 'admin-tools',
      reason: 'DISABLED',
      metadata: expect.objectContaining({ kind: 'permission', version: 1 }),
    });
  });

  it('answers a rule that fails at run time with 400 GENERAL and the flag key', async () => {
    const answer = await single('runtime-broken', { pick: 'zz' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ key: 'runtime-broken', errorCode: 'GENERAL' });
    expect((answer.body as { errorDetails: string }).errorDetails).toMatch(/not defined/);
    expect(await single('runtime-broken', { pick: 'b' })).toMatchObject({ status: 200, body: { value: 2 } });
  });

  it('answers an unknown flag with 404 FLAG_NOT_FOUND', async () => {
    const answer = await single('no-such-flag', { targetingKey: 'u1' });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      key: 'no-such-flag',
      errorCode: 'FLAG_NOT_FOUND',
      errorDetails: 'flag "no-such-flag" was not found',
    });
  });

  it('accepts a context without targetingKey, as flagd does', async () => {
    expect(await single('banner', {})).toMatchObject({ status: 200, body: { value: true } });
  });
});

describe('OFREP bulk evaluation', () => {
  it('answers every flag sorted by key, with set metadata and an event-stream link', async () => {
    const answer = await bulk({ targetingKey: 'u1', tier: 'pro', country: 'US' });
    expect(answer.status).toBe(200);
    const body = answer.body as BulkBody;
    expect(keysOf(answer)).toEqual([...keysOf(answer)].sort());
    expect(keysOf(answer)).toHaveLength(7);
    expect(body.flags.find((f) => f.key === 'checkout-layout')).toMatchObject({ value: 'grid' });
    expect(body.flags.find((f) => f.key === 'admin-tools')).not.toHaveProperty('value');
    expect(body.metadata).toEqual({ clientSide: true, team: 'checkout', flagSetId: 'shop', version: 1 });
    expect(body.eventStreams).toEqual([
      {
        type: 'sse',
        url: `${t.url}/ofrep/v1/events?token=${encodeURIComponent(t.tokens.server)}&since=1`,
        inactivityDelaySec: 120,
      },
    ]);
  });

  it('reports a flag that fails at run time as an item, not a failed request', async () => {
    const answer = await bulk({ pick: 'zz' });
    expect(answer.status).toBe(200);
    expect((answer.body as BulkBody).flags.find((f) => f.key === 'runtime-broken')).toMatchObject({
      errorCode: 'GENERAL',
    });
  });

  it('gives the same strong ETag for the same answer and a 304 for If-None-Match', async () => {
    const context = { targetingKey: 'u1', tier: 'pro' };
    const first = await bulk(context);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-z]{14}"$/);
    expect((await bulk({ tier: 'pro', targetingKey: 'u1' })).headers.get('etag')).toBe(etag);
    // Another context that lands on the same results gets the same ETag: it is the body's hash.
    expect((await bulk({ targetingKey: 'u2', tier: 'pro' })).headers.get('etag')).toBe(etag);
    expect((await bulk({ targetingKey: 'u1', tier: 'free' })).headers.get('etag')).not.toBe(etag);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await bulk(context, t.tokens.server, { 'if-none-match': ifNoneMatch });
      expect(again.status).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
    }
    expect((await bulk(context, t.tokens.server, { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('changes the ETag when the set changes, and answers with the change', async () => {
    const context = { targetingKey: 'u1' };
    const before = await bulk(context);
    await t.store.patchFlag('shop', 'kill-cart', { state: 'DISABLED' }, { actor: 'test' });
    await expect
      .poll(async () => (await bulk(context)).headers.get('etag'))
      .not.toBe(before.headers.get('etag'));
    const after = await bulk(context, t.tokens.server, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect((after.body as BulkBody).flags.find((f) => f.key === 'kill-cart')).toEqual(
      expect.objectContaining({ reason: 'DISABLED' }),
    );
    expect((after.body as BulkBody).metadata.version).toBe(2);
    await t.store.patchFlag('shop', 'kill-cart', { state: 'ENABLED' }, { actor: 'test' });
  });
});

/** A memory store that counts snapshot reads (a real store, only observed). */
class CountingStore extends MemoryFlagStore {
  loads = 0;
  override async load(flagSet: string): Promise<FlagSetSnapshot> {
    this.loads++;
    return super.load(flagSet);
  }
}

describe('OFREP reads', () => {
  it('answers from the live compiled set: no store read per request', async () => {
    const store = new CountingStore({ flagSets: { shop: ofrepFlags() }, logger: quiet });
    const s = await startServer({ shop: ofrepFlags() }, { store });
    try {
      const call = (path: string) =>
        s.call('POST', path, { token: s.tokens.server, body: { context: { targetingKey: 'u1' } } });
      expect((await call('/ofrep/v1/evaluate/flags')).status).toBe(200);
      const opened = store.loads;
      expect(opened).toBe(1);
      for (let i = 0; i < 50; i++) {
        await call('/ofrep/v1/evaluate/flags');
        await call('/ofrep/v1/evaluate/flags/banner');
      }
      expect(store.loads).toBe(opened);
    } finally {
      await closeServer(s);
    }
  });
});

describe('OFREP tokens', () => {
  it('refuses without a body: 401 with no or a bad token, 403 for other roles', async () => {
    for (const [token, status] of [
      [NO_TOKEN, 401],
      ['ens_server_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 401],
      ['ensw1.bogus.bogus', 401],
      [t.tokens.viewer, 403],
      [t.tokens.admin, 403],
    ] as const) {
      for (const answer of [await single('banner', {}, token), await bulk({}, token)]) {
        expect(answer.status).toBe(status);
        expect(answer.body).toBe('');
      }
    }
    // A client token evaluates in bulk only.
    const clientSingle = await single('banner', {}, t.tokens.client);
    expect([clientSingle.status, clientSingle.body]).toEqual([403, '']);
  });

  it('gives client tokens only the flags marked client-side on themselves, and no trace of others', async () => {
    const answer = await bulk({ targetingKey: 'u1', tier: 'pro' }, t.tokens.client);
    expect(answer.status).toBe(200);
    expect(keysOf(answer)).toEqual(CLIENT_FLAGS);
    const text = JSON.stringify(answer.body);
    for (const key of SERVER_ONLY) expect(text).not.toContain(key);
    expect((answer.body as BulkBody).eventStreams[0]?.url).toContain(encodeURIComponent(t.tokens.client));
  });

  it('gives a client token of another set only that set', async () => {
    await t.store.putFlag('other', 'elsewhere', {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
      metadata: { clientSide: true },
    });
    const { token } = await issueToken(t.server.context.state, {
      name: 'other-client',
      role: 'client',
      flagSets: ['other'],
      createdBy: 'test',
    });
    expect(keysOf(await bulk({}, token))).toEqual(['elsewhere']);
  });

  it('evaluates a widget token’s own client-side flags with the context sealed in it', async () => {
    const token = mintWidgetToken({
      secret: SECRET,
      flagSet: 'shop',
      flags: ['checkout-layout', 'banner', 'internal-pricing', 'gone', 'checkout-layout'],
      context: { targetingKey: 'user-7', tier: 'pro' },
    });
    // The page claims another tier: ignored, the widget sees what the server decided.
    const answer = await bulk({ targetingKey: 'someone-else', tier: 'free' }, token);
    expect(answer.status).toBe(200);
    const body = answer.body as BulkBody;
    // internal-pricing is not client-side and `gone` does not exist: neither appears.
    expect(body.flags.map((f) => [f.key, f.value])).toEqual([
      ['banner', true],
      ['checkout-layout', 'grid'],
    ]);
    expect(body.eventStreams[0]?.url).toContain(`token=${encodeURIComponent(token)}`);
    expect((await single('banner', {}, token)).status).toBe(403);
  });

  it('refuses expired, forged and secret-less widget tokens', async () => {
    const expired = mintWidgetToken({
      secret: SECRET,
      flagSet: 'shop',
      flags: ['banner'],
      context: {},
      now: Date.now() - 3_600_000,
    });
    expect((await bulk({}, expired)).status).toBe(401);
    const forged = mintWidgetToken({
      secret: 'x'.repeat(40),
      flagSet: 'shop',
      flags: ['banner'],
      context: {},
    });
    expect((await bulk({}, forged)).status).toBe(401);
    const noSecret = await startServer({ shop: ofrepFlags() }, { widgetSecret: undefined });
    try {
      const valid = mintWidgetToken({ secret: SECRET, flagSet: 'shop', flags: ['banner'], context: {} });
      expect(
        (await noSecret.call('POST', '/ofrep/v1/evaluate/flags', { token: valid, body: { context: {} } }))
          .status,
      ).toBe(401);
    } finally {
      await closeServer(noSecret);
    }
  });
});

describe('OFREP bad input', () => {
  const raw = (body: string, path = '/ofrep/v1/evaluate/flags', contentType = 'application/json') =>
    t.call('POST', path, { token: t.tokens.server, body, headers: { 'content-type': contentType } });

  it('answers malformed requests with 400 and the spec’s codes', async () => {
    const cases: [string, string, string][] = [
      ['{"context":', 'PARSE_ERROR', 'not valid JSON'],
      ['[1,2]', 'PARSE_ERROR', 'JSON object'],
      ['"context"', 'PARSE_ERROR', 'JSON object'],
      ['{}', 'INVALID_CONTEXT', 'context'],
      ['{"context":[]}', 'INVALID_CONTEXT', 'context'],
      ['{"context":"u1"}', 'INVALID_CONTEXT', 'context'],
      ['{"context":{"targetingKey":42}}', 'INVALID_CONTEXT', 'targetingKey'],
    ];
    for (const [body, errorCode, detail] of cases) {
      const answer = await raw(body);
      expect(answer.status, body).toBe(400);
      expect(answer.body, body).toMatchObject({ errorCode });
      expect((answer.body as { errorDetails: string }).errorDetails, body).toContain(detail);
      expect(answer.body, body).not.toHaveProperty('key');
    }
    // Single-flag failures name the flag.
    expect((await raw('{"context":7}', '/ofrep/v1/evaluate/flags/banner')).body).toMatchObject({
      key: 'banner',
      errorCode: 'INVALID_CONTEXT',
    });
    expect((await raw('context=1', '/ofrep/v1/evaluate/flags', 'text/plain')).body).toMatchObject({
      errorCode: 'PARSE_ERROR',
    });
    const badQuery = await t.call('POST', '/ofrep/v1/evaluate/flags?flagConfigLastModified=yesterday', {
      token: t.tokens.server,
      body: { context: {} },
    });
    expect([badQuery.status, (badQuery.body as { errorCode: string }).errorCode]).toEqual([400, 'GENERAL']);
  });

  it('refuses hostile contexts with 400 INVALID_CONTEXT and keeps serving', async () => {
    const deep = `{"context":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const deepObject = `{"context":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
    const wide = JSON.stringify({ context: { list: Array.from({ length: 20_000 }, (_, i) => i) } });
    const huge = JSON.stringify({ context: { blob: 'x'.repeat(300_000) } });
    const proto = '{"context":{"targetingKey":"u1","__proto__":{"tier":"pro"}}}';
    const nestedProto = '{"context":{"user":{"__proto__":{"admin":true}}}}';
    for (const [body, detail] of [
      [deep, 'nested'],
      [deepObject, 'nested'],
      [wide, 'values'],
      [huge, 'body'],
      [proto, '__proto__'],
      [nestedProto, '__proto__'],
    ] as const) {
      const answer = await raw(body);
      expect(answer.status, detail).toBe(400);
      expect(answer.body, detail).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
      expect((answer.body as { errorDetails: string }).errorDetails, detail).toContain(detail);
    }
    expect(({} as Record<string, unknown>).tier).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    // A context at the limits is fine, and the server still answers.
    const nested = `{"context":${'{"a":'.repeat(31)}1${'}'.repeat(31)}}`;
    expect((await raw(nested)).status).toBe(200);
    expect((await bulk({ targetingKey: 'u1', constructor: 'x', toString: 1 })).status).toBe(200);
  });
});

describe('OFREP event-stream freshness (flagConfigEtag)', () => {
  it('waits for a version a change notice announced before answering', async () => {
    const current = (await bulk({})).body as BulkBody;
    const next = Number(current.metadata.version) + 1;
    const answer = bulk({}, t.tokens.server);
    const started = Date.now();
    const refetch = t.call(
      'POST',
      `/ofrep/v1/evaluate/flags?flagConfigEtag=${encodeURIComponent(`"${next}"`)}`,
      {
        token: t.tokens.server,
        body: { context: {} },
      },
    );
    await answer;
    await new Promise((resolve) => setTimeout(resolve, 150));
    await t.store.patchFlag('shop', 'banner', { defaultVariant: 'off' }, { actor: 'test' });
    const body = (await refetch).body as BulkBody;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(body.metadata.version).toBe(next);
    expect(body.flags.find((f) => f.key === 'banner')?.value).toBe(false);
    await t.store.patchFlag('shop', 'banner', { defaultVariant: 'on' }, { actor: 'test' });
  });

  it('answers at once when this instance already has the announced version', async () => {
    const started = Date.now();
    const answer = await t.call(
      'POST',
      '/ofrep/v1/evaluate/flags?flagConfigEtag=%221%22&flagConfigLastModified=1771622898',
      {
        token: t.tokens.server,
        body: { context: {} },
      },
    );
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('OFREP in the OpenAPI document', () => {
  it('publishes the OFREP routes from their schemas', async () => {
    const doc = (await t.call('GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
    };
    expect(doc.paths['/ofrep/v1/evaluate/flags/{key}']?.post?.tags).toEqual(['OFREP']);
    expect(Object.keys(doc.paths['/ofrep/v1/evaluate/flags']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '304', '400', '401', '403', '429']),
    );
    expect(doc.paths['/ofrep/v1/events']?.get).toBeDefined();
  });
});

describe(PreparedSet.name, () => {
  it('answers a flag that was stored broken with PARSE_ERROR, evaluated once', () => {
    const compiled = compileFlagSet(
      {
        flags: {
          ok: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
          bad: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' },
        },
      },
      { invalidFlags: 'isolate' },
    );
    const prepared = new PreparedSet(compiled, 3);
    const pieces = prepared.evaluate(prepared.all, {});
    expect(pieces).toBe(prepared.all.fixed);
    expect(JSON.parse(pieces[0]!.json)).toMatchObject({ key: 'bad', errorCode: 'PARSE_ERROR' });
    expect(JSON.parse(pieces[1]!.json)).toEqual({
      key: 'ok',
      value: true,
      reason: 'STATIC',
      variant: 'on',
      metadata: {},
    });
  });
});
