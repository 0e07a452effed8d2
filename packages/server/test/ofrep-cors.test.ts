/**
 * CORS on the OFREP routes, as a browser would exercise it (preflight, then the actual request
 * with its `Origin`); the real browser run is `ofrep-browser.e2e.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, mintWidgetToken } from '../src/index.js';
import { closeServer } from './ofrep/close.js';
import { ofrepFlags } from './ofrep/flags.js';
import { type TestServer, startServer } from './support/server.js';

const SECRET = 'w'.repeat(40);
const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';
let t: TestServer;
let client: string;
/** A client token allowed 1 request/s (burst 2). */
let limited: string;
beforeAll(async () => {
  t = await startServer({ shop: ofrepFlags() }, { widgetSecret: SECRET });
  const spec = {
    role: 'client',
    flagSets: ['shop'],
    origins: [APP, 'http://localhost:5173'],
    createdBy: 'test',
  } as const;
  ({ token: client } = await issueToken(t.server.context.state, { ...spec, name: 'web' }));
  ({ token: limited } = await issueToken(t.server.context.state, { ...spec, name: 'slow', rateLimit: 1 }));
});
afterAll(async () => closeServer(t));

const bulk = (token: string, origin?: string) =>
  t.call('POST', '/ofrep/v1/evaluate/flags', {
    token,
    body: { context: { targetingKey: 'u1' } },
    headers: origin === undefined ? {} : { origin },
  });

describe('OFREP CORS', () => {
  it('answers preflights from any origin (they carry no token)', async () => {
    for (const path of ['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/banner', '/ofrep/v1/events']) {
      const answer = await t.call('OPTIONS', path, {
        headers: {
          origin: EVIL,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, if-none-match',
        },
      });
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(EVIL);
      expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
      expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-none-match');
      expect(answer.headers.get('access-control-max-age')).toBe('600');
    }
    // The admin API answers no preflight at all.
    const admin = await t.call('OPTIONS', '/api/v1/openapi.json', { headers: { origin: APP } });
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly a client token’s origins, exposing ETag and Retry-After', async () => {
    const allowed = await bulk(client, APP);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag, Retry-After');
    expect(allowed.headers.get('vary')).toContain('Origin');
    for (const origin of [EVIL, 'https://app.example.com.evil.net', 'http://app.example.com', 'null']) {
      const refused = await bulk(client, origin);
      expect(refused.status, origin).toBe(403);
      expect(refused.body, origin).toBe('');
      // The page may see that it was refused, and nothing else.
      expect(refused.headers.get('access-control-allow-origin'), origin).toBe(origin);
      expect(refused.headers.get('etag'), origin).toBeNull();
    }
  });

  it('serves a client token without Origin (not a browser), with no CORS headers', async () => {
    const answer = await bulk(client);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a browser see a 429 and its Retry-After', async () => {
    const statuses: number[] = [];
    let refusal: Headers | undefined;
    for (let i = 0; i < 5 && refusal === undefined; i++) {
      const answer = await bulk(limited, APP);
      statuses.push(answer.status);
      if (answer.status === 429) refusal = answer.headers;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(refusal?.get('retry-after')).toMatch(/^\d+$/);
    expect(refusal?.get('access-control-allow-origin')).toBe(APP);
    expect(refusal?.get('access-control-expose-headers')).toContain('Retry-After');
  });

  it('gives server tokens no CORS headers: a browser may not read their answers', async () => {
    const answer = await bulk(t.tokens.server, APP);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows any origin for a widget token, the sandbox’s opaque one included', async () => {
    const token = mintWidgetToken({ secret: SECRET, flagSet: 'shop', flags: ['banner'], context: {} });
    for (const origin of ['null', 'https://abc123.web-sandbox.oaiusercontent.com']) {
      const answer = await bulk(token, origin);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it('checks the origin of event streams the same way', async () => {
    const url = `${t.url}/ofrep/v1/events?token=${encodeURIComponent(client)}`;
    const allowed = await fetch(url, { headers: { origin: APP } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    await allowed.body?.cancel();
    const refused = await fetch(url, { headers: { origin: EVIL } });
    expect([refused.status, await refused.text()]).toEqual([403, '']);
  });
});
