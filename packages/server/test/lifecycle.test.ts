/**
 * The lifecycle routes over HTTP, on a real server, store and state, with real evaluations
 * counted by `MetricsAggregator` into the server's state: the report, archive and unarchive
 * (preconditions, scope, an archived flag evaluating as missing over OFREP), the code-scan
 * upload, the OpenFeature CLI manifest, the report sent to webhooks now, and the weekly job
 * on a simulated clock with two instances sharing one state.
 */
import type { FlagSetDocument } from '@ensign/core';
import { MetricsAggregator } from '@ensign/hooks';
import { DAY_MS, type LifecycleReport, resolvePolicy } from '@ensign/lifecycle';
import { StoreProvider } from '@ensign/store';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WEEKLY_REPORT_DEFAULTS,
  WeeklyReporter,
  verifyWebhookSignature,
  weeklySlotOf,
} from '../src/index.js';
import { type TestServer, quiet, startServer } from './support/server.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const SET = 'shop';
const OTHER = 'other';
const enc = encodeURIComponent;
const FAST = {
  initialBackoffMs: 10,
  maxBackoffMs: 20,
  maxAttempts: 2,
  pollIntervalMs: 50,
  leaseTtlMs: 1_000,
};

function shop(): FlagSetDocument {
  return {
    flags: {
      'new-checkout': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: {
          fractional: [
            ['on', 50],
            ['off', 50],
          ],
        },
        metadata: { kind: 'release', owner: 'payments', description: 'the new checkout' },
      },
      'old-banner': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { kind: 'release', owner: 'web' },
      },
      'bookings-enabled': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { kind: 'ops', offVariant: 'off' },
      },
      'max-items': { state: 'ENABLED', variants: { few: 5, many: 50 }, defaultVariant: 'many' },
    },
  };
}

let t: TestServer;
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  t = await startServer({ [SET]: shop(), [OTHER]: shop() }, { webhooks: FAST, flagSets: [SET, OTHER] });
});
afterAll(async () => {
  await t?.close();
  await Promise.all(receivers.map((r) => r.stop()));
  await OpenFeature.close();
});

const admin = (extra: Record<string, unknown> = {}) => ({ token: t.tokens.admin, ...extra });
async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

describe('GET /api/v1/flag-sets/{set}/lifecycle', () => {
  it('reports statuses from real evaluations counted into the server state, and unknown keys', async () => {
    const metrics = new MetricsAggregator({ sink: t.server.context.state, autoFlush: false, logger: quiet });
    await OpenFeature.setProviderAndWait(
      'lifecycle-routes',
      new StoreProvider({ store: t.store, flagSet: SET, logger: quiet }),
    );
    const client = OpenFeature.getClient('lifecycle-routes').addHooks(metrics);
    for (let i = 0; i < 20; i++)
      await client.getBooleanValue('new-checkout', false, { targetingKey: `u${i}` });
    await client.getBooleanValue('new-chekout', false, { targetingKey: 'u1' });
    await metrics.close();

    const answer = await t.call('GET', `/api/v1/flag-sets/${SET}/lifecycle`, { token: t.tokens.viewer });
    expect(answer.status).toBe(200);
    const report = answer.body as LifecycleReport;
    expect(report.flagSet).toBe(SET);
    expect(report.usageSince).toBeDefined();
    const checkout = report.flags.find((f) => f.flagKey === 'new-checkout')!;
    expect(checkout).toMatchObject({
      status: 'new',
      stage: 'live',
      owner: 'payments',
      recentVariants: ['off', 'on'],
    });
    expect(checkout.lastEvaluatedAt).toBeDefined();
    expect(report.flags.find((f) => f.flagKey === 'bookings-enabled')?.stage).toBe('permanent');
    expect(report.unknownFlags.map((u) => u.flagKey)).toEqual(['new-chekout']);
    expect(report.summary.flags).toBe(4);
    expect((await t.call('GET', '/api/v1/flag-sets/nope/lifecycle', admin())).status).toBe(404);
    expect((await t.call('GET', `/api/v1/flag-sets/${SET}/lifecycle`)).status).toBe(401);
  });
});

