/**
 * The real `RolloutController` over `MemoryFlagStore` and `MemoryServerState` on an injected
 * clock: stages as audited compare-and-set writes, bucketing stability, automatic rollback and
 * kill, a person's edit pausing the plan, the lease and fencing between controllers, a
 * controller that dies mid-step, a controller that was down, bad plans refused with nothing
 * written, a metric nobody emits, aborts, and scheduled changes.
 */
import { compileFlagSet } from '@ensign/core';
import {
  RolloutError,
  type RolloutRecord,
  abortRollout,
  cancelSchedule,
  createSchedule,
  getRollout,
  listSchedules,
  pauseRollout,
  resumeRollout,
  rolloutsNamespace,
  startRollout,
} from '@ensign/rollouts';
import { type FlagStore, rolloutWeightsOf, setRolloutWeights } from '@ensign/store';
import { describe, expect, it } from 'vitest';
import { FLAG, MINUTE, RolloutWorld, SET, plan, splitFlag } from './support/rollout-world.js';

const healthy = { on: { error: 0.01 }, off: { error: 0.01 } };
const broken = { on: { error: 0.06 }, off: { error: 0.01 } };
const requester = { actor: 'alice (tok_1)' };

/** Ticks `controller` every simulated minute with `units` of traffic before each tick. */
async function run(
  world: RolloutWorld,
  controller: { tick(): Promise<unknown> },
  minutes: number,
  units = 400,
  rates = healthy,
) {
  for (let i = 0; i < minutes; i++) {
    await world.traffic(units, rates);
    await controller.tick();
    world.now += MINUTE;
  }
}

async function record(world: RolloutWorld, id = 'checkout-v2'): Promise<RolloutRecord> {
  return (await getRollout({ store: world.store, state: world.state }, SET, id)).record;
}

