/** Health and the token store against a real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, issueToken, listTokens } from '../src/index.js';
import { type TestServer, startServer } from './support/server.js';

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
