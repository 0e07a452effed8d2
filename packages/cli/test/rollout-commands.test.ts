/**
 * `ensign rollout`, `ensign schedule` and `ensign experiment` as users run them (the built
 * binary) against a real server, `--json` output validated against its schema, human output in
 * 80 columns; `ensign rollout run --once` on the stores of a stopped `serve --data DIR`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagSetDocument } from '@ensign/core';
import { MemoryServerState } from '@ensign/server';
import { MemoryFlagStore, rolloutWeightsOf } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ensign, overWide } from './support/ensign.js';
import { assertSchema } from './support/schemas.js';
import { type TestServer, memoryBackend, startServer } from './support/server.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/** Output as one line: human output wraps at 80 columns. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const shop: FlagSetDocument = {
  flags: {
    checkout: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 0],
          ['off', 100],
        ],
      },
      metadata: { kind: 'experiment' },
    },
    plain: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  },
};

let server: TestServer;
beforeAll(async () => {
  assertBuilt();
  server = await startServer(memoryBackend());
  await server.seed('shop', shop);
});
afterAll(async () => server?.close());

describe('ensign rollout', () => {
  it('starts, shows, pauses, resumes and aborts a rollout named by its flag', async () => {
    const env = server.env('editor');
    const started = await ensign(
      [
        'rollout',
        'start',
        'checkout',
        '--set',
        'shop',
        '--release',
        'on',
        '--replace',
        'off',
        '--stages',
        '10,50,100',
        '--guardrail',
        'error:increase:0.002',
        '--json',
      ],
      { env },
    );
    expect(started.code).toBe(0);
    assertSchema('rollout', started.json());
    expect(started.json()).toMatchObject({
      rollout: { status: 'running', stage: -1, spec: { id: 'checkout' } },
    });

    const status = await ensign(['rollout', 'status', 'checkout', '--set', 'shop'], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Rollout checkout of flag checkout (shop): running, not started');
    expect(status.stdout).toContain('on replaces off: 10% → 50% → 100%; on harm: rollback');
    expect(overWide(status.stdout)).toEqual([]);
    const all = await ensign(['rollout', 'status', '--set', 'shop', '--json'], { env });
    assertSchema('rollout-list', all.json());

    const planFile = join(mkdtempSync(join(tmpdir(), 'ensign-plan-')), 'plan.json');
    const edit = {
      release: 'on',
      replace: 'off',
      stages: [{ percent: 10 }, { percent: 100 }],
      guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase', tolerance: 0.002 }],
      onHarm: 'kill',
    };
    writeFileSync(planFile, JSON.stringify(edit));
    const edited = await ensign(
      ['rollout', 'edit', 'checkout', '--set', 'shop', '--plan', planFile, '--json'],
      { env },
    );
    expect(edited.code).toBe(0);
    expect(edited.json()).toMatchObject({
      rollout: { spec: { onHarm: 'kill', stages: [{ percent: 10 }, { percent: 100 }] } },
    });
    const paused = await ensign(['rollout', 'pause', 'checkout', '--set', 'shop', '-r', 'lunch', '--json'], {
      env,
    });
    expect(paused.json()).toMatchObject({ rollout: { status: 'paused' } });
    const twice = await ensign(['rollout', 'pause', 'checkout', '--set', 'shop'], { env });
    expect(twice.code).toBe(1);
    expect(flat(twice.stderr)).toContain('is paused: this needs it running');
    expect((await ensign(['rollout', 'resume', 'checkout', '--set', 'shop'], { env })).code).toBe(0);
    const aborted = await ensign(['rollout', 'abort', 'checkout', '--set', 'shop', '--json'], { env });
    expect(aborted.json()).toMatchObject({ rollout: { status: 'aborted' } });
  });

  it("refuses bad plans: usage errors before anything is sent, the server's reasons after", async () => {
    const env = server.env('editor');
    const usage = await ensign(
      [
        'rollout',
        'start',
        'checkout',
        '--set',
        'shop',
        '--release',
        'on',
        '--replace',
        'off',
        '--guardrail',
        'error:sideways',
      ],
      { env },
    );
    expect(usage.code).toBe(64);
    expect(flat(usage.stderr)).toContain('--guardrail must be METRIC:increase|decrease');
    const split = await ensign(
      ['rollout', 'start', 'plain', '--set', 'shop', '--release', 'on', '--replace', 'off', '--json'],
      { env },
    );
    expect(split.code).toBe(1);
    assertSchema('error', split.json());
    expect(flat(split.stderr)).toContain('is not a percentage split');
    const stages = await ensign(
      [
        'rollout',
        'start',
        'checkout',
        '--set',
        'shop',
        '--release',
        'on',
        '--replace',
        'off',
        '--stages',
        '50,10',
      ],
      { env },
    );
    expect(stages.code).toBe(1);
    expect(flat(stages.stderr)).toContain("/stages/1/percent: must be above the previous stage's 50%");
    const noServer = await ensign(['rollout', 'status', 'checkout', '--set', 'shop']);
    expect(noServer.code).toBe(64);
    expect(flat(noServer.stderr)).toContain('set ENSIGN_URL and ENSIGN_TOKEN');
  });

  it("fits every new command's help in 80 columns", async () => {
    for (const command of [
      'rollout start',
      'rollout edit',
      'rollout run',
      'schedule create',
      'experiment results',
    ]) {
      const help = await ensign([...command.split(' '), '--help']);
      expect(help.code).toBe(0);
      expect(overWide(help.stdout)).toEqual([]);
    }
  });
});

describe('ensign schedule and ensign experiment', () => {
  it('schedules, lists and cancels a change', async () => {
    const env = server.env('editor');
    const at = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const created = await ensign(
      [
        'schedule',
        'create',
        'plain',
        '--set',
        'shop',
        '--at',
        at,
        '--action',
        'disable',
        '--id',
        'end-of-march',
        '--json',
      ],
      { env },
    );
    expect(created.code).toBe(0);
    assertSchema('schedule', created.json());
    const list = await ensign(['schedule', 'list', '--set', 'shop'], { env });
    expect(list.stdout).toMatch(/end-of-march .* plain .* disable .* pending/);
    const listed = await ensign(['schedule', 'list', '--set', 'shop', '--json'], { env });
    assertSchema('schedule-list', listed.json());
    const cancelled = await ensign(['schedule', 'cancel', 'end-of-march', '--set', 'shop', '--json'], {
      env,
    });
    expect(cancelled.json()).toMatchObject({ schedule: { status: 'cancelled' } });
    const weights = await ensign(
      ['schedule', 'create', 'checkout', '--set', 'shop', '--at', at, '--action', 'weights'],
      { env },
    );
    expect(weights.code).toBe(64);
  });

  it('prints experiment results with fixed-horizon and always-valid p-values', async () => {
    const env = server.env('viewer');
    const results = await ensign(
      ['experiment', 'results', 'checkout', '--set', 'shop', '--metric', 'purchase', '--json'],
      { env },
    );
    expect(results.code).toBe(0);
    assertSchema('experiment-results', results.json());
    const text = await ensign(
      ['experiment', 'results', 'checkout', '--set', 'shop', '--metric', 'purchase'],
      { env },
    );
    expect(text.stdout).toContain('p always-valid');
    expect(overWide(text.stdout)).toEqual([]);
  });
});

describe('ensign rollout run', () => {
  it('makes one pass over the stores of a stopped serve --data DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensign-rollout-run-'));
    try {
      const store = new MemoryFlagStore({ file: join(dir, 'flags.json') });
      await store.replaceFlagSet('shop', shop, { actor: 'seed' });
      const state = new MemoryServerState({ file: join(dir, 'state.json') });
      const { startRollout } = await import('@ensign/rollouts');
      await startRollout(
        { store, state },
        'shop',
        {
          flagKey: 'checkout',
          release: 'on',
          replace: 'off',
          stages: [{ percent: 20 }, { percent: 100 }],
          guardrails: [],
        },
        { actor: 'test' },
      );
      await store.close();
      await state.close();
      const run = await ensign(['rollout', 'run', '--store', `memory:${dir}`, '--once', '--json']);
      expect(run.code, run.stderr).toBe(0);
      assertSchema('rollout-run', run.json());
      expect(run.json()).toMatchObject({ leader: true, plans: 1 });
      expect(run.stderr).toMatch(/shop\/checkout rollout checkout: stage-advanced \(20%\)/);
      const after = new MemoryFlagStore({ file: join(dir, 'flags.json') });
      expect(rolloutWeightsOf((await after.load('shop')).document.flags.checkout!)).toEqual({
        on: 2000,
        off: 8000,
      });
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