describe('RolloutController', () => {
  it('advances stage by stage through audited writes, keeps users in their variant, and completes', async () => {
    const world = new RolloutWorld(1);
    const context = { store: world.store, state: world.state, now: world.clock };
    await startRollout(context, SET, plan(), requester);
    // Nothing moves until a controller acts.
    expect(rolloutWeightsOf(await world.flag())).toEqual({ on: 0, off: 100 });
    const controller = world.controller('ctl-a');
    await controller.tick();
    const first = await world.flag();
    expect(rolloutWeightsOf(first)).toEqual({ on: 500, off: 9500 });
    expect(first.metadata).toMatchObject({ rolloutPlan: 'checkout-v2', metricsCohort: 'checkout-v2.1' });
    // Users with `on` at 5% keep it at every later stage.
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const served = async () => {
      const compiled = compileFlagSet((await world.store.load(SET)).document);
      return users.map((u) => compiled.evaluate(FLAG, 'boolean', false, { targetingKey: u }).variant);
    };
    const atFive = await served();
    await run(world, controller, 45);
    expect((await record(world)).stage).toBe(1);
    const atTwentyFive = await served();
    atFive.forEach((variant, i) => {
      if (variant === 'on') expect(atTwentyFive[i]).toBe('on');
    });
    expect(atTwentyFive.filter((v) => v === 'on').length / users.length).toBeCloseTo(0.25, 1);
    await run(world, controller, 80);
    const done = await record(world);
    expect(done.status).toBe('completed');
    const final = await world.flag();
    expect(rolloutWeightsOf(final)).toEqual({ on: 10_000, off: 0 });
    expect(final.metadata?.rolloutPlan).toBeUndefined();
    const writes = await world.writesBy('rollout:checkout-v2');
    expect(writes.map((w) => w.operation)).toEqual(['put', 'put', 'put', 'put']);
    expect(writes[1]!.reason).toMatch(/stage 1\/4 \(5%\) → 25%: no harm .*error [+-]\d/);
    expect(world.events.map((e) => e.type)).toEqual([
      'stage-advanced',
      'stage-advanced',
      'stage-advanced',
      'completed',
    ]);
  });

  it('rolls back a true regression with the metric and figures in the audit reason', async () => {
    const world = new RolloutWorld(2);
    await startRollout({ store: world.store, state: world.state }, SET, plan(), requester);
    const controller = world.controller('ctl-a');
    await run(world, controller, 60, 400, broken);
    const rolled = await record(world);
    expect(rolled.status).toBe('rolled-back');
    const flag = await world.flag();
    expect(rolloutWeightsOf(flag)).toEqual({ on: 0, off: 10_000 });
    expect(flag.metadata?.rolloutPlan).toBeUndefined();
    const last = (await world.writesBy('rollout:checkout-v2')).at(-1)!;
    expect(last.reason).toMatch(
      /^error: the anytime-valid test shows harm .* at stage 1\/4 \(5%\): error \+\d/,
    );
    expect(world.events.at(-1)).toMatchObject({ type: 'rolled-back', flagKey: FLAG, percent: 0 });
  });

  it('flips the kill switch on harm when the plan says so', async () => {
    const world = new RolloutWorld(3);
    await startRollout({ store: world.store, state: world.state }, SET, plan({ onHarm: 'kill' }), requester);
    await run(world, world.controller('ctl-a'), 60, 400, broken);
    const flag = await world.flag();
    expect(flag.state).toBe('DISABLED');
    expect(flag.metadata).toMatchObject({ killedBy: 'rollout:checkout-v2', killMode: 'disabled' });
    expect((await record(world)).events.at(-1)!.action).toBe('killed');
  });

  it('pauses when a person edits the flag, never overwrites the edit, and resumes as a new cohort', async () => {
    const world = new RolloutWorld(4);
    const context = { store: world.store, state: world.state, now: world.clock };
    await startRollout(context, SET, plan(), requester);
    const controller = world.controller('ctl-a');
    await run(world, controller, 5);
    await setRolloutWeights(world.store, SET, FLAG, { on: 0, off: 100 }, { actor: 'bob', reason: 'INC-7' });
    await run(world, controller, 3);
    const paused = await record(world);
    expect(paused.status).toBe('paused');
    expect(paused.reason).toMatch(
      /changed by bob at version \d+ \(INC-7\); the rollout is paused instead of overwriting/,
    );
    expect(paused.cohorts.at(-1)!.contaminated).toBe(true);
    expect(rolloutWeightsOf(await world.flag())).toEqual({ on: 0, off: 100 });
    expect(world.events.at(-1)!.type).toBe('paused');
    await resumeRollout(context, SET, 'checkout-v2', { actor: 'bob' });
    await controller.tick();
    const resumed = await record(world);
    expect(resumed.status).toBe('running');
    expect(resumed.cohorts.map((c) => c.cohort)).toEqual(['checkout-v2.1', 'checkout-v2.2']);
    expect((await world.flag()).metadata?.metricsCohort).toBe('checkout-v2.2');
    expect(rolloutWeightsOf(await world.flag())).toEqual({ on: 500, off: 9500 });
  });

  it('lets exactly one of two controllers act, and fences off the one that lost its lease mid-step', async () => {
    const world = new RolloutWorld(5);
    await startRollout({ store: world.store, state: world.state }, SET, plan(), requester);
    // Controller A's store holds its flag write until released: A "pauses" mid-step.
    const gate = new Gate(world.store);
    const a = world.controller('ctl-a', { store: gate.store });
    const b = world.controller('ctl-b');
    const stalled = a.tick();
    await gate.reached;
    expect((await b.tick()).leader).toBe(false);
    world.now += 6 * MINUTE; // A's lease lapses while it is stuck
    const takeover = await b.tick();
    expect(takeover).toMatchObject({ leader: true });
    expect(takeover.token).toBeGreaterThan(a.fence!);
    expect(rolloutWeightsOf(await world.flag())).toEqual({ on: 500, off: 9500 }); // B redid A's recorded write
    gate.release();
    const late = await stalled;
    expect(late.leader).toBe(false); // A found a larger token and stood down
    const writes = await world.writesBy('rollout:checkout-v2');
    expect(writes).toHaveLength(1);
    expect((await record(world)).fence).toBe(takeover.token);
    // A, woken with its old token, cannot move the plan that B now owns.
    world.now += MINUTE;
    expect((await a.tick()).leader).toBe(false);
  });

  it('resumes after a controller dies between deciding and writing: the recorded step is made once', async () => {
    const world = new RolloutWorld(6);
    await startRollout({ store: world.store, state: world.state }, SET, plan(), requester);
    const gate = new Gate(world.store);
    void world.controller('ctl-dead', { store: gate.store }).tick();
    await gate.reached; // decided and recorded; the process dies before its write
    expect((await record(world)).pending).toMatchObject({ kind: 'stage', stage: 0 });
    world.now += 6 * MINUTE;
    const restarted = world.controller('ctl-restarted');
    await restarted.tick();
    const after = await record(world);
    expect(after.pending).toBeUndefined();
    expect(after.stage).toBe(0);
    expect(await world.writesBy('rollout:checkout-v2')).toHaveLength(1);
  });

  it('holds traffic while no controller runs, then moves one stage at a time', async () => {
    const world = new RolloutWorld(7);
    await startRollout({ store: world.store, state: world.state }, SET, plan(), requester);
    const controller = world.controller('ctl-a');
    await controller.tick();
    for (let hour = 0; hour < 72; hour++) {
      await world.traffic(2_000, healthy);
      world.now += 60 * MINUTE;
    }
    expect(rolloutWeightsOf(await world.flag())).toEqual({ on: 500, off: 9500 }); // unguarded: never advanced
    await controller.tick();
    expect((await record(world)).stage).toBe(1);
    await controller.tick();
    expect((await record(world)).stage).toBe(1); // the new stage starts its own clock
  });

  it('pauses with a reason when no event of a guardrail metric ever arrives, instead of waiting forever', async () => {
    const world = new RolloutWorld(8);
    await startRollout(
      { store: world.store, state: world.state },
      SET,
      plan({
        guardrails: [
          { metric: 'error', kind: 'proportion', direction: 'increase' },
          { metric: 'purchase', kind: 'proportion', direction: 'decrease' },
        ],
      }),
      requester,
    );
    await run(world, world.controller('ctl-a'), 40);
    const paused = await record(world);
    expect(paused.status).toBe('paused');
    expect(paused.reason).toMatch(/no "purchase" events reached the aggregates since the plan started/);
  });

  it('aborts without a controller: the released variant goes back and the marks leave the flag', async () => {
    const world = new RolloutWorld(9);
    const context = { store: world.store, state: world.state, now: world.clock };
    await startRollout(context, SET, plan(), requester);
    await run(world, world.controller('ctl-a'), 2);
    const view = await abortRollout(context, SET, 'checkout-v2', { actor: 'carol', reason: 'not today' });
    expect(view.record.status).toBe('aborted');
    const flag = await world.flag();
    expect(rolloutWeightsOf(flag)).toEqual({ on: 0, off: 10_000 });
    expect(flag.metadata?.rolloutPlan).toBeUndefined();
    const [entry] = await world.store.history(SET, { flagKey: FLAG, limit: 1 });
    expect(entry).toMatchObject({ actor: 'carol', reason: 'abort rollout checkout-v2: not today' });
    await expect(pauseRollout(context, SET, 'checkout-v2', requester)).rejects.toMatchObject({
      code: 'wrong-status',
    });
  });
});

