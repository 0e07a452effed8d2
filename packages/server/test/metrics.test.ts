/**
 * The server's health and metrics against a real server: `/healthz` and `/readyz` without a
 * token and without revealing anything; `/metrics` behind a token with the `read` permission
 * (or on a port of its own), scraped, parsed and held to the format by the real
 * `promtool check metrics`; what it counts: requests by route and status, OFREP evaluations,
 * event streams open, webhook deliveries, token rejections, and the flag sets it follows.
 */
import type { FlagSetDocument } from '@ensign/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ofrepFlags } from './ofrep/flags.js';
import { SseReader } from './ofrep/sse-reader.js';
import { parseExposition, promtoolCheckMetrics, sampleSum } from './support/prometheus-text.js';
import { type TestServer, startServer } from './support/server.js';
import { WebhookReceiver, until } from './support/webhook-receiver.js';

const SET = 'shop';
const FAST_WEBHOOKS = {
  pollIntervalMs: 50,
  leaseTtlMs: 1_000,
  initialBackoffMs: 20,
  maxBackoffMs: 50,
  maxAttempts: 2,
  timeoutMs: 2_000,
};

const withKillSwitch = (): FlagSetDocument => {
  const document = ofrepFlags();
  document.flags['payments-enabled'] = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'on',
    metadata: { kind: 'ops', offVariant: 'off' },
  };
  return document;
};

let t: TestServer;
const receivers: WebhookReceiver[] = [];

async function scrape(token = t.tokens.viewer) {
  const answer = await t.call('GET', '/metrics', { token });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { text: answer.body as string, samples: parseExposition(answer.body as string) };
}

