/**
 * The rollout, schedule and experiment routes over a real server: problem documents for bad
 * plans (nothing written), roles and scopes, compare-and-set on plan actions, the controller
 * running inside the server applying stage 1 as an audited write, abort without a controller,
 * scheduled changes, and experiment results from aggregates written by a real MetricsAggregator.
 */
import { COHORT_METADATA, MetricsAggregator } from '@ensign/hooks';
import { rolloutWeightsOf } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, issues, production, staging } from './admin/fixtures.js';
import { type TestServer, startServer } from './support/server.js';

const S = 'fitness-staging';
const P = 'fitness-production';
const base = `/api/v1/flag-sets/${S}`;
const plan = {
  id: 'checkout-v2',
  flagKey: 'new-checkout',
  release: 'on',
  replace: 'off',
  stages: [
    { percent: 25, minDuration: '1h', minUnitsPerArm: 1000 },
    { percent: 100, minDuration: '1h' },
  ],
  guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase', tolerance: 0.002 }],
};

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ [S]: staging(), [P]: production() }, { flagSets: [S, P] });
});
afterAll(async () => t?.close());

const as = (
  role: keyof TestServer['tokens'],
  extra: { body?: unknown; headers?: Record<string, string> } = {},
) => ({
  token: t.tokens[role],
  ...extra,
});

