/**
 * The admin API over a real Redis: `RedisFlagStore` for flags and `RedisServerState` for tokens
 * and the list of sets, with two server instances on the same Redis behaving as one (a set
 * created through one is listed and written through the other; compare-and-set holds across them).
 */
import type { FlagDefinition } from '@ensign/core';
import { RedisFlagStore } from '@ensign/redis-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { RedisServerState } from '../src/index.js';
import { body, ifMatch, production, readFlag, staging } from './admin/fixtures.js';
import { type TestServer, quiet, startServer } from './support/server.js';

let redis: RedisServer;
let states: RedisServerState[];
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  redis = await RedisServer.start();
  states = [new RedisServerState({ url: redis.url }), new RedisServerState({ url: redis.url })];
  const open = (state: RedisServerState) =>
    startServer({}, { store: new RedisFlagStore({ url: redis.url, logger: quiet }), state, webhooks: false });
  [a, b] = (await Promise.all(states.map(open))) as [TestServer, TestServer];
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all((states ?? []).map((s) => s.close()));
  await redis?.stop();
});

describe('admin API over Redis, two instances', () => {
  it('creates sets through one instance and lists and reads them through the other', async () => {
    for (const [set, document] of [
      ['fitness-staging', staging()],
      ['fitness-production', production()],
    ] as const) {
      const created = await a.call('PUT', `/api/v1/flag-sets/${set}`, {
        token: a.tokens.admin,
        body: document,
        headers: { 'if-none-match': '*' },
      });
      expect(created.status).toBe(201);
    }
    const listed = body(await b.call('GET', '/api/v1/flag-sets', { token: b.tokens.viewer })).flagSets as {
      flagSet: string;
      version: number;
    }[];
    expect(listed).toEqual([
      expect.objectContaining({ flagSet: 'fitness-production', version: 1 }),
      expect.objectContaining({ flagSet: 'fitness-staging', version: 1 }),
    ]);
    expect((await readFlag(b, 'fitness-staging', 'layout')).flag).toEqual(staging().flags.layout);
  });

  it('is compare-and-set per flag across instances: stale edits 412, edits of other flags go through', async () => {
    const set = 'fitness-staging';
    const layout = await readFlag(a, set, 'layout');
    const bookings = await readFlag(b, set, 'bookings-enabled');
    const viaB = await b.call('PATCH', `/api/v1/flag-sets/${set}/flags/layout`, {
      token: b.tokens.admin,
      body: { defaultVariant: 'grid' },
      headers: ifMatch(layout.etag),
    });
    expect(viaB.status).toBe(200);
    const staleViaA = await a.call('PATCH', `/api/v1/flag-sets/${set}/flags/layout`, {
      token: a.tokens.admin,
      body: { defaultVariant: 'cards' },
      headers: ifMatch(layout.etag),
    });
    expect(staleViaA.status).toBe(412);
    expect(body(staleViaA).currentEtag).toBe(viaB.headers.get('etag'));
    const otherFlag = await a.call('PATCH', `/api/v1/flag-sets/${set}/flags/bookings-enabled`, {
      token: a.tokens.admin,
      body: { metadata: { kind: 'kill-switch', owner: 'ops' } },
      headers: ifMatch(bookings.etag),
    });
    expect(otherFlag.status).toBe(200);
    expect((await readFlag(b, set, 'layout')).flag).toMatchObject({ defaultVariant: 'grid' });
  });

  it('kills and restores exactly, in both modes, with the audit trail in Redis', async () => {
    const set = 'fitness-staging';
    for (const [key, mode] of [
      ['new-checkout', 'off-variant'],
      ['layout', 'disabled'],
    ] as const) {
      const before = await readFlag(a, set, key);
      const killed = await a.call('POST', `/api/v1/flag-sets/${set}/flags/${key}/kill`, {
        token: a.tokens.admin,
        body: { reason: 'INC-9' },
        headers: ifMatch(before.etag),
      });
      expect(body(killed)).toMatchObject({ changed: true, mode });
      const restored = await b.call('POST', `/api/v1/flag-sets/${set}/flags/${key}/restore`, {
        token: b.tokens.admin,
        body: {},
        headers: ifMatch(killed.headers.get('etag')),
      });
      expect(restored.status).toBe(200);
      const after = await readFlag(a, set, key);
      expect(after.flag).toEqual(before.flag);
      expect(after.etag).toBe(before.etag);
    }
    const history = await b.call('GET', `/api/v1/flag-sets/${set}/flags/layout/history?limit=2`, {
      token: b.tokens.viewer,
    });
    const [restore, kill] = body(history).entries as {
      actor: string;
      reason?: string;
      before: unknown;
      after: FlagDefinition;
    }[];
    expect(kill).toMatchObject({ reason: 'INC-9', actor: expect.stringMatching(/^test-admin \(tok_/) });
    expect(kill!.after.metadata).toMatchObject({ killMode: 'disabled' });
    expect(restore!.after).toEqual(kill!.before);
  });

  it('promotes with a diff and reverts one flag, over Redis', async () => {
    const plan = await a.call('POST', '/api/v1/flag-sets/fitness-production/promote', {
      token: a.tokens.admin,
      body: { from: 'fitness-staging', flags: ['layout'], dryRun: true },
    });
    expect(body(plan).flags).toEqual({ added: ['layout'], removed: [], changed: [] });
    const applied = await b.call('POST', '/api/v1/flag-sets/fitness-production/promote', {
      token: b.tokens.admin,
      body: { from: 'fitness-staging', flags: ['layout'], fromVersion: body(plan).fromVersion },
      headers: ifMatch(`"v${body(plan).toVersion}"`),
    });
    expect(body(applied)).toMatchObject({ applied: true, version: (body(plan).toVersion as number) + 1 });
    const staged = await readFlag(a, 'fitness-staging', 'layout');
    expect((await readFlag(a, 'fitness-production', 'layout')).flag).toEqual(staged.flag);

    const reverted = await a.call('POST', '/api/v1/flag-sets/fitness-staging/flags/layout/revert', {
      token: a.tokens.admin,
      body: { version: 1 },
      headers: ifMatch(staged.etag),
    });
    expect(reverted.status).toBe(200);
    expect((await readFlag(b, 'fitness-staging', 'layout')).flag).toEqual(staging().flags.layout);
    expect((await readFlag(b, 'fitness-production', 'layout')).flag).toEqual(staged.flag);
  });

  it('shares tokens: one created through an instance is revoked through the other', async () => {
    const created = await a.call('POST', '/api/v1/tokens', {
      token: a.tokens.admin,
      body: { name: 'shared', role: 'viewer' },
    });
    const { token, record } = body(created) as { token: string; record: { id: string } };
    expect((await b.call('GET', '/api/v1/flag-sets', { token })).status).toBe(200);
    expect((await b.call('DELETE', `/api/v1/tokens/${record.id}`, { token: b.tokens.admin })).status).toBe(
      200,
    );
    expect((await a.call('GET', '/api/v1/flag-sets', { token })).status).toBe(401);
  });
});
