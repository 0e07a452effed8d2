/**
 * The dashboard's sign-in, CSRF protection, event stream and files over real HTTP (no browser):
 * a session cookie is HttpOnly and SameSite=Strict; a cookie-authenticated write without the
 * session's CSRF token is refused and writes nothing; bearer clients are unaffected; evaluation
 * tokens cannot sign in; a revoked token ends its sessions; the event stream pushes a change; the
 * files carry the strict CSP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitness } from './fixtures.js';
import { type Stack, startStack } from './support/stack.js';

const SET = 'fitness-staging';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ kind: 'memory' }, { [SET]: fitness('staging') });
});
afterAll(async () => stack?.close());

/** Signs in with `token`; answers the cookie (name=value) and the CSRF token. */
async function signIn(token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });
  const body = (await response.json()) as { csrfToken: string | null; role: string };
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { status: response.status, setCookie, cookie: setCookie.split(';')[0]!, body };
}

function withCookie(
  cookie: string,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  return fetch(`${stack.url}${path}`, {
    method,
    headers: {
      cookie,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
}

const killPath = `/api/v1/flag-sets/${SET}/flags/bookings-enabled/kill`;
const restorePath = `/api/v1/flag-sets/${SET}/flags/bookings-enabled/restore`;

describe('dashboard sessions', () => {
  it('signs in with a token: an HttpOnly, SameSite=Strict cookie holding no token, and a CSRF token', async () => {
    const { status, setCookie, body } = await signIn(stack.tokens.editor);
    expect(status).toBe(201);
    expect(setCookie).toMatch(
      /^ensign-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    expect(setCookie).not.toContain(stack.tokens.editor);
    expect(body.role).toBe('editor');
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers the session (and its CSRF token again) to the cookie', async () => {
    const { cookie, body } = await signIn(stack.tokens.viewer);
    const answer = await withCookie(cookie, 'GET', '/api/v1/session');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toMatchObject({ role: 'viewer', csrfToken: body.csrfToken });
  });

  it('refuses a cookie-authenticated write without the CSRF token, and writes nothing', async () => {
    const { cookie, body } = await signIn(stack.tokens.editor);
    const before = await stack.store.version(SET);
    for (const headers of [{}, { 'x-csrf-token': 'x'.repeat(43) }, { 'x-csrf-token': '' }] as Record<
      string,
      string
    >[]) {
      const refused = await withCookie(cookie, 'POST', killPath, {
        body: { reason: 'no csrf' },
        headers: { 'if-match': '*', ...headers },
      });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { type: string }).type).toMatch(/csrf-token-invalid$/);
    }
    expect(await stack.store.version(SET)).toBe(before);
    const killed = await withCookie(cookie, 'POST', killPath, {
      body: { reason: 'with csrf' },
      headers: { 'if-match': '*', 'x-csrf-token': body.csrfToken! },
    });
    expect(killed.status).toBe(200);
    const history = (await stack.call('GET', `/api/v1/flag-sets/${SET}/history?limit=1`)).body as {
      entries: { actor: string; reason: string }[];
    };
    expect(history.entries[0]).toMatchObject({
      actor: expect.stringMatching(/^Editor Eve \(tok_/),
      reason: 'with csrf',
    });
    const restored = await withCookie(cookie, 'POST', restorePath, {
      body: {},
      headers: { 'if-match': '*', 'x-csrf-token': body.csrfToken! },
    });
    expect(restored.status).toBe(200);
  });

  it("does not accept another session's CSRF token", async () => {
    const first = await signIn(stack.tokens.editor);
    const second = await signIn(stack.tokens.editor);
    const refused = await withCookie(first.cookie, 'POST', killPath, {
      body: {},
      headers: { 'if-match': '*', 'x-csrf-token': second.body.csrfToken! },
    });
    expect(refused.status).toBe(403);
  });

  it('leaves bearer-token clients as they were: no cookie, no CSRF token needed', async () => {
    const killed = await stack.call('POST', killPath, { reason: 'bearer' }, { 'if-match': '*' });
    expect(killed.status).toBe(200);
    const restored = await stack.call('POST', restorePath, {}, { 'if-match': '*' });
    expect(restored.status).toBe(200);
    expect(
      (await stack.call('GET', '/api/v1/session', undefined, {}, stack.tokens.viewer)).body,
    ).toMatchObject({ csrfToken: null, role: 'viewer' });
  });

  it('keeps roles: a viewer session reads but may not write, even with its CSRF token', async () => {
    const { cookie, body } = await signIn(stack.tokens.viewer);
    expect((await withCookie(cookie, 'GET', `/api/v1/flag-sets/${SET}/flags`)).status).toBe(200);
    const refused = await withCookie(cookie, 'POST', killPath, {
      body: {},
      headers: { 'if-match': '*', 'x-csrf-token': body.csrfToken! },
    });
    expect(refused.status).toBe(403);
  });

  it('refuses evaluation tokens, unknown tokens and sign-ins from another origin', async () => {
    expect((await signIn(stack.tokens.server)).status).toBe(401);
    expect((await signIn(stack.tokens.client)).status).toBe(401);
    expect((await signIn(`ens_admin_${'x'.repeat(32)}`)).status).toBe(401);
    expect((await signIn(stack.tokens.admin, { origin: 'https://evil.example' })).status).toBe(403);
    const form = await fetch(`${stack.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${stack.tokens.admin}`,
    });
    expect(form.status).toBe(415);
  });

  it('ends the sessions of a revoked token, and on sign-out', async () => {
    const created = (await stack.call('POST', '/api/v1/tokens', { name: 'short-lived', role: 'viewer' }))
      .body as { token: string; record: { id: string } };
    const { cookie, body } = await signIn(created.token);
    expect((await withCookie(cookie, 'GET', '/api/v1/session')).status).toBe(200);
    expect((await stack.call('DELETE', `/api/v1/tokens/${created.record.id}`)).status).toBe(200);
    expect((await withCookie(cookie, 'GET', '/api/v1/session')).status).toBe(401);

    const other = await signIn(stack.tokens.viewer);
    const out = await withCookie(other.cookie, 'DELETE', '/api/v1/session', {
      headers: { 'x-csrf-token': other.body.csrfToken! },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await withCookie(other.cookie, 'GET', '/api/v1/session')).status).toBe(401);
    expect(body.csrfToken).not.toBe(other.body.csrfToken);
  });

  it('pushes a change of the set to an open event stream authenticated by the cookie', async () => {
    const { cookie } = await signIn(stack.tokens.viewer);
    const controller = new AbortController();
    const response = await fetch(`${stack.url}/api/v1/flag-sets/${SET}/events`, {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(/event: ready\ndata: \{"flagSet":"fitness-staging","version":\d+\}/);
    await stack.call('POST', killPath, { reason: 'push' }, { 'if-match': '*' });
    await readUntil(/event: change\ndata: \{[^\n]*"flagsChanged":\["bookings-enabled"\]/);
    expect(text).toMatch(/id: \d+\nevent: change/);
    controller.abort();
    await stack.call('POST', restorePath, {}, { 'if-match': '*' });
  });

  it('serves the app under a strict CSP, and its session routes in the OpenAPI document', async () => {
    const page = await fetch(`${stack.url}/dashboard/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<style|style=/);
    const script = /src="([^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${stack.url}/dashboard/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${stack.url}/`, { redirect: 'manual' })).headers.get('location')).toBe(
      '/dashboard/',
    );
    const doc = (await stack.call('GET', '/api/v1/openapi.json')).body as { paths: Record<string, unknown> };
    for (const path of [
      '/api/v1/session',
      '/api/v1/flag-sets/{set}/events',
      '/api/v1/flag-sets/{set}/flags/{key}/evaluations',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});
