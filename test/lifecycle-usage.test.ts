/**
 * The flag lifecycle end to end, on real stores and real hooks: an OpenFeature client over the
 * store provider, `MetricsAggregator` writing to the server's state, flags evaluated and not
 * evaluated, launched, expired and archived over a simulated clock, a typo evaluated as an
 * unknown key, and the app process restarted in between (the state kept in its file, and in
 * Redis through the metrics-only ACL user). The report is read as the server reads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { type CounterSink, MetricsAggregator } from '@ensign/hooks';
import {
  DAY_MS,
  LifecycleError,
  archiveFlag,
  lifecycleReportOf,
  saveCodeReferences,
  unarchiveFlag,
} from '@ensign/lifecycle';
import { RedisFlagStore } from '@ensign/redis-provider';
import {
  MemoryServerState,
  RedisServerState,
  redisMetricsAclRules,
  redisStateAclRules,
} from '@ensign/server';
import {
  FlagConflictError,
  type FlagStore,
  MemoryFlagStore,
  MissingFlagError,
  StoreProvider,
  flagEtag,
} from '@ensign/store';
import { type Client, OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from './support/redis-server.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const SET = 'shop';

/** The flags, all written at the start (so "last changed" is the start of the simulation). */
function flags(start: number): FlagSetDocument {
  const split = (metadata: FlagDefinition['metadata']): FlagDefinition => ({
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: {
      if: [
        { '==': [{ var: 'tier' }, 'pro'] },
        'on',
        {
          fractional: [
            ['on', 50],
            ['off', 50],
          ],
        },
      ],
    },
    metadata,
  });
  return {
    flags: {
      'new-checkout': split({ kind: 'release', owner: 'payments' }),
      'old-banner': split({ kind: 'release', owner: 'web' }),
      'layout-exp': split({ kind: 'experiment', owner: 'growth' }),
      promo: split({
        kind: 'release',
        owner: 'marketing',
        expiresAt: new Date(start + 10 * DAY_MS).toISOString(),
      }),
      'never-called': split({ kind: 'release', owner: 'search' }),
      'bookings-enabled': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { kind: 'ops', owner: 'sre', offVariant: 'off' },
      },
    },
  };
}

/** One app process: a provider over the store and the aggregator as a hook, on a simulated clock. */
async function appProcess(store: FlagStore, sink: CounterSink, clock: () => number, domain: string) {
  const metrics = new MetricsAggregator({ sink, autoFlush: false, now: clock, logger: quiet });
  await OpenFeature.setProviderAndWait(domain, new StoreProvider({ store, flagSet: SET, logger: quiet }));
  const client: Client = OpenFeature.getClient(domain);
  client.addHooks(metrics);
  return { metrics, client };
}

/** A simulated day of traffic: `who` decides which users evaluate which flags. */
async function day(
  client: Client,
  keys: readonly string[],
  users: readonly { targetingKey: string; tier: string }[],
) {
  for (const key of keys) for (const user of users) await client.getBooleanValue(key, false, user);
}

const mixed = Array.from({ length: 20 }, (_, i) => ({
  targetingKey: `u${i}`,
  tier: i % 4 === 0 ? 'pro' : 'free',
}));
const proOnly = mixed.filter((u) => u.tier === 'pro');

afterAll(async () => {
  await OpenFeature.close();
});

