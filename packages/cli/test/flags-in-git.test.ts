/**
 * The flags-in-git flow through the installed `ensign` binary against a real server, on the
 * memory store and on Redis: validate, plan (exit 2 on changes), apply (exactly the plan),
 * compare-and-set per flag (a moved flag refuses, an untouched one does not), drift (a kill is
 * never silently reverted), pull, promote; `--json` checked against the shipped schemas and human
 * output against 80 columns.
 */
import type { FlagSetDocument } from '@ensign/core';
import { flagEtag } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { assertBuilt, ensign, overWide } from './support/ensign.js';
import { type TempDir, flagOf, shopFlags, tempDir } from './support/files.js';
import { assertSchema } from './support/schemas.js';
import {
  type TestBackend,
  type TestServer,
  memoryBackend,
  redisBackend,
  startServer,
} from './support/server.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

interface PlanJson {
  planHash: string;
  summary: { add: number; change: number; remove: number; drift: number; skipped: number };
  base: { version: number; flags: Record<string, string> };
  drift: { flagKey: string; why: string; overwrite: boolean }[];
  changes: { kind: string; flagKey?: string; action: string }[];
}

const backends: [string, () => Promise<{ backend: TestBackend; stop: () => Promise<void> }>][] = [
  ['memory', async () => ({ backend: memoryBackend(), stop: async () => {} })],
  [
    'redis',
    async () => {
      const redis = await RedisServer.start();
      return { backend: redisBackend(redis.url), stop: () => redis.stop() };
    },
  ],
];

