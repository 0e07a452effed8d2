/**
 * Webhooks against a real server and a real receiver (a `node:http` server on loopback): the
 * routes (the secret shown once, never listed), the delivery format (signed JSON, idempotency id,
 * event types, the Slack text), retries of a receiver that was down, failures listed and
 * redelivered, and a write that never waits for a slow receiver.
 */
import { createHmac } from 'node:crypto';
import type { FlagSetDocument } from '@ensign/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, verifyWebhookSignature } from '../src/index.js';
import { type TestServer, startServer } from './support/server.js';
import { WebhookReceiver, until } from './support/webhook-receiver.js';

/** Fast delivery for tests: the defaults wait seconds. */
const FAST = {
  pollIntervalMs: 50,
  leaseTtlMs: 1_000,
  initialBackoffMs: 50,
  maxBackoffMs: 200,
  maxAttempts: 4,
  timeoutMs: 3_000,
};

const fitness = (): FlagSetDocument => ({
  flags: {
    'bookings-enabled': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'kill-switch', owner: 'sre', killSwitchOffVariant: 'off' },
    },
    'new-search': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
  },
});

let t: TestServer;
let alice: string;
const receivers: WebhookReceiver[] = [];
let sets = 0;
/** A set of its own per test, so that no test sees another's deliveries. */
async function newSet(): Promise<string> {
  const set = `fitness-${++sets}`;
  await t.store.replaceFlagSet(set, fitness(), { actor: 'seed' });
  return set;
}
async function receiver(down = false): Promise<WebhookReceiver> {
  const r = down ? await WebhookReceiver.down() : await WebhookReceiver.start();
  receivers.push(r);
  return r;
}
interface Created {
  webhook: { id: string; url: string; flagSets: string[]; events: string[]; stats: Record<string, number> };
  secret: string;
}
const versionsOf = (r: WebhookReceiver) => r.bodies().map((b) => b.version as number);
async function subscribe(body: Record<string, unknown>): Promise<Created> {
  const answer = await t.call('POST', '/api/v1/webhooks', { token: t.tokens.admin, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as Created;
}

beforeAll(async () => {
  t = await startServer({}, { webhooks: FAST });
  ({ token: alice } = await issueToken(t.server.context.state, {
    name: 'alice',
    role: 'admin',
    createdBy: 'test',
  }));
});
afterAll(async () => {
  await t?.close();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('webhook routes', () => {
  it('create answers the secret once; list and get never show it; it is stored apart from the subscription', async () => {
    const set = await newSet();
    const { webhook, secret } = await subscribe({
      url: 'https://hooks.example.com/services/T1/B2/x',
      flagSets: [set],
      events: ['flag.killed', 'flag.restored'],
      description: 'on-call channel',
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({
      id: expect.stringMatching(/^wh_[0-9a-f]{16}$/),
      url: 'https://hooks.example.com/services/T1/B2/x',
      flagSets: [set],
      events: ['flag.killed', 'flag.restored'],
      description: 'on-call channel',
      createdBy: expect.stringMatching(/^test-admin \(tok_[0-9a-f]+\)$/),
      stats: { delivered: 0, failed: 0, attempts: 0 },
    });
    const listed = await t.call('GET', '/api/v1/webhooks', { token: t.tokens.admin });
    const one = await t.call('GET', `/api/v1/webhooks/${webhook.id}`, { token: t.tokens.admin });
    expect(listed.status).toBe(200);
    expect((listed.body as { webhooks: { id: string }[] }).webhooks.map((w) => w.id)).toContain(webhook.id);
    expect(one).toMatchObject({ status: 200, body: { id: webhook.id, pendingFailures: 0 } });
    for (const answer of [listed, one]) expect(JSON.stringify(answer.body)).not.toContain(secret);
    const { state } = t.server.context;
    expect(JSON.stringify(await state.get('webhooks', webhook.id))).not.toContain(secret);
    expect((await state.get('webhook-secrets', webhook.id))?.value).toEqual({ secret });
    const openapi = (await t.call('GET', '/api/v1/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/webhooks', '/api/v1/webhooks/{id}/failures/{deliveryId}/redeliver']),
    );
  });

  it('admits admin tokens only, and refuses bad bodies as problem documents naming the field', async () => {
    const body = { url: 'https://example.com/hook', flagSets: ['x'] };
    expect((await t.call('POST', '/api/v1/webhooks', { body })).status).toBe(401);
    for (const role of ['editor', 'viewer', 'server'] as const) {
      expect((await t.call('POST', '/api/v1/webhooks', { token: t.tokens[role], body })).status).toBe(403);
      expect((await t.call('GET', '/api/v1/webhooks', { token: t.tokens[role] })).status).toBe(403);
    }
    const refused: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://example.com/x', flagSets: ['x'] }, '/url'],
      [{ url: 'https://example.com/x', flagSets: [] }, '/flagSets'],
      [{ url: 'https://example.com/x', flagSets: ['a{b}'] }, '/flagSets/0'],
      [{ url: 'https://example.com/x', flagSets: ['x'], events: ['flag.exploded'] }, '/events/0'],
      [{ url: 'https://example.com/x', flagSets: ['x'], secret: 'short' }, '/secret'],
      [{ url: 'https://example.com/x', flagSets: ['x'], colour: 'red' }, '/colour'],
      [{ url: 'https://exa mple.com/x', flagSets: ['x'] }, '/url'],
    ];
    for (const [bad, pointer] of refused) {
      const answer = await t.call('POST', '/api/v1/webhooks', { token: t.tokens.admin, body: bad });
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify((answer.body as { errors: unknown[] }).errors)).toContain(pointer);
    }
    const missing = await t.call('GET', '/api/v1/webhooks/wh_0000000000000000', { token: t.tokens.admin });
    expect(missing).toMatchObject({
      status: 404,
      body: { type: 'https://ensign.dev/problems/webhook-not-found' },
    });
  });
});

describe('webhook delivery', () => {
  it('delivers a kill as signed JSON that Slack shows as "bookings kill switch turned OFF by alice: INC-42"', async () => {
    const set = await newSet();
    const r = await receiver();
    const { webhook, secret } = await subscribe({ url: r.url, flagSets: [set] });
    const kill = await t.call('POST', `/api/v1/flag-sets/${set}/flags/bookings-enabled/kill`, {
      token: alice,
      headers: { 'if-match': '*' },
      body: { reason: 'INC-42' },
    });
    expect(kill.status, JSON.stringify(kill.body)).toBe(200);
    await until(() => r.received.length === 1, 'the kill delivery');
    const [delivery] = r.received;
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['x-ensign-event']).toBe('flag.killed');
    expect(delivery!.headers['x-ensign-delivery']).toBe(`${set}:2:${webhook.id}`);
    expect(delivery!.headers['x-ensign-attempt']).toBe('1');
    // The signature is HMAC-SHA256 of the exact bytes received, with the secret answered at creation.
    const signature = delivery!.headers['x-ensign-signature-256'];
    expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(delivery!.raw).digest('hex')}`);
    expect(verifyWebhookSignature(secret, delivery!.raw, signature)).toBe(true);
    expect(verifyWebhookSignature(`${secret}x`, delivery!.raw, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, delivery!.raw.replace('INC-42', 'INC-43'), signature)).toBe(false);
    expect(delivery!.body).toMatchObject({
      id: `${set}:2:${webhook.id}`,
      event: 'flag.killed',
      webhookId: webhook.id,
      flagSet: set,
      version: 2,
      operation: 'put',
      flagKey: 'bookings-enabled',
      actor: expect.stringMatching(/^alice \(tok_/),
      reason: 'INC-42',
      text: `bookings kill switch turned OFF by alice: INC-42 (${set} v2)`,
      before: { defaultVariant: 'on' },
      after: { metadata: { killedAt: expect.any(String) } },
    });

    const restore = await t.call('POST', `/api/v1/flag-sets/${set}/flags/bookings-enabled/restore`, {
      token: alice,
      headers: { 'if-match': '*' },
      body: { reason: 'fixed' },
    });
    expect(restore.status, JSON.stringify(restore.body)).toBe(200);
    await until(() => r.received.length === 2, 'the restore delivery');
    expect(r.received[1]!.body).toMatchObject({
      event: 'flag.restored',
      version: 3,
      text: `bookings kill switch turned ON by alice: fixed (${set} v3)`,
    });
  });

  it('names each kind of change, filters by event and flag set, and escapes what Slack would act on', async () => {
    const set = await newSet();
    const other = await newSet();
    const all = await receiver();
    const kills = await receiver();
    const { webhook } = await subscribe({ url: all.url, flagSets: [set] });
    await subscribe({ url: kills.url, flagSets: [set, other], events: ['flag.killed'] });
    const { store } = t;
    const flag = { state: 'ENABLED' as const, variants: { on: true, off: false }, defaultVariant: 'off' };
    await store.putFlag(set, 'beta', flag, { actor: 'bob (tok_0123abcd)' });
    await store.patchFlag(
      set,
      'beta',
      { defaultVariant: 'on' },
      { actor: 'bob', reason: '<!channel> & <https://evil|click>' },
    );
    await store.patchFlag(set, 'new-search', { state: 'DISABLED' }, { actor: 'carol' });
    await store.patchFlag(other, 'new-search', { state: 'DISABLED' }, { actor: 'carol' });
    await store.deleteFlag(set, 'beta', { actor: 'bob' });
    await store.replaceFlagSet(set, fitness(), { actor: 'dave', reason: 'import' });
    await store.revert(set, 3, { actor: 'erin' });
    await until(() => all.received.length === 6, 'six deliveries');
    await until(() => kills.received.length === 2, 'two kills');
    expect(all.bodies().map((b) => [b.version, b.event])).toEqual([
      [2, 'flag.created'],
      [3, 'flag.updated'],
      [4, 'flag.killed'],
      [5, 'flag.deleted'],
      [6, 'flagset.replaced'],
      [7, 'flagset.reverted'],
    ]);
    expect(all.bodies().map((b) => b.text)).toEqual([
      `flag beta created by bob (${set} v2)`,
      `flag beta changed by bob: &lt;!channel&gt; &amp; &lt;https://evil|click&gt; (${set} v3)`,
      `flag new-search turned OFF by carol (${set} v4)`,
      `flag beta deleted by bob (${set} v5)`,
      `flag set ${set} replaced (1 flag changed) by dave: import (${set} v6)`,
      `flag set ${set} reverted (1 flag changed) by erin (${set} v7)`,
    ]);
    // Whole-set changes name the flags that changed instead of carrying whole documents.
    expect(all.bodies()[4]).toMatchObject({ flagsChanged: ['new-search'] });
    expect(all.bodies()[5]).toMatchObject({ flagsChanged: ['beta'] });
    expect(all.bodies()[4]).not.toHaveProperty('after');
    // Each set is delivered in its own order; between sets there is none.
    expect(
      kills
        .bodies()
        .map((b) => `${b.flagSet} ${b.event}`)
        .sort(),
    ).toEqual([`${set} flag.killed`, `${other} flag.killed`].sort());
    const stats = await t.call('GET', `/api/v1/webhooks/${webhook.id}`, { token: t.tokens.admin });
    expect(stats.body).toMatchObject({ stats: { delivered: 6, failed: 0, attempts: 6 } });
  });

  it('delivers each change once, in version order; a subscription gets the changes after it, not before', async () => {
    const set = await newSet();
    await t.store.patchFlag(set, 'new-search', { defaultVariant: 'on' }, { actor: 'before' });
    const r = await receiver();
    const { webhook } = await subscribe({ url: r.url, flagSets: [set] });
    for (let i = 0; i < 20; i++)
      await t.store.patchFlag(
        set,
        'new-search',
        { defaultVariant: i % 2 ? 'on' : 'off' },
        { actor: `w${i}` },
      );
    await until(() => r.received.length >= 20, 'twenty deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.bodies().map((b) => b.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    expect(new Set(r.received.map((x) => x.headers['x-ensign-delivery'])).size).toBe(20);
    const deliveries = await t.call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`, {
      token: t.tokens.admin,
    });
    const recent = (deliveries.body as { deliveries: { version: number; status: string }[] }).deliveries;
    expect(recent[0]).toMatchObject({ version: 22, status: 'delivered', attempts: 1, responseStatus: 200 });
  });

  it('a subscription created while changes stream in gets every change after it, none twice, none skipped', async () => {
    const set = await newSet();
    const early = await receiver();
    const late = await receiver();
    await subscribe({ url: early.url, flagSets: [set] });
    let created = 0;
    const writes = (async () => {
      for (let i = 0; i < 40; i++) {
        await t.store.patchFlag(
          set,
          'new-search',
          { defaultVariant: i % 2 ? 'on' : 'off' },
          { actor: `w${i}` },
        );
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await until(() => early.received.length >= 10, 'the stream to be flowing');
    await subscribe({ url: late.url, flagSets: [set] });
    created = await t.store.version(set);
    await writes;
    await until(() => early.received.length === 40 && versionsOf(late).at(-1) === 41, 'every delivery');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(versionsOf(early)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    // The late subscription starts somewhere, then misses nothing up to the end.
    const got = versionsOf(late);
    expect(got).toEqual(Array.from({ length: 42 - got[0]! }, (_, i) => i + got[0]!));
    expect(got[0]).toBeLessThanOrEqual(created + 1);
  });

  it('never makes a write wait for a slow receiver: the write returns, the delivery comes later', async () => {
    const set = await newSet();
    const r = await receiver();
    r.answer = () => ({ status: 200, delayMs: 1_500 });
    await subscribe({ url: r.url, flagSets: [set] });
    const started = performance.now();
    const kill = await t.call('POST', `/api/v1/flag-sets/${set}/flags/bookings-enabled/kill`, {
      token: alice,
      headers: { 'if-match': '*' },
      body: { reason: 'INC-7' },
    });
    const returned = performance.now();
    expect(kill.status).toBe(200);
    // While the receiver still sits on the first delivery, more writes go through at once.
    await until(() => r.received.length === 1, 'the delivery to arrive');
    const second = performance.now();
    await t.store.patchFlag(set, 'new-search', { state: 'DISABLED' }, { actor: 'x' });
    const secondReturned = performance.now();
    expect(returned - started).toBeLessThan(1_000);
    expect(secondReturned - second).toBeLessThan(500);
    // The write was answered long before the receiver answered its delivery.
    expect(returned).toBeLessThan(r.received[0]!.at + 1_000);
    await until(() => r.received.length === 2, 'the second delivery', 10_000);
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThan(1_000);
  });

  it('retries a receiver that is down until it is up, with the same delivery id and signature', async () => {
    const set = await newSet();
    const r = await receiver(true);
    const { webhook } = await subscribe({ url: r.url, flagSets: [set] });
    await t.store.patchFlag(set, 'bookings-enabled', { state: 'DISABLED' }, { actor: 'oncall' });
    await new Promise((resolve) => setTimeout(resolve, 120)); // the first attempts are refused
    await r.listen();
    await until(() => r.received.length === 1, 'the delivery once the receiver is up');
    expect(Number(r.received[0]!.headers['x-ensign-attempt'])).toBeGreaterThan(1);
    const deliveries = await t.call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`, {
      token: t.tokens.admin,
    });
    const [last] = (deliveries.body as { deliveries: { attempts: number; status: string }[] }).deliveries;
    expect(last!.status).toBe('delivered');
    expect(last!.attempts).toBeGreaterThan(1);
    const failures = await t.call('GET', `/api/v1/webhooks/${webhook.id}/failures`, {
      token: t.tokens.admin,
    });
    expect(failures.body).toEqual({ failures: [] });
  });

  it('lists what could not be delivered, moves on, and redelivers or dismisses it on request', async () => {
    const set = await newSet();
    const r = await receiver();
    r.answer = () => ({ status: 503, body: 'maintenance window\n', headers: { 'retry-after': '0' } });
    const { webhook, secret } = await subscribe({ url: r.url, flagSets: [set] });
    await t.store.patchFlag(
      set,
      'bookings-enabled',
      { state: 'DISABLED' },
      { actor: 'oncall', reason: 'INC-9' },
    );
    const failuresOf = async () =>
      (
        (await t.call('GET', `/api/v1/webhooks/${webhook.id}/failures`, { token: t.tokens.admin })).body as {
          failures: Record<string, unknown>[];
        }
      ).failures;
    await until(async () => (await failuresOf()).length === 1, 'the first failure');
    expect(r.received).toHaveLength(FAST.maxAttempts);
    expect(r.received.map((x) => x.headers['x-ensign-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(new Set(r.received.map((x) => x.headers['x-ensign-delivery']))).toEqual(
      new Set([`${set}:2:${webhook.id}`]),
    );
    const [first] = await failuresOf();
    expect(first).toEqual({
      deliveryId: `${set}:2:${webhook.id}`,
      event: 'flag.killed',
      flagSet: set,
      version: 2,
      flagKey: 'bookings-enabled',
      attempts: 4,
      firstAttemptAt: expect.any(String),
      lastAttemptAt: expect.any(String),
      lastError: 'HTTP 503: maintenance window',
      responseStatus: 503,
      redeliverable: true,
    });
    // The cursor moved on: the next change is tried (once, while the receiver keeps failing).
    await t.store.patchFlag(set, 'bookings-enabled', { state: 'ENABLED' }, { actor: 'oncall' });
    await until(async () => (await failuresOf()).length === 2, 'the second failure');
    expect((await failuresOf())[1]).toMatchObject({ version: 3, attempts: 1, event: 'flag.restored' });
    expect(
      (await t.call('GET', `/api/v1/webhooks/${webhook.id}`, { token: t.tokens.admin })).body,
    ).toMatchObject({
      stats: { delivered: 0, failed: 2, attempts: 5 },
      pendingFailures: 2,
    });

    // The receiver is fixed: redeliver the first as it was, dismiss the second.
    r.answer = () => ({ status: 204 });
    const before = r.received.length;
    const redelivered = await t.call(
      'POST',
      `/api/v1/webhooks/${webhook.id}/failures/${set}:2:${webhook.id}/redeliver`,
      {
        token: t.tokens.admin,
      },
    );
    expect(redelivered).toMatchObject({
      status: 200,
      body: { delivered: true, attempts: 1, responseStatus: 204 },
    });
    const again = r.received[before]!;
    expect(again.raw).toBe(r.received[0]!.raw);
    expect(again.headers['x-ensign-delivery']).toBe(`${set}:2:${webhook.id}`);
    expect(verifyWebhookSignature(secret, again.raw, again.headers['x-ensign-signature-256'])).toBe(true);
    expect((await failuresOf()).map((f) => f.version)).toEqual([3]);
    const dismissed = await t.call(
      'DELETE',
      `/api/v1/webhooks/${webhook.id}/failures/${set}:3:${webhook.id}`,
      {
        token: t.tokens.admin,
      },
    );
    expect(dismissed.status).toBe(204);
    expect(await failuresOf()).toEqual([]);
    const missing = await t.call(
      'POST',
      `/api/v1/webhooks/${webhook.id}/failures/${set}:3:${webhook.id}/redeliver`,
      {
        token: t.tokens.admin,
      },
    );
    expect(missing.status).toBe(404);
    const deliveries = await t.call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`, {
      token: t.tokens.admin,
    });
    expect((deliveries.body as { deliveries: unknown[] }).deliveries[0]).toMatchObject({
      version: 2,
      status: 'delivered',
      redelivered: true,
    });
  });

  it('does not retry an answer that repeating cannot fix (404 from a deleted hook, a redirect)', async () => {
    const set = await newSet();
    const r = await receiver();
    r.answer = (_, i) =>
      i === 0
        ? { status: 404, body: 'no_service' }
        : { status: 302, headers: { location: 'http://127.0.0.1:1/' } };
    const { webhook } = await subscribe({ url: r.url, flagSets: [set] });
    await t.store.patchFlag(set, 'new-search', { defaultVariant: 'on' }, { actor: 'a' });
    await t.store.patchFlag(set, 'new-search', { defaultVariant: 'off' }, { actor: 'a' });
    await until(async () => {
      const answer = await t.call('GET', `/api/v1/webhooks/${webhook.id}/failures`, {
        token: t.tokens.admin,
      });
      return (answer.body as { failures: unknown[] }).failures.length === 2;
    }, 'two failures');
    expect(r.received).toHaveLength(2);
    const answer = await t.call('GET', `/api/v1/webhooks/${webhook.id}/failures`, { token: t.tokens.admin });
    expect((answer.body as { failures: { lastError: string; attempts: number }[] }).failures).toMatchObject([
      { attempts: 1, lastError: 'HTTP 404: no_service' },
      { attempts: 1, lastError: 'HTTP 302' },
    ]);
  });

  it('stops delivering to a deleted subscription, and forgets its secret and failures', async () => {
    const set = await newSet();
    const r = await receiver();
    const { webhook } = await subscribe({ url: r.url, flagSets: [set] });
    await t.store.patchFlag(set, 'new-search', { defaultVariant: 'on' }, { actor: 'a' });
    await until(() => r.received.length === 1, 'a delivery before the deletion');
    const deleted = await t.call('DELETE', `/api/v1/webhooks/${webhook.id}`, { token: t.tokens.admin });
    expect(deleted.status).toBe(204);
    await t.store.patchFlag(set, 'new-search', { defaultVariant: 'off' }, { actor: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(r.received).toHaveLength(1);
    expect((await t.call('GET', `/api/v1/webhooks/${webhook.id}`, { token: t.tokens.admin })).status).toBe(
      404,
    );
    expect((await t.call('DELETE', `/api/v1/webhooks/${webhook.id}`, { token: t.tokens.admin })).status).toBe(
      404,
    );
    expect(await t.server.context.state.get('webhook-secrets', webhook.id)).toBeUndefined();
    const cursor = await t.server.context.state.get<{ subscribers: Record<string, number> }>(
      'webhook-cursors',
      set,
    );
    expect(Object.keys(cursor?.value.subscribers ?? {})).not.toContain(webhook.id);
  });
});