describe('flag lifecycle on the memory store and the embedded state (file), across an app restart', () => {
  let dir: string;
  const start = Date.now();
  let now = start;
  const clock = () => now;
  let store: MemoryFlagStore;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ensign-lifecycle-'));
    store = new MemoryFlagStore({ flagSets: { [SET]: flags(start) }, logger: quiet });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports launched, inactive, expired, permanent, unknown and archived flags from real evaluations', async () => {
    const stateFile = join(dir, 'state.json');
    let state = new MemoryServerState({ file: stateFile });
    let app = await appProcess(store, state, clock, 'lifecycle-a');

    // Days 0–5: everything but never-called is evaluated by everyone; a typo is evaluated too.
    for (let d = 0; d <= 5; d++) {
      now = start + d * DAY_MS + 3_600_000;
      await day(app.client, ['new-checkout', 'old-banner', 'layout-exp', 'promo', 'bookings-enabled'], mixed);
      await app.client.getBooleanValue('new-chekout', false, mixed[0]);
      await app.metrics.flush();
    }
    // The app process restarts: the aggregator's memory is gone, the state is read back from its file.
    await app.metrics.close();
    await state.close();
    state = new MemoryServerState({ file: stateFile });
    app = await appProcess(store, state, clock, 'lifecycle-b');

    // Days 6–20: old-banner is no longer called; new-checkout only by pro users (one variant).
    for (let d = 6; d <= 20; d++) {
      now = start + d * DAY_MS + 3_600_000;
      await day(app.client, ['layout-exp', 'promo', 'bookings-enabled'], mixed);
      await day(app.client, ['new-checkout'], proOnly);
      await app.metrics.flush();
    }

    const report = await lifecycleReportOf(store, state, SET, { now: start + 21 * DAY_MS });
    const of = (key: string) => report.flags.find((f) => f.flagKey === key);
    expect(report.usageSince).toBe(new Date(start + 3_600_000).toISOString());
    expect(of('new-checkout')).toMatchObject({
      status: 'launched',
      stage: 'ready-for-code-removal',
      recentVariants: ['on'],
      owner: 'payments',
    });
    expect(of('old-banner')).toMatchObject({ status: 'inactive', stage: 'ready-for-code-removal' });
    expect(of('old-banner')!.lastEvaluatedAt).toBe(new Date(start + 5 * DAY_MS + 3_600_000).toISOString());
    expect(of('never-called')).toMatchObject({ status: 'inactive', stage: 'ready-for-code-removal' });
    expect(of('never-called')!.reasons.map((r) => r.code)).toContain('never-evaluated');
    expect(of('promo')).toMatchObject({ status: 'expired', stage: 'stale', recentVariants: ['off', 'on'] });
    expect(of('layout-exp')).toMatchObject({ status: 'active', stage: 'live', kind: 'experiment' });
    expect(of('bookings-enabled')).toMatchObject({ stage: 'permanent', status: 'launched' });
    expect(report.unknownFlags.map((u) => u.flagKey)).toEqual(['new-chekout']);
    expect(report.summary.byStage).toMatchObject({
      'ready-for-code-removal': 3,
      stale: 1,
      live: 1,
      permanent: 1,
    });

    // A code scan uploaded: the flags with no reference left are ready to archive.
    await saveCodeReferences(state, SET, {
      scannedAt: new Date(now).toISOString(),
      flags: {
        'new-checkout': 4,
        'old-banner': 0,
        'never-called': 0,
        'layout-exp': 2,
        promo: 1,
        'bookings-enabled': 3,
      },
      missing: { 'new-chekout': 1 },
    });
    const scanned = await lifecycleReportOf(store, state, SET, { now: start + 21 * DAY_MS });
    expect(scanned.flags.filter((f) => f.stage === 'ready-to-archive').map((f) => f.flagKey)).toEqual([
      'never-called',
      'old-banner',
    ]);
    expect(scanned.unknownFlags[0]).toMatchObject({ flagKey: 'new-chekout', codeReferences: 1 });

    // Archived: no longer served (callers get their default, FLAG_NOT_FOUND), reported as archived, not unknown.
    now = start + 21 * DAY_MS;
    const before = (await store.load(SET)).document.flags['old-banner']!;
    const archived = await archiveFlag(store, state, SET, 'old-banner', {
      actor: 'alice',
      reason: 'cleanup',
      now: () => new Date(now),
    });
    expect(archived).toMatchObject({
      changed: true,
      archived: { archivedBy: 'alice', reason: 'cleanup', etag: flagEtag(before) },
    });
    await expect
      .poll(() => app.client.getBooleanDetails('old-banner', true, mixed[1]))
      .toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    now = start + 22 * DAY_MS;
    await app.client.getBooleanValue('old-banner', true, mixed[1]);
    await app.metrics.flush();
    const after = await lifecycleReportOf(store, state, SET, { now: start + 22 * DAY_MS });
    expect(after.flags.map((f) => f.flagKey)).not.toContain('old-banner');
    expect(after.unknownFlags.map((u) => u.flagKey)).toEqual(['new-chekout']);
    expect(after.archived).toEqual([
      {
        flagKey: 'old-banner',
        archivedAt: new Date(start + 21 * DAY_MS).toISOString(),
        archivedBy: 'alice',
        reason: 'cleanup',
        kind: 'release',
        owner: 'web',
        lastEvaluatedAt: new Date(start + 22 * DAY_MS).toISOString(),
      },
    ]);
    await app.metrics.close();
    await state.close();
  });

  it('restores an archived flag with its exact definition, and keeps the audit trail', async () => {
    const state = new MemoryServerState();
    const definition = (await store.load(SET)).document.flags['layout-exp']!;
    const archived = await archiveFlag(store, state, SET, 'layout-exp', { actor: 'bob' });
    expect((await store.load(SET)).document.flags['layout-exp']).toBeUndefined();
    // Archiving an archived flag changes nothing.
    expect(await archiveFlag(store, state, SET, 'layout-exp', { actor: 'bob' })).toMatchObject({
      changed: false,
    });
    const restored = await unarchiveFlag(store, state, SET, 'layout-exp', {
      actor: 'carol',
      reason: 'still needed',
    });
    expect(restored.etag).toBe(flagEtag(definition));
    expect((await store.load(SET)).document.flags['layout-exp']).toEqual(definition);
    const [put, del] = await store.history(SET, { flagKey: 'layout-exp', limit: 2 });
    expect(put).toMatchObject({
      operation: 'put',
      actor: 'carol',
      reason: 'unarchived: still needed',
      after: definition,
    });
    expect(del).toMatchObject({
      operation: 'delete',
      actor: 'bob',
      reason: 'archived',
      before: definition,
      version: archived.version,
    });
    await expect(unarchiveFlag(store, state, SET, 'layout-exp')).rejects.toMatchObject({
      code: 'not-archived',
    });
  });

  it('refuses what does not fit: a missing flag, a stale ETag, a key created again', async () => {
    const state = new MemoryServerState();
    await expect(archiveFlag(store, state, SET, 'no-such-flag')).rejects.toBeInstanceOf(MissingFlagError);
    await expect(archiveFlag(store, state, SET, 'promo', { ifMatch: '"stale"' })).rejects.toBeInstanceOf(
      FlagConflictError,
    );
    expect((await store.load(SET)).document.flags.promo).toBeDefined();
    expect(await state.list('lifecycle-archive:shop')).toEqual(new Map());
    await archiveFlag(store, state, SET, 'promo');
    await store.putFlag(SET, 'promo', { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' });
    const refused = await unarchiveFlag(store, state, SET, 'promo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LifecycleError);
    expect(refused).toMatchObject({ code: 'flag-exists' });
  });
});

describe('flag lifecycle on Redis: the aggregator as the metrics-only user, the report as the state user', () => {
  let server: RedisServer;
  let store: RedisFlagStore;
  const start = Date.now();
  let now = start;

  beforeAll(async () => {
    server = await RedisServer.start();
    expect(
      await server.cli('acl', 'setuser', 'metrics', 'on', '>metrics-pw', ...redisMetricsAclRules()),
    ).toBe('OK');
    expect(await server.cli('acl', 'setuser', 'state', 'on', '>state-pw', ...redisStateAclRules())).toBe(
      'OK',
    );
    store = new RedisFlagStore({ url: server.url, logger: quiet });
    await store.replaceFlagSet(SET, flags(start), { actor: 'seed' });
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('keeps last evaluations and unknown keys across app restarts, and the metrics user can write nothing else', async () => {
    const metricsUrl = `redis://metrics:metrics-pw@127.0.0.1:${server.port}`;
    const state = new RedisServerState({ url: `redis://state:state-pw@127.0.0.1:${server.port}` });
    for (const [round, domain] of [
      [0, 'redis-a'],
      [1, 'redis-b'],
    ] as const) {
      const sink = new RedisServerState({ url: metricsUrl });
      const app = await appProcess(store, sink, () => now, domain);
      now = start + (round * 10 + 1) * DAY_MS;
      await day(app.client, ['new-checkout', 'layout-exp'], mixed);
      if (round === 0) await day(app.client, ['old-banner'], mixed);
      await app.client.getBooleanValue(round === 0 ? 'typo-one' : 'typo-two', false, mixed[0]);
      await app.metrics.close();
      expect(app.metrics.stats().failedRecords).toBe(0);
      await expect(sink.put('tokens', 'x', {})).rejects.toThrow(/NOPERM/);
      await sink.close();
    }
    const report = await lifecycleReportOf(store, state, SET, { now: start + 20 * DAY_MS });
    const of = (key: string) => report.flags.find((f) => f.flagKey === key)!;
    expect(report.usageSince).toBe(new Date(start + DAY_MS).toISOString());
    expect(of('layout-exp').lastEvaluatedAt).toBe(new Date(start + 11 * DAY_MS).toISOString());
    expect(of('old-banner')).toMatchObject({
      status: 'inactive',
      lastEvaluatedAt: new Date(start + DAY_MS).toISOString(),
    });
    expect(report.unknownFlags.map((u) => u.flagKey)).toEqual(['typo-two', 'typo-one']);
    await state.close();
  });
});