describe.each(backends)('ensign plan/apply against a server on the %s store', (_name, open) => {
  let server: TestServer;
  let stopStore: () => Promise<void>;
  let dir: TempDir;
  let env: Record<string, string>;
  const run = (args: string[]) => ensign(args, { env, cwd: dir.path });

  beforeAll(async () => {
    assertBuilt();
    const opened = await open();
    stopStore = opened.stop;
    server = await startServer(opened.backend);
    dir = tempDir();
    env = { ...server.env('editor'), ENSIGN_SET: 'shop' };
  });
  afterAll(async () => {
    await server?.close();
    await stopStore?.();
    dir?.remove();
  });

  it('creates the set from a file (plan exits 2, apply 0), then plans no changes (exit 0)', async () => {
    const file = dir.write('shop.json', shopFlags());
    const first = await run(['plan', 'shop.json', '--json']);
    expect(first.code).toBe(2);
    const plan = first.json<PlanJson>();
    assertSchema('plan', plan);
    expect(plan.summary).toMatchObject({ add: 4, change: 0, remove: 0, drift: 0 });

    const applied = await run(['apply', file, '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    assertSchema('apply', applied.json());
    expect(applied.json<{ result: { applied: boolean; version: number } }>().result).toMatchObject({
      applied: true,
      version: 1,
    });

    const again = await run(['plan', 'shop.json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: the live set matches.');
    expect(overWide(again.stdout)).toEqual([]);
    const history = await server.backend.store.history('shop', { limit: 1 });
    expect(history[0]?.reason).toMatch(/^ensign apply: plan [0-9a-f]{12} from /);
    expect(history[0]?.actor).toMatch(/^test-editor \(tok_/);
  });

  it('shows added, removed and changed flags with the rule and weight changes inside, in 80 columns', async () => {
    const document = shopFlags();
    flagOf(document, 'checkout-v2').targeting = {
      if: [
        { $ref: 'beta-testers' },
        'on',
        {
          fractional: [
            ['on', 25],
            ['off', 75],
          ],
        },
      ],
    };
    flagOf(document, 'banner-text').targeting = {
      if: [{ in: [{ var: 'tier' }, ['pro', 'business']] }, 'sale', null],
    };
    delete document.flags['legacy-search'];
    document.flags['dark-mode'] = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
    };
    dir.write('next.json', document);
    const result = await run(['plan', 'next.json']);
    expect(result.code).toBe(2);
    expect(overWide(result.stdout)).toEqual([]);
    expect(result.stdout).toContain('~ checkout-v2');
    expect(result.stdout).toContain('targeting split: on 5% → 25%, off 95% → 75%');
    expect(result.stdout).toContain('~ banner-text');
    expect(result.stdout).toContain('- if tier == "pro" → sale');
    expect(result.stdout).toContain('+ if tier in ["pro", "business"] → sale');
    expect(result.stdout).toContain('+ dark-mode');
    expect(result.stdout).toContain('- legacy-search');
    expect(result.stdout).toContain('Plan: 1 to add, 2 to change, 1 to remove.');
  });

  it('applies exactly a saved plan, as one audited write naming the plan', async () => {
    const saved = await run(['plan', 'next.json', '--out', 'next.plan']);
    expect(saved.code).toBe(2);
    expect(saved.stdout).toContain('ensign apply next.plan');
    const before = await server.backend.store.load('shop');
    const applied = await run(['apply', 'next.plan']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Applied plan [0-9a-f]{12} to flag set "shop": version 1 → 2/);
    const after = await server.backend.store.load('shop');
    expect(after.version).toBe(before.version + 1);
    expect(Object.keys(after.document.flags).sort()).toEqual([
      'banner-text',
      'checkout-v2',
      'dark-mode',
      'payments-enabled',
    ]);
    const [entry] = await server.backend.store.history('shop', { limit: 1 });
    expect(entry?.operation).toBe('replace');
    expect((await run(['plan', 'next.json'])).code).toBe(0);
  });

  it('refuses a plan when a flag it touches was killed since, names it, and never reverts the kill', async () => {
    const document = structuredClone((await server.backend.store.load('shop')).document);
    flagOf(document, 'dark-mode').defaultVariant = 'on';
    flagOf(document, 'payments-enabled').metadata = {
      kind: 'kill-switch',
      owner: 'payments',
      offVariant: 'off',
    };
    dir.write('race.json', document);
    const planned = await run(['plan', 'race.json', '--out', 'race.plan', '--json']);
    expect(planned.code).toBe(2);
    expect(Object.keys(planned.json<PlanJson>().base.flags).sort()).toEqual([
      'dark-mode',
      'payments-enabled',
    ]);

    const killed = await run(['kill', 'payments-enabled', '--reason', 'INC-7', '--json']);
    expect(killed.code, killed.stderr).toBe(0);
    assertSchema('flag-write', killed.json());
    const version = (await server.backend.store.load('shop')).version;

    const refused = await run(['apply', 'race.plan', '--json']);
    expect(refused.code).toBe(3);
    const error = refused.json<{ error: { kind: string; flags: string[] } }>();
    assertSchema('error', error);
    expect(error.error).toMatchObject({ kind: 'conflict', flags: ['payments-enabled'] });
    expect(refused.stderr).toContain('payments-enabled: killed at version');
    expect(refused.stderr).toContain('INC-7');
    expect((await server.backend.store.load('shop')).version).toBe(version);

    const replanned = await run(['plan', 'race.json', '--json']);
    const drift = replanned.json<PlanJson>();
    expect(drift.drift).toEqual([
      expect.objectContaining({ flagKey: 'payments-enabled', why: 'killed', overwrite: false }),
    ]);
    expect(drift.changes.map((c) => c.flagKey)).toEqual(['dark-mode']);
    const human = await run(['plan', 'race.json']);
    expect(human.stdout).toContain('Drift: changed live since last applied');
    expect(human.stdout.replace(/\s+/g, ' ')).toContain('--overwrite-drift payments-enabled');
    expect(overWide(human.stdout)).toEqual([]);

    const applied = await run(['apply', 'race.json']);
    expect(applied.code, applied.stderr).toBe(0);
    const live = await server.backend.store.load('shop');
    expect(flagOf(live.document, 'payments-enabled').metadata?.killedAt).toBeDefined();
    expect(flagOf(live.document, 'dark-mode').defaultVariant).toBe('on');

    const overwritten = await run(['apply', 'race.json', '--overwrite-drift', 'payments-enabled']);
    expect(overwritten.code, overwritten.stderr).toBe(0);
    expect(overwritten.stdout).toContain('(overwrites drift)');
    const restored = flagOf((await server.backend.store.load('shop')).document, 'payments-enabled');
    expect(restored.metadata).toEqual({ kind: 'kill-switch', owner: 'payments', offVariant: 'off' });
  });

  it('applies a plan when only flags it does not touch changed since', async () => {
    const document = (await server.backend.store.load('shop')).document as FlagSetDocument;
    const next = structuredClone(document);
    const wanted = flagOf(next, 'dark-mode').defaultVariant === 'on' ? 'off' : 'on';
    flagOf(next, 'dark-mode').defaultVariant = wanted;
    dir.write('untouched.json', next);
    expect((await run(['plan', 'untouched.json', '--out', 'untouched.plan'])).code).toBe(2);
    const weights = await run(['flag', 'weights', 'checkout-v2', 'on=50', 'off=50', '--reason', 'ramp']);
    expect(weights.code, weights.stderr).toBe(0);
    const applied = await run(['apply', 'untouched.plan', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const live = (await server.backend.store.load('shop')).document;
    expect(flagOf(live, 'dark-mode').defaultVariant).toBe(wanted);
    expect(JSON.stringify(flagOf(live, 'checkout-v2').targeting)).toContain('["on",50]');
  });

  it('refuses a plan file edited after it was written, and one for another set', async () => {
    const saved = await run(['plan', 'shop.json', '--out', 'edit.plan']);
    expect(saved.code).toBe(2);
    const text = (await import('node:fs')).readFileSync(`${dir.path}/edit.plan`, 'utf8');
    dir.write('edit.plan', text.replace('"on": true', '"on": false'));
    const edited = await run(['apply', 'edit.plan']);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('does not match its hash');
    dir.write('other.plan', text);
    const other = await run(['apply', 'other.plan', '--set', 'elsewhere']);
    expect(other.code).toBe(64);
  });

  it('pulls a file that plans as unchanged, and refuses an invalid file with every problem', async () => {
    const pulled = await run(['pull']);
    expect(pulled.code).toBe(0);
    dir.write('pulled.json', pulled.stdout);
    expect((await run(['plan', 'pulled.json'])).code).toBe(0);
    const pulledJson = await run(['pull', '--json']);
    assertSchema('pull', pulledJson.json());

    const invalid = await ensign(
      ['apply', new URL('./fixtures/invalid.flags.json', import.meta.url).pathname, '--json'],
      {
        env,
      },
    );
    expect(invalid.code).toBe(1);
    const error = invalid.json<{ error: { problems: { flagKey: string; pointer: string }[] } }>();
    assertSchema('error', error);
    expect(error.error.problems).toEqual([
      expect.objectContaining({ flagKey: 'checkout-v2', pointer: '/flags/checkout-v2/defaultVariant' }),
      expect.objectContaining({ flagKey: 'banner-text', pointer: '/flags/banner-text/state' }),
    ]);
  });

  it('promotes between sets as a plan, leaving a kill in the target alone', async () => {
    const staging = shopFlags();
    flagOf(staging, 'checkout-v2').targeting = {
      if: [
        { $ref: 'beta-testers' },
        'on',
        {
          fractional: [
            ['on', 100],
            ['off', 0],
          ],
        },
      ],
    };
    dir.write('staging.json', staging);
    expect((await run(['apply', 'staging.json', '--set', 'shop-staging'])).code).toBe(0);
    expect((await run(['apply', 'shop.json', '--set', 'shop-prod'])).code).toBe(0);
    expect((await run(['kill', 'payments-enabled', '--set', 'shop-prod'])).code).toBe(0);
    flagOf(staging, 'payments-enabled').defaultVariant = 'off';
    dir.write('staging.json', staging);
    expect((await run(['apply', 'staging.json', '--set', 'shop-staging'])).code).toBe(0);

    const dry = await run(['promote', '--from', 'shop-staging', '--to', 'shop-prod', '--dry-run', '--json']);
    expect(dry.code).toBe(2);
    assertSchema('promote', dry.json());
    const prodVersion = (await server.backend.store.load('shop-prod')).version;
    expect(prodVersion).toBe(2);

    const promoted = await run(['promote', '--from', 'shop-staging', '--to', 'shop-prod']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain('targeting split: on 5% → 100%, off 95% → 0%');
    expect(promoted.stdout).toContain('! payments-enabled: killed');
    expect(overWide(promoted.stdout)).toEqual([]);
    const prod = (await server.backend.store.load('shop-prod')).document;
    expect(JSON.stringify(flagOf(prod, 'checkout-v2').targeting)).toContain('["on",100]');
    expect(flagOf(prod, 'payments-enabled').metadata?.killedAt).toBeDefined();
    const [entry] = await server.backend.store.history('shop-prod', { limit: 1 });
    expect(entry?.reason).toMatch(/^ensign promote: plan [0-9a-f]{12} from flag set shop-staging/);
  });

  it('keeps flags owned by a running rollout unless --include-rollouts', async () => {
    const live = (await server.backend.store.load('shop')).document;
    const owned = structuredClone(flagOf(live, 'banner-text'));
    owned.metadata = { ...owned.metadata, rolloutPlan: 'ro_banner' };
    await server.backend.store.putFlag('shop', 'banner-text', owned, { actor: 'rollout-controller' });
    const next = structuredClone(live) as FlagSetDocument;
    flagOf(next, 'banner-text').defaultVariant = 'sale';
    dir.write('rollout.json', next);
    const skipped = await run(['plan', 'rollout.json', '--json']);
    expect(skipped.code).toBe(2);
    const plan = skipped.json<PlanJson & { skipped: { flagKey: string; rollout: string }[] }>();
    expect(plan.skipped).toEqual([{ flagKey: 'banner-text', rollout: 'ro_banner', action: 'change' }]);
    expect(plan.changes).toEqual([]);
    const included = await run([
      'plan',
      'rollout.json',
      '--include-rollouts',
      '--overwrite-drift',
      'banner-text',
      '--json',
    ]);
    expect(included.json<PlanJson>().changes.map((c) => c.flagKey)).toEqual(['banner-text']);
    expect(flagEtag(owned)).toBe(included.json<PlanJson>().base.flags['banner-text']);
  });
});
