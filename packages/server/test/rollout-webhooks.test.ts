/**
 * Guarded-rollout pauses as webhook events, over a real server and real receivers: the controller
 * runs in the server on the memory store, a person edits the flag during the rollout, the plan
 * pauses, and the subscription to `rollout.paused` gets exactly one signed delivery (escaped for
 * Slack, listed among its deliveries, never sent twice) while a subscription that does not want it
 * gets nothing; and a pause still in flight when the server closes is kept among the failures.
 */
import { createHmac } from 'node:crypto';
import type { RolloutNotification } from '@ensign/rollouts';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryServerState, ROLLOUT_PAUSED_EVENT, verifyWebhookSignature } from '../src/index.js';
import { deliverRolloutPause, pauseText } from '../src/rollouts/deliver-pause.js';
import { WEBHOOK_SENT, failuresOf } from '../src/webhooks/records.js';
import { type TestServer, startServer } from './support/server.js';
import { WebhookReceiver, until } from './support/webhook-receiver.js';

const SET = 'app';
const flagSets = {
  [SET]: {
    flags: {
      f: {
        state: 'ENABLED' as const,
        variants: { a: 1, b: 2 },
        defaultVariant: 'b',
        targeting: {
          fractional: [
            ['a', 0],
            ['b', 1],
          ],
        },
      },
    },
  },
};
const retry = { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20, timeoutMs: 5_000 };

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  cleanup.push(() => r.stop());
  return r;
}

/** A server whose controller ticks every 50 ms, with fast webhook retries. */
async function server(options: { state?: MemoryServerState } = {}): Promise<TestServer> {
  const s = await startServer(flagSets, {
    flagSets: [SET],
    rollouts: { controller: true, intervalMs: 50, leaseTtlMs: 2_000 },
    webhooks: { ...retry, pollIntervalMs: 100, leaseTtlMs: 1_000 },
    ...(options.state && { state: options.state }),
  });
  cleanup.push(() => s.close());
  return s;
}

async function subscribe(s: TestServer, url: string, events: string[]) {
  const created = await s.call('POST', '/api/v1/webhooks', {
    token: s.tokens.admin,
    body: { url, flagSets: [SET], events },
  });
  expect(created.status).toBe(201);
  return created.body as { secret: string; webhook: { id: string } };
}

/** Starts a plan on `f`, waits for its first stage (10%), then edits the flag as a person. */
async function pauseByEdit(s: TestServer, reason: string): Promise<void> {
  const started = await s.call('POST', `/api/v1/flag-sets/${SET}/rollouts`, {
    token: s.tokens.admin,
    body: {
      flagKey: 'f',
      release: 'a',
      replace: 'b',
      stages: [{ percent: 10, minDuration: '1h' }, { percent: 100 }],
      guardrails: [],
    },
  });
  expect(started.status).toBe(201);
  await until(async () => (await s.store.version(SET)) > 1, 'the first stage');
  const edited = await s.call(
    'PATCH',
    `/api/v1/flag-sets/${SET}/flags/f?reason=${encodeURIComponent(reason)}`,
    {
      token: s.tokens.admin,
      body: { variants: { a: 1, b: 3 } },
      headers: { 'if-match': '*' },
    },
  );
  expect(edited.status).toBe(200);
}