describe('bad plans: clear errors, nothing written', () => {
  const cases: [string, Record<string, unknown>, RegExp, string][] = [
    ['variants that do not exist', plan({ release: 'v2' }), /has no variant "v2"/, 'unknown-variant'],
    [
      'stages that do not increase',
      plan({ stages: [{ percent: 25 }, { percent: 5 }] }),
      /\/stages\/1\/percent must be above the previous stage's 25%/,
      'invalid-plan',
    ],
    [
      'an unknown guardrail kind',
      plan({ guardrails: [{ metric: 'x', kind: 'median', direction: 'up' }] }),
      /\/guardrails\/0\/kind/,
      'invalid-plan',
    ],
    ['a flag that does not exist', plan({ flagKey: 'nope' }), /flag "nope" does not exist/, 'flag-not-found'],
  ];
  it.each(cases)('refuses %s', async (_name, body, message, code) => {
    const world = new RolloutWorld(10);
    const before = await world.store.version(SET);
    const error = await startRollout({ store: world.store, state: world.state }, SET, body, requester).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(RolloutError);
    expect(error).toMatchObject({ code });
    expect(error.message).toMatch(message);
    expect(await world.store.version(SET)).toBe(before);
    expect((await world.state.list(rolloutsNamespace(SET))).size).toBe(0);
  });

  it('refuses a flag that is not a fractional split, and variants that are not neighbours in it', async () => {
    const world = new RolloutWorld(11, {
      flags: {
        [FLAG]: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
        split3: splitFlag([
          ['on', 0],
          ['beta', 50],
          ['off', 50],
        ]),
      },
    });
    const context = { store: world.store, state: world.state };
    await expect(startRollout(context, SET, plan(), requester)).rejects.toMatchObject({
      code: 'not-a-split',
      message: expect.stringMatching(/is not a percentage split/),
    });
    await expect(
      startRollout(context, SET, plan({ flagKey: 'split3', id: 's3' }), requester),
    ).rejects.toMatchObject({
      code: 'not-adjacent',
    });
    expect(await world.store.version(SET)).toBe(1);
  });
});