describe('rollout routes', () => {
  it('refuse bad plans with every problem by JSON Pointer, writing nothing', async () => {
    const version = await t.store.version(S);
    const invalid = await t.call(
      'POST',
      `${base}/rollouts`,
      as('editor', { body: { ...plan, stages: [{ percent: 50 }, { percent: 5 }] } }),
    );
    expect(invalid.status).toBe(422);
    expect(issues(invalid)).toEqual([
      {
        pointer: '/stages/1/percent',
        message: expect.stringMatching(/must be above the previous stage's 50%/),
      },
    ]);
    const variant = await t.call(
      'POST',
      `${base}/rollouts`,
      as('editor', { body: { ...plan, release: 'v3' } }),
    );
    expect([variant.status, body(variant).type]).toEqual([
      422,
      'https://ensign.dev/problems/unknown-variant',
    ]);
    const notSplit = await t.call(
      'POST',
      `${base}/rollouts`,
      as('editor', { body: { ...plan, flagKey: 'bookings-enabled' } }),
    );
    expect([notSplit.status, body(notSplit).type]).toEqual([409, 'https://ensign.dev/problems/not-a-split']);
    const missing = await t.call(
      'POST',
      `${base}/rollouts`,
      as('editor', { body: { ...plan, flagKey: 'nope' } }),
    );
    expect(missing.status).toBe(404);
    expect((await t.call('POST', `${base}/rollouts`, as('viewer', { body: plan }))).status).toBe(403);
    expect(
      (await t.call('POST', `/api/v1/flag-sets/${P}/rollouts`, as('editor', { body: plan }))).status,
    ).toBe(403);
    expect(await t.store.version(S)).toBe(version);
  });

  it('start a plan without touching the flag, then pause, resume and abort it by compare-and-set', async () => {
    const version = await t.store.version(S);
    const started = await t.call(
      'POST',
      `${base}/rollouts`,
      as('editor', { body: { ...plan, reason: 'JIRA-1' } }),
    );
    expect(started.status).toBe(201);
    expect(started.headers.get('etag')).toBe('"r1"');
    expect(body(started).rollout).toMatchObject({
      status: 'running',
      stage: -1,
      createdBy: expect.stringMatching(/^test-editor/),
    });
    expect(body(started).live).toEqual({ weights: { on: 5, off: 95 }, releasedPercent: 5, asPlanned: true });
    expect(await t.store.version(S)).toBe(version);
    const twice = await t.call('POST', `${base}/rollouts`, as('editor', { body: plan }));
    expect([twice.status, body(twice).type]).toEqual([409, 'https://ensign.dev/problems/rollout-exists']);

    const url = `${base}/rollouts/checkout-v2`;
    expect((await t.call('POST', `${url}/pause`, as('editor', { body: {} }))).status).toBe(428);
    expect(
      (await t.call('POST', `${url}/pause`, as('editor', { body: {}, headers: { 'if-match': '"r9"' } })))
        .status,
    ).toBe(412);
    const paused = await t.call(
      'POST',
      `${url}/pause`,
      as('editor', { body: { reason: 'lunch' }, headers: { 'if-match': '"r1"' } }),
    );
    expect(paused.status).toBe(200);
    expect(body(paused).rollout).toMatchObject({
      status: 'paused',
      reason: expect.stringMatching(/^paused by test-editor .*: lunch$/),
    });
    const again = await t.call(
      'POST',
      `${url}/pause`,
      as('editor', { body: {}, headers: { 'if-match': '*' } }),
    );
    expect([again.status, body(again).type]).toEqual([409, 'https://ensign.dev/problems/wrong-status']);
    expect(
      (await t.call('POST', `${url}/resume`, as('admin', { body: {}, headers: { 'if-match': '*' } }))).status,
    ).toBe(200);
    const read = await t.call('GET', url, as('viewer'));
    expect(body(read).rollout).toMatchObject({ status: 'running' });
    expect((body(read).rollout as { events: { action: string }[] }).events.map((e) => e.action)).toEqual([
      'created',
      'paused',
      'resumed',
    ]);
    const edited = await t.call(
      'PUT',
      url,
      as('editor', { body: { ...plan, id: undefined, onHarm: 'kill' }, headers: { 'if-match': '*' } }),
    );
    expect(edited.status).toBe(200);
    expect(body(edited).rollout).toMatchObject({ spec: { onHarm: 'kill' } });
    const wrong = await t.call(
      'PUT',
      url,
      as('editor', { body: { ...plan, release: 'off', replace: 'on' }, headers: { 'if-match': '*' } }),
    );
    expect(wrong.status).toBe(422);
    expect(issues(wrong).map((i) => i.pointer)).toEqual(['/release', '/replace']);
    const list = await t.call('GET', `${base}/rollouts?flag=new-checkout`, as('viewer'));
    expect((body(list).rollouts as unknown[]).length).toBe(1);
    const aborted = await t.call(
      'POST',
      `${url}/abort`,
      as('editor', { body: { reason: 'not now' }, headers: { 'if-match': '*' } }),
    );
    expect(aborted.status).toBe(200);
    expect(body(aborted).rollout).toMatchObject({ status: 'aborted' });
    const [entry] = await t.store.history(S, { flagKey: 'new-checkout', limit: 1 });
    // Nothing had moved: the abort's write only proves it (no marks on the flag to remove).
    expect(entry?.actor ?? 'none').not.toMatch(/^rollout:/);
  });
});

describe('the controller inside the server', () => {
  it('applies stage 1 as an audited write by rollout:<plan>', async () => {
    const s = await startServer(
      {
        app: {
          flags: {
            f: {
              state: 'ENABLED',
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
      },
      { flagSets: ['app'], rollouts: { controller: true, intervalMs: 50, leaseTtlMs: 2_000 } },
    );
    try {
      const started = await s.call('POST', '/api/v1/flag-sets/app/rollouts', {
        token: s.tokens.admin,
        body: {
          flagKey: 'f',
          release: 'a',
          replace: 'b',
          stages: [{ percent: 10 }, { percent: 100 }],
          guardrails: [],
        },
      });
      expect(started.status).toBe(201);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await s.store.version('app')) === 1)
        await new Promise((r) => setTimeout(r, 25));
      const [entry] = await s.store.history('app', { flagKey: 'f', limit: 1 });
      expect(entry).toMatchObject({ actor: 'rollout:f', reason: 'start: stage 1/2 (10%)' });
      const flag = (await s.store.load('app')).document.flags.f!;
      expect(rolloutWeightsOf(flag)).toEqual({ a: 1000, b: 9000 });
      expect(flag.metadata?.[COHORT_METADATA]).toBe('f.1');
    } finally {
      await s.close();
    }
  });
});

describe('schedule and experiment routes', () => {
  it('schedule, list and cancel changes', async () => {
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const created = await t.call(
      'POST',
      `${base}/schedules`,
      as('editor', { body: { id: 'launch', flagKey: 'bookings-enabled', at, action: { type: 'disable' } } }),
    );
    expect(created.status).toBe(201);
    expect(body(created).schedule).toMatchObject({
      id: 'launch',
      status: 'pending',
      createdBy: expect.stringMatching(/^test-editor/),
    });
    const bad = await t.call(
      'POST',
      `${base}/schedules`,
      as('editor', { body: { flagKey: 'bookings-enabled', at: 'tomorrow', action: { type: 'kill' } } }),
    );
    expect(bad.status).toBe(422);
    expect(issues(bad).map((i) => i.pointer)).toEqual(['/at']);
    expect((await t.call('DELETE', `${base}/schedules/launch`, as('editor'))).status).toBe(428);
    const cancelled = await t.call(
      'DELETE',
      `${base}/schedules/launch?reason=moved`,
      as('editor', { headers: { 'if-match': '*' } }),
    );
    expect(body(cancelled).schedule).toMatchObject({ status: 'cancelled' });
    const listed = await t.call('GET', `${base}/schedules`, as('viewer'));
    expect((body(listed).schedules as unknown[]).length).toBe(1);
  });

  it('answer experiment results from aggregates a MetricsAggregator wrote', async () => {
    const metrics = new MetricsAggregator({ sink: t.server.context.state, autoFlush: false });
    const metadata = { flagSetId: S, kind: 'experiment' };
    const converted = { list: 0, cards: 0 };
    for (let i = 0; i < 400; i++) {
      const variant = i % 2 === 0 ? 'list' : 'cards';
      metrics.finally(
        { flagKey: 'layout', context: { targetingKey: `u${i}` } } as never,
        { flagKey: 'layout', variant, value: variant, flagMetadata: metadata } as never,
      );
      if (i % 5 === 0 || (variant === 'cards' && i % 3 === 0)) converted[variant]++;
      if (i % 5 === 0 || (variant === 'cards' && i % 3 === 0))
        metrics.track({
          type: 'tracking',
          eventName: 'purchase',
          targetingKey: `u${i}`,
          flagSetId: S,
          timestamp: 1,
        });
    }
    await metrics.flush();
    const answer = await t.call('GET', `${base}/flags/layout/experiment?metric=purchase`, as('viewer'));
    expect(answer.status).toBe(200);
    const results = body(answer) as {
      variants: { variant: string; exposedUsers: number; convertedUsers: number; alwaysValid: unknown }[];
      method: { source: string };
    };
    expect(results.method.source).toBe('aggregates');
    expect(results.variants.map((v) => [v.variant, v.exposedUsers, v.convertedUsers])).toEqual([
      ['list', 200, converted.list],
      ['cards', 200, converted.cards],
    ]);
    expect(results.variants[1]!.alwaysValid).toMatchObject({ pValue: expect.any(Number) });
    expect((await t.call('GET', `${base}/flags/nope/experiment?metric=x`, as('viewer'))).status).toBe(404);
  });
});
