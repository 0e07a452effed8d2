/**
 * What people do to rollouts and schedules (start, pause, resume, abort, status; schedule,
 * cancel), shared by the admin API and the CLI. Each is a compare-and-set write of the record
 * with a history entry naming the actor; none moves traffic up: only the controller's audited
 * writes do. An abort moves it down at once, itself (the released variant back to its share
 * before the plan), so it works with no controller running.
 */
import type { FlagDefinition } from '@ensign/core';
import { type CounterSource, METRIC_RECORDS, metricsNamespace, parseEventsRecord } from '@ensign/hooks';
import { type FlagStore, flagEtag, rolloutWeightsOf, updateFlag, withRolloutWeights } from '@ensign/store';
import { RolloutError } from './errors.js';
import { parsePlanSpec } from './plan/spec.js';
import {
  PLAN_METADATA,
  type Weights,
  checkPlanAgainstFlag,
  releasedPercent,
  stageWeights,
  withPlanMarks,
} from './plan/split.js';
import { type RolloutState, indexFlagSet, rolloutsNamespace } from './state/contract.js';
import { type RolloutRecord, type RolloutStatus, isTerminal, withEvent } from './state/record.js';

/** Where rollouts live and who acts. */
export interface RolloutContext {
  readonly store: FlagStore;
  readonly state: RolloutState;
  /**
   * Where the metric aggregates are read, when not in `state` (e.g. a `RedisServerState` with a
   * prefix of its own for the metrics). @default state
   */
  readonly metrics?: CounterSource;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Who asks, and why. */
export interface Requester {
  /** Recorded in the history (and in the audit log for an abort's write). */
  readonly actor: string;
  readonly reason?: string;
  /** Compare-and-set on the plan's version (the API's `If-Match: "r<version>"`). */
  readonly expectedVersion?: number;
}

/** A plan with its version and the flag as it is now. */
export interface RolloutView {
  readonly record: RolloutRecord;
  /** The record's compare-and-set version. */
  readonly version: number;
  /** The flag now: its split and the released share; `null` when it is gone. */
  readonly live: {
    readonly weights: Weights | null;
    readonly releasedPercent: number | null;
    /** Whether the flag is as the plan last left it (else a person changed it). */
    readonly asPlanned: boolean;
  } | null;
}

/** One flag of a set as stored (`undefined` when absent). */
export async function loadFlag(
  store: FlagStore,
  flagSet: string,
  flagKey: string,
): Promise<FlagDefinition | undefined> {
  const snapshot = await store.load(flagSet);
  const flags = snapshot.document.flags as Record<string, FlagDefinition | undefined>;
  return Object.hasOwn(flags, flagKey) ? flags[flagKey] : undefined;
}

function notFound(flagSet: string, id: string): RolloutError {
  return new RolloutError('not-found', flagSet, `flag set "${flagSet}" has no rollout "${id}"`);
}

/**
 * Starts a rollout: checks the plan and the flag, stores the plan as `running` at no stage yet.
 * The controller makes the first write (stage 1) at its next tick.
 * @throws {RolloutError} every refusal (invalid plan, flag, variants, split, a plan already running).
 */
export async function startRollout(
  context: RolloutContext,
  flagSet: string,
  plan: unknown,
  requester: Requester,
): Promise<RolloutView> {
  const now = (context.now ?? Date.now)();
  const spec = parsePlanSpec(flagSet, plan);
  const flag = await loadFlag(context.store, flagSet, spec.flagKey);
  const weights = checkPlanAgainstFlag(flagSet, spec, flag);
  const owner = flag!.metadata?.[PLAN_METADATA];
  const namespace = rolloutsNamespace(flagSet);
  const existing = await context.state.list<RolloutRecord>(namespace);
  const active = [...existing.values()].find(
    (doc) => doc.value.spec.flagKey === spec.flagKey && !isTerminal(doc.value.status),
  );
  if (active !== undefined || (typeof owner === 'string' && owner !== '' && owner !== spec.id)) {
    const name = active?.value.spec.id ?? String(owner);
    throw new RolloutError(
      'rollout-exists',
      flagSet,
      `flag "${spec.flagKey}" is already under rollout "${name}": abort it first (ensign rollout abort ${spec.flagKey})`,
    );
  }
  const previous = existing.get(spec.id);
  const events = parseEventsRecord(
    await (context.metrics ?? context.state).counters(metricsNamespace(flagSet), METRIC_RECORDS.events),
  );
  const etag = flagEtag(flag);
  const record: RolloutRecord = {
    flagSet,
    spec,
    status: 'running',
    stage: -1,
    step: 0,
    cohorts: [],
    baseline: { weights, etag },
    expectedEtag: etag,
    fence: 0,
    rho: {},
    maxEvidence: {},
    eventsAtStart: Object.fromEntries(spec.guardrails.map((g) => [g.metric, events.get(g.metric) ?? 0])),
    reason: 'waiting for the controller to apply stage 1',
    createdAt: now,
    createdBy: requester.actor,
    updatedAt: now,
    events: [
      {
        at: now,
        actor: requester.actor,
        action: 'created',
        detail: `${spec.release} replaces ${spec.replace} in ${spec.stages.map((s) => `${s.percent}%`).join(' → ')}${requester.reason ? `: ${requester.reason}` : ''}`,
      },
    ],
  };
  const version = await context.state.put(namespace, spec.id, record, {
    expectedVersion: previous?.version ?? 0,
  });
  if (version === undefined)
    throw new RolloutError(
      'rollout-exists',
      flagSet,
      `a rollout "${spec.id}" was created meanwhile in flag set "${flagSet}"`,
    );
  await indexFlagSet(context.state, flagSet);
  return { record, version, live: liveOf(record, flag) };
}

function liveOf(record: RolloutRecord, flag: FlagDefinition | undefined): RolloutView['live'] {
  if (flag === undefined) return null;
  const weights = rolloutWeightsOf(flag) ?? null;
  return {
    weights,
    releasedPercent:
      weights === null ? null : releasedPercent(weights, record.spec.release, record.spec.replace),
    asPlanned: flagEtag(flag) === record.expectedEtag,
  };
}

/** One rollout with the flag as it is now. */
export async function getRollout(context: RolloutContext, flagSet: string, id: string): Promise<RolloutView> {
  const doc = await context.state.get<RolloutRecord>(rolloutsNamespace(flagSet), id);
  if (doc === undefined) throw notFound(flagSet, id);
  return {
    record: doc.value,
    version: doc.version,
    live: liveOf(doc.value, await loadFlag(context.store, flagSet, doc.value.spec.flagKey)),
  };
}

/** Every rollout of a set (newest first), optionally of one flag. */
export async function listRollouts(
  context: RolloutContext,
  flagSet: string,
  flagKey?: string,
): Promise<{ record: RolloutRecord; version: number }[]> {
  const docs = await context.state.list<RolloutRecord>(rolloutsNamespace(flagSet));
  return [...docs.values()]
    .filter((doc) => flagKey === undefined || doc.value.spec.flagKey === flagKey)
    .map((doc) => ({ record: doc.value, version: doc.version }))
    .sort((a, b) => b.record.createdAt - a.record.createdAt);
}

/** The plan of a flag people mean by `ensign rollout … FLAG`: its active plan, else its newest. */
export async function rolloutOfFlag(
  context: RolloutContext,
  flagSet: string,
  flagKey: string,
): Promise<string> {
  const plans = await listRollouts(context, flagSet, flagKey);
  const chosen = plans.find((p) => !isTerminal(p.record.status)) ?? plans[0];
  if (chosen === undefined)
    throw new RolloutError('not-found', flagSet, `flag "${flagKey}" of flag set "${flagSet}" has no rollout`);
  return chosen.record.spec.id;
}

async function transition(
  context: RolloutContext,
  flagSet: string,
  id: string,
  requester: Requester,
  from: readonly RolloutStatus[],
  change: (record: RolloutRecord, now: number) => Promise<RolloutRecord> | RolloutRecord,
): Promise<RolloutView> {
  const namespace = rolloutsNamespace(flagSet);
  const doc = await context.state.get<RolloutRecord>(namespace, id);
  if (doc === undefined) throw notFound(flagSet, id);
  if (requester.expectedVersion !== undefined && requester.expectedVersion !== doc.version)
    throw new RolloutError(
      'conflict',
      flagSet,
      `rollout "${id}" changed since it was read (version ${doc.version}, not ${requester.expectedVersion}): read it again`,
    );
  if (!from.includes(doc.value.status))
    throw new RolloutError(
      'wrong-status',
      flagSet,
      `rollout "${id}" is ${doc.value.status}: this needs it ${from.join(' or ')}`,
    );
  const now = (context.now ?? Date.now)();
  const next = await change(doc.value, now);
  const version = await context.state.put(
    namespace,
    id,
    { ...next, updatedAt: now },
    { expectedVersion: doc.version },
  );
  if (version === undefined)
    throw new RolloutError(
      'conflict',
      flagSet,
      `rollout "${id}" changed while this request was handled: try again`,
    );
  return {
    record: next,
    version,
    live: liveOf(next, await loadFlag(context.store, flagSet, next.spec.flagKey)),
  };
}

const suffix = (reason: string | undefined) => (reason ? `: ${reason}` : '');

/**
 * Edits a plan that has not ended: before its first step anything but the flag and the two
 * variants; after it, only the stages still to come, `onHarm` and `onInconclusive` (the tests'
 * α, guardrails and minimum sample are what their guarantee was computed for: abort and start a
 * new plan to change them).
 * @throws {RolloutError} `invalid-plan` naming each field that may not change.
 */
export function editRollout(
  context: RolloutContext,
  flagSet: string,
  id: string,
  plan: unknown,
  requester: Requester,
): Promise<RolloutView> {
  return transition(context, flagSet, id, requester, ['running', 'paused'], (record, now) => {
    const spec = parsePlanSpec(flagSet, { ...(plan as Record<string, unknown>), id });
    const old = record.spec;
    const problems: { pointer: string; message: string }[] = [];
    for (const field of ['flagKey', 'release', 'replace'] as const)
      if (spec[field] !== old[field])
        problems.push({ pointer: `/${field}`, message: 'cannot change: start a new plan' });
    if (record.stage >= 0) {
      for (const field of ['alpha', 'guardrails', 'minUnitsForTests'] as const)
        if (JSON.stringify(spec[field]) !== JSON.stringify(old[field]))
          problems.push({
            pointer: `/${field}`,
            message:
              'cannot change once the rollout has started: its tests were computed for it (abort, and start a new plan)',
          });
      for (let i = 0; i <= record.stage; i++)
        if (JSON.stringify(spec.stages[i]) !== JSON.stringify(old.stages[i]))
          problems.push({
            pointer: `/stages/${i}`,
            message: 'has already run: only the stages still to come can change',
          });
    }
    if (problems.length > 0)
      throw new RolloutError(
        'invalid-plan',
        flagSet,
        `rollout "${id}" cannot be edited that way: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`,
        problems,
      );
    const detail = `plan edited by ${requester.actor}: ${spec.stages.map((s) => `${s.percent}%`).join(' → ')}; on harm ${spec.onHarm}; inconclusive: ${spec.onInconclusive}${suffix(requester.reason)}`;
    return {
      ...record,
      spec,
      events: withEvent(record, { at: now, actor: requester.actor, action: 'edited', detail }),
    };
  });
}

/** Pauses a running rollout: traffic holds where it is. */
export function pauseRollout(
  context: RolloutContext,
  flagSet: string,
  id: string,
  requester: Requester,
): Promise<RolloutView> {
  return transition(context, flagSet, id, requester, ['running'], (record, now) => {
    const reason = `paused by ${requester.actor}${suffix(requester.reason)}`;
    return {
      ...record,
      status: 'paused',
      reason,
      events: withEvent(record, { at: now, actor: requester.actor, action: 'paused', detail: reason }),
    };
  });
}

/**
 * Resumes a paused rollout: the controller writes the current stage again (a new cohort), on
 * top of the flag as it is now (a person's edit that paused it is overwritten only by this
 * explicit resume). The flag must still fit the plan.
 */
export function resumeRollout(
  context: RolloutContext,
  flagSet: string,
  id: string,
  requester: Requester,
): Promise<RolloutView> {
  return transition(context, flagSet, id, requester, ['paused'], async (record, now) => {
    const flag = await loadFlag(context.store, flagSet, record.spec.flagKey);
    checkPlanAgainstFlag(flagSet, record.spec, flag);
    const reason = `resumed by ${requester.actor}${suffix(requester.reason)}`;
    return {
      ...record,
      status: 'running',
      reapply: record.stage >= 0,
      expectedEtag: flagEtag(flag),
      reason,
      events: withEvent(record, { at: now, actor: requester.actor, action: 'resumed', detail: reason }),
    };
  });
}

/**
 * Aborts a rollout: marked aborted first (so no controller advances it), then the released
 * variant goes back to its share before the plan and the plan's marks leave the flag, in one
 * audited write by the requester. Works without a controller.
 */
export async function abortRollout(
  context: RolloutContext,
  flagSet: string,
  id: string,
  requester: Requester,
): Promise<RolloutView> {
  const view = await transition(context, flagSet, id, requester, ['running', 'paused'], (record, now) => {
    const reason = `aborted by ${requester.actor}${suffix(requester.reason)}`;
    return {
      ...record,
      status: 'aborted',
      flagReleased: false,
      reason,
      events: withEvent(record, { at: now, actor: requester.actor, action: 'aborted', detail: reason }),
    };
  });
  const { spec, baseline } = view.record;
  const flag = await loadFlag(context.store, flagSet, spec.flagKey);
  if (flag !== undefined && rolloutWeightsOf(flag) !== undefined) {
    const percent = releasedPercent(baseline.weights, spec.release, spec.replace);
    await updateFlag(
      context.store,
      flagSet,
      spec.flagKey,
      { actor: requester.actor, reason: `abort rollout ${spec.id}${suffix(requester.reason)}` },
      (current) => {
        const weights = rolloutWeightsOf(current);
        if (weights === undefined) return { next: withPlanMarks(current, undefined), detail: undefined };
        const back = withRolloutWeights(
          flagSet,
          spec.flagKey,
          current,
          stageWeights(weights, spec.release, spec.replace, percent),
        );
        return { next: withPlanMarks(back, undefined), detail: undefined };
      },
    );
  }
  return getRollout(context, flagSet, id);
}