describe('rollout.paused webhooks', () => {
  it('say in one Slack line which plan paused, where, and why', () => {
    const event: RolloutNotification = {
      type: 'paused',
      flagSet: 'fitness',
      plan: 'checkout-v2',
      flagKey: 'new-checkout',
      stage: 1,
      percent: 25,
      reason: 'sample-ratio mismatch (p < 0.001) & <!here>',
      at: 0,
    };
    expect(pauseText(event)).toBe(
      'rollout checkout-v2 (flag new-checkout) of fitness paused at 25%: sample-ratio mismatch (p &lt; 0.001) &amp; &lt;!here&gt;',
    );
    expect(pauseText({ ...event, plan: 'new-checkout', reason: 'no data' })).toBe(
      'rollout new-checkout of fitness paused at 25%: no data',
    );
  });

  it('deliver a pause once, signed, to the subscriptions that want it, escaped for Slack', async () => {
    const wanted = await receiver();
    const everything = await receiver();
    const other = await receiver();
    const s = await server();
    const { secret, webhook } = await subscribe(s, wanted.url, [ROLLOUT_PAUSED_EVENT]);
    await subscribe(s, everything.url, ['*']);
    await subscribe(s, other.url, ['flag.killed', 'lifecycle.report']);

    await pauseByEdit(s, 'hotfix <!channel>');
    await until(
      () => wanted.received.length > 0 && everything.bodies(ROLLOUT_PAUSED_EVENT).length > 0,
      'the pause',
    );
    const plan = await s.call('GET', `/api/v1/flag-sets/${SET}/rollouts/f`, { token: s.tokens.viewer });
    expect((plan.body as { rollout: { status: string } }).rollout.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 400)); // several more ticks: nothing more is sent

    expect(wanted.received).toHaveLength(1);
    expect(everything.bodies(ROLLOUT_PAUSED_EVENT)).toHaveLength(1);
    expect(other.received).toHaveLength(0);
    const [delivery] = wanted.received;
    const signature = delivery!.headers['x-ensign-signature-256'];
    expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(delivery!.raw).digest('hex')}`);
    expect(verifyWebhookSignature(secret, delivery!.raw, signature)).toBe(true);
    expect(delivery!.headers['x-ensign-event']).toBe('rollout.paused');
    const body = delivery!.body;
    expect(delivery!.headers['x-ensign-delivery']).toBe(body.id);
    expect(body).toEqual({
      id: `${SET}:rollout-f-paused-${String(body.at)}:${webhook.id}`,
      event: 'rollout.paused',
      webhookId: webhook.id,
      flagSet: SET,
      flagKey: 'f',
      plan: 'f',
      stage: 0,
      percent: 10,
      reason: expect.stringMatching(
        /^flag "f" was changed by test-admin .*\(hotfix <!channel>\); the rollout is paused/,
      ),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      text: expect.stringMatching(/^rollout f of app paused at 10%: flag "f" was changed by test-admin/),
    });
    expect(String(body.text)).toContain('(hotfix &lt;!channel&gt;)');
    expect(String(body.text)).not.toContain('<!channel>');

    const deliveries = await s.call('GET', `/api/v1/webhooks/${webhook.id}/deliveries`, {
      token: s.tokens.admin,
    });
    expect((deliveries.body as { deliveries: unknown[] }).deliveries).toEqual([
      expect.objectContaining({
        deliveryId: body.id,
        event: 'rollout.paused',
        flagKey: 'f',
        status: 'delivered',
      }),
    ]);

    // Another instance announcing the same pause sends nothing: the delivery is marked sent.
    const state = s.server.context.state;
    expect(await state.get(WEBHOOK_SENT, String(body.id))).toBeDefined();
    const again: RolloutNotification = {
      type: 'paused',
      flagSet: SET,
      plan: 'f',
      flagKey: 'f',
      stage: 0,
      percent: 10,
      reason: String(body.reason),
      at: Date.parse(String(body.at)),
    };
    const never = new AbortController().signal;
    const resent = await deliverRolloutPause(
      {
        state,
        store: s.store,
        policy: retry,
        deliveryHistory: 10,
        signals: { stopping: never, abort: never },
      },
      again,
    );
    expect(resent.filter((d) => d.webhookId === webhook.id)).toEqual([]);
    expect(wanted.received).toHaveLength(1);
  });

  it('keep a pause still in flight when the server closes among the failures, redeliverable', async () => {
    const hanging = await receiver();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanup.push(async () => release());
    hanging.answer = () => ({ until: held });
    const state = new MemoryServerState();
    cleanup.push(() => state.close());
    const s = await server({ state });
    const { webhook } = await subscribe(s, hanging.url, [ROLLOUT_PAUSED_EVENT]);
    await pauseByEdit(s, 'hotfix');
    await until(() => hanging.received.length > 0, 'the pause reaching the receiver');

    const closing = Date.now();
    await s.close(); // lets the attempt run for its grace, then cancels it
    expect(Date.now() - closing).toBeLessThan(5_000);
    const failures = [
      ...(
        await state.list<{ deliveryId: string; event: string; lastError: string; body: string }>(
          failuresOf(webhook.id),
        )
      ).values(),
    ];
    expect(failures.map((f) => f.value)).toEqual([
      expect.objectContaining({
        deliveryId: expect.stringMatching(new RegExp(`^${SET}:rollout-f-paused-.*:${webhook.id}$`)),
        event: 'rollout.paused',
        lastError: 'the server closed before delivery',
      }),
    ]);
    expect(JSON.parse(failures[0]!.value.body)).toMatchObject({ event: 'rollout.paused', plan: 'f' });
  });
});
