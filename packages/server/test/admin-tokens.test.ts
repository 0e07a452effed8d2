/** Tokens through the admin API: created once, listed without secrets, revoked for good. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, hashToken, issueToken, openEmbeddedBackends } from '../src/index.js';
import { body, issues, staging } from './admin/fixtures.js';
import { type TestServer, quiet, startServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ 'fitness-staging': staging() }, { flagSets: ['fitness-staging'] });
});
afterAll(async () => t?.close());

const create = (payload: unknown, token = t.tokens.admin) =>
  t.call('POST', '/api/v1/tokens', { token, body: payload });

describe('tokens', () => {
  it('creates a token shown once, lists its record without the token or its hash, and the token works', async () => {
    const created = await create({
      name: 'ci deploy',
      role: 'editor',
      flagSets: ['fitness-staging'],
      ttlSeconds: 3600,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { token, record } = body(created) as { token: string; record: Record<string, unknown> };
    expect(token).toMatch(/^ens_editor_[A-Za-z0-9_-]{32}$/);
    expect(record).toMatchObject({
      name: 'ci deploy',
      role: 'editor',
      flagSets: ['fitness-staging'],
      createdBy: expect.stringMatching(/^test-admin \(tok_/),
      expiresAt: expect.any(String),
      hint: `${token.slice(0, 15)}…`,
    });

    const list = await t.call('GET', '/api/v1/tokens', { token: t.tokens.admin });
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(token);
    expect(text).not.toContain(hashToken(token));
    expect((body(list).tokens as { id: string }[]).map((r) => r.id)).toContain(record.id);

    const read = await t.call('GET', '/api/v1/flag-sets/fitness-staging/flags', { token });
    expect(read.status).toBe(200);
    const write = await t.call('POST', '/api/v1/flag-sets/fitness-staging/flags/layout/kill', {
      token,
      body: { reason: 'from ci' },
      headers: { 'if-match': '*' },
    });
    expect(write.status).toBe(200);
    expect((body(write).flag as { metadata: Record<string, string> }).metadata.killedBy).toBe(
      `ci deploy (${record.id})`,
    );
  });

  it('revokes a token: from then on it is refused with 401, and revoking again is harmless', async () => {
    const { token, record } = body(await create({ name: 'temp', role: 'viewer' })) as {
      token: string;
      record: { id: string };
    };
    expect((await t.call('GET', '/api/v1/flag-sets', { token })).status).toBe(200);
    const revoked = await t.call('DELETE', `/api/v1/tokens/${record.id}`, { token: t.tokens.admin });
    expect(revoked).toMatchObject({ status: 200, body: { id: record.id, revoked: true } });
    const refused = await t.call('GET', '/api/v1/flag-sets', { token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await t.call('DELETE', `/api/v1/tokens/${record.id}`, { token: t.tokens.admin })).status).toBe(
      200,
    );
    const listed = (
      body(await t.call('GET', '/api/v1/tokens', { token: t.tokens.admin })).tokens as {
        id: string;
        revokedAt?: string;
      }[]
    ).find((r) => r.id === record.id);
    expect(listed?.revokedAt).toEqual(expect.any(String));
    expect(
      (await t.call('DELETE', '/api/v1/tokens/tok_0000000000000000', { token: t.tokens.admin })).status,
    ).toBe(404);
    expect((await t.call('DELETE', '/api/v1/tokens/not-an-id', { token: t.tokens.admin })).status).toBe(400);
  });

  it('refuses expired and unknown tokens with 401 before anything runs', async () => {
    const { token } = await issueToken(
      t.server.context.state,
      { name: 'old', role: 'admin', ttlSeconds: 60, createdBy: 'test' },
      new Date(Date.now() - 120_000),
    );
    expect((await t.call('GET', '/api/v1/tokens', { token })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/tokens', { token: `ens_admin_${'A'.repeat(32)}` })).status).toBe(
      401,
    );
    expect((await t.call('GET', '/api/v1/tokens')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/tokens', { headers: { authorization: 'Basic YTpi' } })).status).toBe(
      401,
    );
  });

  it('refuses a token that does not fit its role, naming the field, and creates nothing', async () => {
    const count = async () =>
      (body(await t.call('GET', '/api/v1/tokens', { token: t.tokens.admin })).tokens as unknown[]).length;
    const before = await count();
    const serverTwoSets = await create({ name: 's', role: 'server', flagSets: ['fitness-staging', 'other'] });
    expect(serverTwoSets.status).toBe(422);
    expect(issues(serverTwoSets)[0]).toMatchObject({ pointer: '/flagSets' });
    const editorNoSets = await create({ name: 'e', role: 'editor' });
    expect(issues(editorNoSets)[0]).toMatchObject({ pointer: '/flagSets' });
    const originsOnServer = await create({
      name: 's',
      role: 'server',
      flagSets: ['fitness-staging'],
      origins: ['https://a.example'],
    });
    expect(issues(originsOnServer)[0]).toMatchObject({ pointer: '/origins' });
    const unknownSet = await create({ name: 'c', role: 'client', flagSets: ['nope'] });
    expect(unknownSet.status).toBe(422);
    expect(issues(unknownSet)[0]).toMatchObject({ pointer: '/flagSets/0' });
    for (const payload of [
      { name: 'x', role: 'root' },
      { name: '', role: 'viewer' },
      { name: 'x', role: 'viewer', scopes: ['*'] },
      { name: 'x', role: 'client', flagSets: ['fitness-staging'], origins: ['javascript:alert(1)'] },
      { name: 'x', role: 'viewer', ttlSeconds: 0 },
    ]) {
      expect((await create(payload)).status, JSON.stringify(payload)).toBe(400);
    }
    const client = await create({
      name: 'web',
      role: 'client',
      flagSets: ['fitness-staging'],
      origins: ['https://app.example.com'],
    });
    expect(client.status).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it('lets only admins see and manage tokens', async () => {
    for (const role of ['editor', 'viewer', 'server', 'client'] as const) {
      expect((await t.call('GET', '/api/v1/tokens', { token: t.tokens[role] })).status, role).toBe(403);
      expect((await create({ name: 'x', role: 'admin' }, t.tokens[role])).status, role).toBe(403);
    }
  });

  it("answers 429 with Retry-After past a token's own rate limit", async () => {
    const { token } = body(await create({ name: 'slow', role: 'viewer', rateLimit: 1 })) as { token: string };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await t.call('GET', '/api/v1/flag-sets', { token }));
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(limited?.body).toMatchObject({ type: 'https://ensign.dev/problems/rate-limited', status: 429 });
  });
});

describe('the embedded default across a restart', () => {
  it('keeps tokens, revocations, the list of sets and the flags', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ensign-admin-'));
    try {
      const open = async () => {
        const backends = openEmbeddedBackends({ dataDir, logger: quiet });
        const server = await createServer({ store: backends.store, state: backends.state, logger: quiet });
        const url = await server.listen();
        const close = async () => {
          await server.close();
          await backends.close();
        };
        return { backends, url, close };
      };
      const first = await open();
      const { token: admin } = await issueToken(first.backends.state, {
        name: 'owner',
        role: 'admin',
        createdBy: 'setup',
      });
      const headers = (token: string, extra: Record<string, string> = {}) => ({
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...extra,
      });
      const imported = await fetch(`${first.url}/api/v1/flag-sets/fitness`, {
        method: 'PUT',
        headers: headers(admin, { 'if-none-match': '*' }),
        body: JSON.stringify(staging()),
      });
      expect(imported.status).toBe(201);
      const created = await fetch(`${first.url}/api/v1/tokens`, {
        method: 'POST',
        headers: headers(admin),
        body: JSON.stringify({ name: 'gone', role: 'viewer' }),
      });
      const { token: revoked, record } = (await created.json()) as { token: string; record: { id: string } };
      await fetch(`${first.url}/api/v1/tokens/${record.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      });
      await first.close();

      const second = await open();
      try {
        const list = await fetch(`${second.url}/api/v1/flag-sets`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        expect(list.status).toBe(200);
        expect(
          ((await list.json()) as { flagSets: { flagSet: string; version: number }[] }).flagSets,
        ).toEqual([expect.objectContaining({ flagSet: 'fitness', version: 1 })]);
        const flag = await fetch(`${second.url}/api/v1/flag-sets/fitness/flags/layout`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        expect(await flag.json()).toEqual(staging().flags.layout);
        const refused = await fetch(`${second.url}/api/v1/flag-sets`, {
          headers: { authorization: `Bearer ${revoked}` },
        });
        expect(refused.status).toBe(401);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