beforeAll(async () => {
  t = await startServer({ [SET]: withKillSwitch() }, { webhooks: FAST_WEBHOOKS, flagSets: [SET] });
});
afterAll(async () => {
  await t?.close();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('health', () => {
  it('answers /healthz and /readyz without a token and without naming anything', async () => {
    const live = await t.call('GET', '/healthz');
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    // The set named at start is opened by the first probe; ready once it is loaded.
    await until(async () => (await t.call('GET', '/readyz')).status === 200, 'ready');
    const ready = await t.call('GET', '/readyz');
    expect(ready.body).toEqual({ status: 'ready' });
    expect(JSON.stringify(ready.body)).not.toContain(SET);
  });
});

describe('/metrics', () => {
  it('is refused without a token and to evaluation tokens, served to viewers', async () => {
    expect((await t.call('GET', '/metrics')).status).toBe(401);
    expect((await t.call('GET', '/metrics', { token: t.tokens.server })).status).toBe(403);
    expect((await t.call('GET', '/metrics', { token: t.tokens.client })).status).toBe(403);
    await scrape(t.tokens.viewer);
    await scrape(t.tokens.admin);
  });

  it('passes promtool check metrics and counts requests, OFREP evaluations, streams and rejections', async () => {
    const context = { context: { targetingKey: 'u1', tier: 'pro' } };
    const server = t.tokens.server;
    for (let i = 0; i < 3; i++)
      expect(
        (await t.call('POST', '/ofrep/v1/evaluate/flags/checkout-layout', { token: server, body: context }))
          .status,
      ).toBe(200);
    expect(
      (await t.call('POST', '/ofrep/v1/evaluate/flags/no-such-flag', { token: server, body: context }))
        .status,
    ).toBe(404);
    const bulk = await t.call('POST', '/ofrep/v1/evaluate/flags', { token: server, body: context });
    expect(bulk.status).toBe(200);
    const flagsAnswered = (bulk.body as { flags: unknown[] }).flags.length;
    expect((await t.call('GET', '/api/v1/flag-sets', { token: 'ens_viewer_bogus' })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/flag-sets')).status).toBe(401);

    const stream = await SseReader.open(`${t.url}/ofrep/v1/events?token=${encodeURIComponent(server)}`);
    let { text, samples } = await scrape();
    expect(await promtoolCheckMetrics(text)).toBe('');
    expect(sampleSum(samples, 'ensign_ofrep_event_streams', { feature_flag_set_id: SET })).toBe(1);
    stream.close();
    await until(async () => {
      ({ text, samples } = await scrape());
      return sampleSum(samples, 'ensign_ofrep_event_streams', { feature_flag_set_id: SET }) === 0;
    }, 'the stream to be counted as closed');
    expect(sampleSum(samples, 'ensign_ofrep_event_streams_opened_total', { feature_flag_set_id: SET })).toBe(
      1,
    );

    const single = {
      http_request_method: 'POST',
      http_route: '/ofrep/v1/evaluate/flags/:key',
    };
    expect(
      sampleSum(samples, 'http_server_request_duration_seconds_count', {
        ...single,
        http_response_status_code: '200',
      }),
    ).toBe(3);
    expect(
      sampleSum(samples, 'http_server_request_duration_seconds_count', {
        ...single,
        http_response_status_code: '404',
      }),
    ).toBe(1);
    expect(
      sampleSum(samples, 'feature_flag_evaluations_total', {
        feature_flag_set_id: SET,
        feature_flag_key: 'checkout-layout',
        feature_flag_result_variant: 'grid',
        feature_flag_result_reason: 'targeting_match',
        feature_flag_provider_name: 'ensign-ofrep',
      }),
    ).toBe(3);
    expect(
      sampleSum(samples, 'feature_flag_evaluations_total', {
        feature_flag_key: 'no-such-flag',
        error_type: 'flag_not_found',
      }),
    ).toBe(1);
    expect(sampleSum(samples, 'ensign_ofrep_bulk_flags_total', { feature_flag_set_id: SET })).toBe(
      flagsAnswered,
    );
    expect(sampleSum(samples, 'ensign_auth_rejections_total', { ensign_auth_reason: 'invalid_token' })).toBe(
      1,
    );
    // Two /metrics calls without a token or with an evaluation token came before, and this one.
    expect(sampleSum(samples, 'ensign_auth_rejections_total', { ensign_auth_reason: 'missing_token' })).toBe(
      2,
    );
    expect(sampleSum(samples, 'ensign_auth_rejections_total', { ensign_auth_reason: 'forbidden' })).toBe(2);
    // A route template, never a raw path: unknown paths share one series.
    await t.call('GET', '/no/such/path/12345');
    ({ samples } = await scrape());
    expect(samples.some((s) => s.labels.http_route?.includes('12345'))).toBe(false);
    expect(
      sampleSum(samples, 'http_server_request_duration_seconds_count', { http_route: 'unmatched' }),
    ).toBe(1);
  });

  it('reports the flag sets it follows: version, flag count, sync state and kill switches in force', async () => {
    let { samples } = await scrape();
    const set = { feature_flag_set_id: SET };
    expect(sampleSum(samples, 'ensign_flag_set_sync_ready', set)).toBe(1);
    expect(sampleSum(samples, 'ensign_flag_set_sync_stale', set)).toBe(0);
    expect(sampleSum(samples, 'ensign_flag_set_sync_state', { ...set, ensign_sync_state: 'live' })).toBe(1);
    expect(sampleSum(samples, 'ensign_flag_set_flags', set)).toBe(Object.keys(withKillSwitch().flags).length);
    const before = sampleSum(samples, 'ensign_flag_set_version', set);
    expect(sampleSum(samples, 'ensign_kill_switch_active', set)).toBe(0);

    const kill = await t.call('POST', `/api/v1/flag-sets/${SET}/flags/payments-enabled/kill`, {
      token: t.tokens.admin,
      headers: { 'if-match': '*' },
      body: { reason: 'INC-7' },
    });
    expect(kill.status, JSON.stringify(kill.body)).toBe(200);
    await until(async () => {
      ({ samples } = await scrape());
      return (
        sampleSum(samples, 'ensign_kill_switch_active', { ...set, feature_flag_key: 'payments-enabled' }) ===
        1
      );
    }, 'the kill switch in the metrics');
    expect(sampleSum(samples, 'ensign_flag_set_version', set)).toBe(before + 1);
    expect(
      sampleSum(samples, 'ensign_kill_switch_active_duration_seconds', {
        feature_flag_key: 'payments-enabled',
      }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sampleSum(samples, 'ensign_flag_set_sync_entries_total', {
        ...set,
        ensign_sync_entry_outcome: 'applied',
      }),
    ).toBe(1);
  });

  it('counts webhook deliveries and failures', async () => {
    const ok = await WebhookReceiver.start();
    const broken = await WebhookReceiver.start();
    receivers.push(ok, broken);
    broken.answer = () => ({ status: 500 });
    for (const receiver of [ok, broken]) {
      const created = await t.call('POST', '/api/v1/webhooks', {
        token: t.tokens.admin,
        body: { url: receiver.url, flagSets: [SET] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    await t.store.patchFlag(SET, 'banner', { state: 'DISABLED' }, { actor: 'test' });
    let samples = (await scrape()).samples;
    await until(async () => {
      samples = (await scrape()).samples;
      return sampleSum(samples, 'ensign_webhook_deliveries_total', { ensign_webhook_outcome: 'failed' }) >= 1;
    }, 'the failed delivery to be counted');
    expect(
      sampleSum(samples, 'ensign_webhook_deliveries_total', { ensign_webhook_outcome: 'delivered' }),
    ).toBe(1);
    expect(ok.bodies().length).toBe(1);
    expect(sampleSum(samples, 'ensign_webhook_delivery_attempts_total')).toBe(1 + FAST_WEBHOOKS.maxAttempts);
  });
});

describe('metrics options', () => {
  it('serves /metrics on a port of its own without a token, and not on the main port', async () => {
    const own = await startServer({ [SET]: ofrepFlags() }, { metrics: { port: 0 } });
    try {
      expect((await own.call('GET', '/metrics', { token: own.tokens.admin })).status).toBe(404);
      const url = own.server.metricsUrl;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const answer = await fetch(url!);
      expect(answer.status).toBe(200);
      const text = await answer.text();
      expect(await promtoolCheckMetrics(text)).toBe('');
      expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
      expect((await fetch(url!.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await own.close();
    }
  });

  it('metrics: false serves no /metrics', async () => {
    const none = await startServer({ [SET]: ofrepFlags() }, { metrics: false });
    try {
      expect((await none.call('GET', '/metrics', { token: none.tokens.admin })).status).toBe(404);
      expect(none.server.context.metrics).toBeUndefined();
    } finally {
      await none.close();
    }
  });
});