describe('scheduled changes', () => {
  it('run once when due, as audited writes by schedule:<id>; late ones say how late; cancelled ones never', async () => {
    const world = new RolloutWorld(12);
    const context = { store: world.store, state: world.state, now: world.clock };
    const at = (minutes: number) => new Date(world.now + minutes * MINUTE).toISOString();
    await createSchedule(
      context,
      SET,
      {
        id: 'off-at-ten',
        flagKey: FLAG,
        at: at(60),
        action: { type: 'disable' },
        reason: 'launch window over',
      },
      requester,
    );
    await createSchedule(
      context,
      SET,
      { id: 'never', flagKey: FLAG, at: at(90), action: { type: 'kill' } },
      requester,
    );
    await cancelSchedule(context, SET, 'never', requester);
    const controller = world.controller('ctl-a');
    world.now += 59 * MINUTE;
    await controller.tick();
    expect((await world.flag()).state).toBe('ENABLED');
    world.now += 10 * MINUTE; // the controller was down when it came due
    await controller.tick();
    world.now += 60 * MINUTE;
    await controller.tick();
    expect((await world.flag()).state).toBe('DISABLED');
    const schedules = await listSchedules(context, SET);
    expect(schedules.map((s) => [s.record.id, s.record.status])).toEqual([
      ['off-at-ten', 'done'],
      ['never', 'cancelled'],
    ]);
    expect(schedules[0]!.record.result).toMatchObject({ changed: true, lateByMs: 9 * MINUTE });
    const writes = await world.writesBy('schedule:off-at-ten');
    expect(writes).toHaveLength(1);
    expect(writes[0]!.reason).toMatch(/^scheduled by alice \(tok_1\) for .*: launch window over$/);
    await expect(
      createSchedule(
        context,
        SET,
        { flagKey: FLAG, at: '2026-03-31 09:00', action: { type: 'enable' } },
        requester,
      ),
    ).rejects.toMatchObject({
      code: 'invalid-schedule',
      message: expect.stringMatching(/\/at must be a time with its offset/),
    });
  });
});

/** A store whose flag writes wait at a gate: a controller stuck (paused, partitioned) mid-step. */
class Gate {
  readonly store: FlagStore;
  readonly reached: Promise<void>;
  private arrived!: () => void;
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  constructor(inner: FlagStore) {
    this.reached = new Promise((resolve) => {
      this.arrived = resolve;
    });
    this.store = Object.assign(Object.create(inner) as FlagStore, {
      putFlag: async (...args: Parameters<FlagStore['putFlag']>) => {
        this.arrived();
        await this.opened;
        return inner.putFlag(...args);
      },
    });
  }

  release(): void {
    this.open();
  }
}
