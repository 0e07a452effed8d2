/** Health and the token store against a real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryServerState, hashToken, issueToken, listTokens, revokeToken } from '../src/index.js';
import { type TestServer, startServer } from './support/server.js';

/** The real memory state, counting the token reads that reach it. */
class CountingState extends MemoryServerState {
  tokenReads = 0;
  override get<T>(namespace: string, id: string) {
    if (namespace === 'tokens') this.tokenReads++;
    return super.get<T>(namespace, id);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ app: { flags: {} } }, { rateLimit: 5 });
});
afterAll(async () => t?.close());

describe('authentication', () => {
  it('answers health without a token, revealing nothing', async () => {
    expect(await t.call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await t.call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('stores tokens only as their hash, and never lists the hash or the token', async () => {
    const { token, record } = await issueToken(t.server.context.state, {
      name: 'ci',
      role: 'viewer',
      createdBy: 'test',
    });
    const stored = await t.server.context.state.get('tokens', hashToken(token));
    expect(stored?.value).toEqual(record);
    expect(JSON.stringify(stored)).not.toContain(token);
    const listed = await listTokens(t.server.context.state);
    expect(JSON.stringify(listed)).not.toContain(token);
    expect(JSON.stringify(listed)).not.toContain(hashToken(token));
    expect(record.hint).toMatch(/^ens_viewer_.{4}…$/);
  });
});

describe('token lookups, remembered for a second', () => {
  let c: TestServer;
  const state = new CountingState();
  beforeAll(async () => {
    c = await startServer({ app: { flags: {} } }, { state });
  });
  afterAll(async () => c?.close());

  it('reads the state once for a burst of requests with one token, not once per request', async () => {
    const before = state.tokenReads;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => c.call('GET', '/api/v1/flag-sets', { token: c.tokens.viewer })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(state.tokenReads - before).toBe(1);
  });

  it('refuses a token revoked through this server at once', async () => {
    const { token, record } = await issueToken(state, {
      name: 'soon-gone',
      role: 'viewer',
      createdBy: 'test',
    });
    expect((await c.call('GET', '/api/v1/flag-sets', { token })).status).toBe(200);
    const revoked = await c.call('DELETE', `/api/v1/tokens/${record.id}`, { token: c.tokens.admin });
    expect(revoked.status).toBe(200);
    expect((await c.call('GET', '/api/v1/flag-sets', { token })).status).toBe(401);
  });

  it('refuses a token revoked elsewhere (another instance, the CLI on Redis) within a second', async () => {
    const { token, record } = await issueToken(state, {
      name: 'elsewhere',
      role: 'viewer',
      createdBy: 'test',
    });
    expect((await c.call('GET', '/api/v1/flag-sets', { token })).status).toBe(200);
    const at = Date.now();
    expect(await revokeToken(state, record.id)).toBe(true); // straight in the state, not through this server
    let status = 200;
    while (status === 200 && Date.now() - at < 5000) {
      status = (await c.call('GET', '/api/v1/flag-sets', { token })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    expect(Date.now() - at).toBeLessThan(2000);
  });

  it('refuses an unknown well-formed token, and remembers that only for a second too', async () => {
    const unknown = `ens_viewer_${'A'.repeat(32)}`;
    const before = state.tokenReads;
    for (let i = 0; i < 5; i++)
      expect((await c.call('GET', '/api/v1/flag-sets', { token: unknown })).status).toBe(401);
    expect(state.tokenReads - before).toBe(1);
  });
});