describe('archive and unarchive', () => {
  it('needs If-Match, then removes the flag (OFREP: FLAG_NOT_FOUND), keeps it restorable, and restores it exactly', async () => {
    const path = `/api/v1/flag-sets/${SET}/flags/old-banner`;
    const etag = (await t.call('GET', path, admin())).headers.get('etag')!;
    expect((await t.call('POST', `${path}/archive`, admin({ body: {} }))).status).toBe(428);
    const stale = await t.call(
      'POST',
      `${path}/archive`,
      admin({ body: {}, headers: { 'if-match': '"nope"' } }),
    );
    expect(stale.status).toBe(412);
    const archived = await t.call(
      'POST',
      `${path}/archive`,
      admin({ body: { reason: 'launched long ago' }, headers: { 'if-match': etag } }),
    );
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({
      changed: true,
      archived: { etag, reason: 'launched long ago', archivedBy: expect.stringContaining('test-admin') },
    });
    expect((await t.call('GET', path, admin())).status).toBe(404);
    const evaluated = await t.call('POST', '/ofrep/v1/evaluate/flags/old-banner', {
      token: t.tokens.server,
      body: { context: {} },
    });
    expect(evaluated.status).toBe(404);
    expect(evaluated.body).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    const list = await t.call('GET', `/api/v1/flag-sets/${SET}/archive`, { token: t.tokens.viewer });
    expect((list.body as { flags: { flagKey: string }[] }).flags.map((f) => f.flagKey)).toEqual([
      'old-banner',
    ]);
    const report = (await t.call('GET', `/api/v1/flag-sets/${SET}/lifecycle`, admin()))
      .body as LifecycleReport;
    expect(report.archived.map((a) => a.flagKey)).toEqual(['old-banner']);
    expect(report.unknownFlags.map((u) => u.flagKey)).not.toContain('old-banner');

    expect((await t.call('POST', `${path}/unarchive`, admin({ body: {} }))).status).toBe(428);
    const restored = await t.call(
      'POST',
      `${path}/unarchive`,
      admin({ body: {}, headers: { 'if-none-match': '*' } }),
    );
    expect(restored.status).toBe(200);
    expect(restored.headers.get('etag')).toBe(etag);
    expect((await t.call('GET', path, admin())).headers.get('etag')).toBe(etag);
    const again = await t.call(
      'POST',
      `${path}/unarchive`,
      admin({ body: {}, headers: { 'if-none-match': '*' } }),
    );
    expect(again).toMatchObject({ status: 404, body: { type: 'https://ensign.dev/problems/not-archived' } });
    const history = await t.call('GET', `${path}/history?limit=2`, admin());
    expect(
      (history.body as { entries: { operation: string; reason: string }[] }).entries.map((e) => [
        e.operation,
        e.reason,
      ]),
    ).toEqual([
      ['put', 'unarchived'],
      ['delete', 'archived: launched long ago'],
    ]);
  });

  it('refuses unarchiving a key the set holds again (409), and an editor outside its sets (403)', async () => {
    const path = `/api/v1/flag-sets/${SET}/flags/max-items`;
    await t.call('POST', `${path}/archive`, admin({ body: {}, headers: { 'if-match': '*' } }));
    await t.store.putFlag(SET, 'max-items', { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' });
    const refused = await t.call(
      'POST',
      `${path}/unarchive`,
      admin({ body: {}, headers: { 'if-none-match': '*' } }),
    );
    expect(refused).toMatchObject({
      status: 409,
      body: { type: 'https://ensign.dev/problems/flag-exists', flagKey: 'max-items' },
    });
    const editor = await t.call('POST', `/api/v1/flag-sets/${OTHER}/flags/max-items/archive`, {
      token: t.tokens.editor,
      body: {},
      headers: { 'if-match': '*' },
    });
    expect(editor.status).toBe(403);
  });
});

describe('code scans, manifest and sending the report', () => {
  it('keeps an uploaded code scan, which the report uses for its stages', async () => {
    const path = `/api/v1/flag-sets/${OTHER}/lifecycle/code-references`;
    expect((await t.call('GET', path, admin())).status).toBe(404);
    const kept = await t.call(
      'PUT',
      path,
      admin({
        body: { source: 'acme/shop', revision: 'abc123', flags: { 'new-checkout': 3, 'old-banner': 0 } },
      }),
    );
    expect(kept.status).toBe(200);
    expect((await t.call('GET', path, admin())).body).toMatchObject({
      source: 'acme/shop',
      flags: { 'old-banner': 0 },
    });
    const report = (await t.call('GET', `/api/v1/flag-sets/${OTHER}/lifecycle`, admin()))
      .body as LifecycleReport;
    expect(report.codeScan).toMatchObject({ source: 'acme/shop', revision: 'abc123' });
    expect(report.flags.find((f) => f.flagKey === 'old-banner')?.codeReferences).toBe(0);
    expect((await t.call('PUT', path, admin({ body: { flags: { x: -1 } } }))).status).toBe(400);
  });

  it('serves the OpenFeature CLI manifest, read-only', async () => {
    const answer = await t.call('GET', `/api/v1/flag-sets/${OTHER}/openfeature/v0/manifest`, {
      token: t.tokens.viewer,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-manifest-capabilities')).toBe('read');
    expect((answer.body as { flags: unknown[] }).flags).toContainEqual({
      key: 'new-checkout',
      type: 'boolean',
      description: 'the new checkout',
      defaultValue: false,
    });
    expect(
      (answer.body as { flags: { key: string; type: string }[] }).flags.find((f) => f.key === 'max-items')
        ?.type,
    ).toBe('integer');
  });

  it('sends the report, signed and Slack-ready, to the webhooks that asked for it and to no other', async () => {
    const wanted = await receiver();
    const other = await receiver();
    const created = await t.call(
      'POST',
      '/api/v1/webhooks',
      admin({ body: { url: wanted.url, flagSets: [OTHER], events: ['lifecycle.report'] } }),
    );
    await t.call(
      'POST',
      '/api/v1/webhooks',
      admin({ body: { url: other.url, flagSets: [OTHER], events: ['flag.killed'] } }),
    );
    const { secret, webhook } = created.body as { secret: string; webhook: { id: string } };
    const sent = await t.call('POST', `/api/v1/flag-sets/${OTHER}/lifecycle/notify`, admin({ body: {} }));
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      flagSet: OTHER,
      deliveries: [{ webhookId: webhook.id, delivered: true, attempts: 1 }],
    });
    expect(wanted.received).toHaveLength(1);
    expect(other.received).toHaveLength(0);
    const [delivery] = wanted.received;
    expect(verifyWebhookSignature(secret, delivery!.raw, delivery!.headers['x-ensign-signature-256'])).toBe(
      true,
    );
    expect(delivery!.headers['x-ensign-event']).toBe('lifecycle.report');
    expect(delivery!.body).toMatchObject({
      event: 'lifecycle.report',
      flagSet: OTHER,
      webhookId: webhook.id,
    });
    expect(String(delivery!.body.text)).toMatch(/^\*Flag lifecycle: other\*/);
    const deliveries = await t.call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`, admin());
    expect(JSON.stringify(deliveries.body)).toContain('lifecycle.report');
  });
});

describe('the weekly report', () => {
  it('goes out once per weekly slot from the instance holding the lease, never for a slot before the set was seen', async () => {
    const hook = await receiver();
    const set = 'weekly';
    await t.store.replaceFlagSet(set, shop(), { actor: 'seed' });
    await t.call(
      'POST',
      '/api/v1/webhooks',
      admin({ body: { url: hook.url, flagSets: [set], events: ['*'] } }),
    );
    // Tuesday 2026-06-02 10:00 UTC: the newest slot is Monday 2026-06-01 09:00.
    let now = Date.UTC(2026, 5, 2, 10);
    expect(weeklySlotOf(now, 1, 9)).toBe(Date.UTC(2026, 5, 1, 9));
    expect(weeklySlotOf(Date.UTC(2026, 5, 1, 8), 1, 9)).toBe(Date.UTC(2026, 4, 25, 9));
    const reporter = (instanceId: string) =>
      new WeeklyReporter(
        {
          state: t.server.context.state,
          store: t.store,
          logger: quiet,
          instanceId,
          policy: resolvePolicy(),
          historyLimit: 100,
          retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20, timeoutMs: 5_000 },
          deliveryHistory: 10,
        },
        { ...WEEKLY_REPORT_DEFAULTS, now: () => now },
      );
    const a = reporter('instance-a');
    const b = reporter('instance-b');
    expect(await a.runOnce()).toEqual([]); // first sight: the baseline
    expect(hook.bodies('lifecycle.report')).toHaveLength(0);
    now += 7 * DAY_MS;
    expect(await b.runOnce()).toEqual([]); // a holds the lease
    expect((await a.runOnce()).includes(set)).toBe(true);
    expect(await a.runOnce()).toEqual([]); // same slot: nothing more
    await a.stop(); // releases the lease; b takes over without repeating the week
    expect(await b.runOnce()).toEqual([]);
    now += 7 * DAY_MS;
    expect((await b.runOnce()).includes(set)).toBe(true);
    await b.stop();
    const bodies = hook.bodies('lifecycle.report').filter((body) => body.flagSet === set);
    expect(bodies.map((body) => body.id)).toEqual([
      `${set}:lifecycle-2026-06-08T09:00:00.000Z:${bodies[0]!.webhookId}`,
      `${set}:lifecycle-2026-06-15T09:00:00.000Z:${bodies[0]!.webhookId}`,
    ]);
    expect((bodies[0]!.report as LifecycleReport).summary.flags).toBe(4);
  });
});
