/**
 * One tick's work on one plan, for the controller that holds the lease with token `token`:
 * claim the record, finish a recorded write, look at the guardrails, decide, record the
 * decision, write the flag, confirm (see `controller.ts` for the protocol). Every record write is
 * compare-and-set; a record holding a larger token than ours raises {@link SupersededError}.
 */
import type { FlagDefinition } from '@ensign/core';
import {
  type CounterSource,
  METRIC_RECORDS,
  metricsNamespace,
  parseEventsRecord,
  parseUnitRecord,
} from '@ensign/hooks';
import {
  FlagConflictError,
  type FlagSetSnapshot,
  type FlagStore,
  IntentError,
  MissingFlagError,
  flagEtag,
} from '@ensign/store';
import { PLAN_METADATA } from '../plan/split.js';
import { type RolloutState, rolloutsNamespace } from '../state/contract.js';
import {
  type PendingWrite,
  type RolloutEvent,
  type RolloutRecord,
  controllerActor,
  withEvent,
} from '../state/record.js';
import { type Decision, decide } from './decide.js';
import { intendedEtag, writePending } from './flag-writes.js';
import { lookAtGuardrails } from './guardrails.js';

/** What a notification says happened. */
export type NotificationType = 'stage-advanced' | 'completed' | 'rolled-back' | 'killed' | 'paused';

/** Raised when a record shows that another controller holds a larger token. */
export class SupersededError extends Error {
  override name = 'SupersededError';
}

/** A stage decided before an abort must not be written after it. */
class AbortedError extends Error {}

/** What a runner works with. */
export interface PlanRunnerDeps {
  readonly store: FlagStore;
  readonly state: RolloutState;
  /** Where the metric aggregates are read. */
  readonly metrics: CounterSource;
  readonly now: () => number;
  /** The fencing token of the lease held. */
  readonly token: number;
  /** The set as stored (cached by version). */
  snapshot(flagSet: string): Promise<FlagSetSnapshot>;
  notify(record: RolloutRecord, type: NotificationType, reason: string, flagVersion?: number): void;
}

/** Runs plans for one tick. */
export class PlanRunner {
  private readonly store: FlagStore;
  private readonly state: RolloutState;
  private readonly now: () => number;
  private readonly token: number;

  constructor(private readonly deps: PlanRunnerDeps) {
    this.store = deps.store;
    this.state = deps.state;
    this.now = deps.now;
    this.token = deps.token;
  }

  /** Compare-and-set of a record; a record holding a larger token means this controller was superseded. */
  private async save(
    flagSet: string,
    id: string,
    version: number,
    record: RolloutRecord,
  ): Promise<number | undefined> {
    const written = await this.state.put(
      rolloutsNamespace(flagSet),
      id,
      { ...record, updatedAt: this.now() },
      {
        expectedVersion: version,
      },
    );
    if (written === undefined) {
      const now = await this.state.get<RolloutRecord>(rolloutsNamespace(flagSet), id);
      if (now !== undefined && now.value.fence > this.token)
        throw new SupersededError(
          `rollout "${id}" was moved on by a controller with fencing token ${now.value.fence}`,
        );
    }
    return written;
  }

  /** One look at one plan. */
  async process(flagSet: string, id: string, initial: RolloutRecord, initialVersion: number): Promise<void> {
    const token = this.token;
    let record = initial;
    let version = initialVersion;
    if (record.fence > token)
      throw new SupersededError(
        `rollout "${id}" holds fencing token ${record.fence}, above this controller's ${token}`,
      );
    if (record.fence < token) {
      // The claim: from here on, a controller with a smaller token finds the record changed.
      const claimed = await this.save(flagSet, id, version, { ...record, fence: token });
      if (claimed === undefined) return; // changed meanwhile (a person): next tick
      version = claimed;
      record = { ...record, fence: token };
    }
    if (record.pending !== undefined) {
      const resolved = await this.resolvePending(flagSet, id, record, version);
      if (resolved === undefined) return;
      ({ record, version } = resolved);
    }
    if (record.status === 'aborted') {
      await this.releaseAborted(flagSet, id, record, version);
      return;
    }
    if (record.status !== 'running') return;
    const snapshot = await this.deps.snapshot(flagSet);
    const flags = snapshot.document.flags as Record<string, FlagDefinition | undefined>;
    const flag = Object.hasOwn(flags, record.spec.flagKey) ? flags[record.spec.flagKey] : undefined;
    const etag = flagEtag(flag);
    if (etag !== record.expectedEtag) {
      await this.pauseOnEdit(flagSet, id, record, version);
      return;
    }
    const ns = metricsNamespace(flagSet);
    const [unitRecords, events] = await Promise.all([
      Promise.all(
        record.cohorts.map(async (c) =>
          parseUnitRecord(
            await this.deps.metrics.counters(ns, METRIC_RECORDS.units(record.spec.flagKey, c.cohort)),
          ),
        ),
      ),
      this.deps.metrics.counters(ns, METRIC_RECORDS.events).then(parseEventsRecord),
    ]);
    const now = this.now();
    const look = lookAtGuardrails(record, unitRecords, events);
    const decision = decide(record, look, now);
    const updated: RolloutRecord = {
      ...record,
      rho: look.rho,
      maxEvidence: look.maxEvidence,
      lastReport: { at: now, guardrails: look.reports },
    };
    if (decision.kind === 'hold') {
      await this.save(flagSet, id, version, { ...updated, reason: decision.reason });
      return;
    }
    if (decision.kind === 'pause') {
      const paused: RolloutRecord = {
        ...updated,
        status: 'paused',
        reason: decision.reason,
        events: withEvent(updated, this.event('paused', record, decision.reason)),
      };
      if ((await this.save(flagSet, id, version, paused)) !== undefined)
        this.deps.notify(paused, 'paused', decision.reason);
      return;
    }
    const pending = this.pendingOf(record, decision, etag, token, now, flag!);
    const recorded = await this.save(flagSet, id, version, { ...updated, pending });
    if (recorded === undefined) return;
    await this.resolvePending(flagSet, id, { ...updated, pending }, recorded);
  }

  private event(
    action: RolloutEvent['action'],
    record: RolloutRecord,
    detail: string,
    flagVersion?: number,
  ): RolloutEvent {
    return {
      at: this.now(),
      actor: controllerActor(record.spec.id),
      action,
      detail,
      ...(flagVersion !== undefined && { flagVersion }),
    };
  }

  private pendingOf(
    record: RolloutRecord,
    decision: Exclude<Decision, { kind: 'hold' | 'pause' }>,
    fromEtag: string,
    token: number,
    now: number,
    flag: FlagDefinition,
  ): PendingWrite {
    const base = {
      kind: decision.kind,
      stage: decision.kind === 'harm' ? Math.max(0, record.stage) : decision.stage,
      fromEtag,
      reason: decision.reason,
      decidedAt: now,
      fence: token,
      ...(decision.kind === 'stage' && { cohort: `${record.spec.id}.${record.step + 1}` }),
    } satisfies Omit<PendingWrite, 'toEtag'>;
    return { ...base, toEtag: intendedEtag(record, base, flag) };
  }

  /**
   * Makes (or recognises as made) the recorded write, then records its outcome; resolves the
   * record as it then is, or `undefined` when it changed under this controller.
   */
  private async resolvePending(
    flagSet: string,
    id: string,
    record: RolloutRecord,
    version: number,
  ): Promise<{ record: RolloutRecord; version: number } | undefined> {
    const pending = record.pending;
    if (pending === undefined) return { record, version };
    let written: { version?: number; etag: string };
    try {
      if (record.status === 'aborted' && pending.kind !== 'harm') throw new AbortedError();
      written = await writePending(this.store, record, pending);
    } catch (error) {
      if (error instanceof AbortedError) {
        // The abort wins over a stage decided before it; the abort itself released the flag.
        const cleared: RolloutRecord = { ...record, pending: undefined };
        const saved = await this.save(flagSet, id, version, cleared);
        return saved === undefined ? undefined : { record: cleared, version: saved };
      }
      if (error instanceof FlagConflictError && error.actualEtag === pending.toEtag) {
        written = { etag: error.actualEtag }; // made by the controller that recorded it
      } else if (
        error instanceof FlagConflictError ||
        error instanceof MissingFlagError ||
        error instanceof IntentError
      ) {
        await this.pauseOnEdit(flagSet, id, { ...record, pending: undefined }, version, error);
        return undefined;
      } else {
        throw error;
      }
    }
    const finished = this.finish(record, pending, written.etag, written.version);
    const saved = await this.save(flagSet, id, version, finished.record);
    if (saved === undefined) {
      // A person paused or aborted meanwhile: the write stands; record it on top of their change.
      const latest = await this.state.get<RolloutRecord>(rolloutsNamespace(flagSet), id);
      if (latest === undefined || latest.value.pending === undefined) return undefined;
      const merged = this.finish(latest.value, pending, written.etag, written.version).record;
      const again = await this.save(flagSet, id, latest.version, {
        ...merged,
        status: latest.value.status === 'running' ? merged.status : latest.value.status,
      });
      return again === undefined ? undefined : { record: merged, version: again };
    }
    this.deps.notify(finished.record, finished.notification, pending.reason, written.version);
    return { record: finished.record, version: saved };
  }

  private finish(
    record: RolloutRecord,
    pending: PendingWrite,
    etag: string,
    flagVersion: number | undefined,
  ): { record: RolloutRecord; notification: NotificationType } {
    const now = this.now();
    const base = { ...record, pending: undefined, expectedEtag: etag, reapply: false };
    if (pending.kind === 'stage') {
      const next: RolloutRecord = {
        ...base,
        stage: pending.stage,
        stageStartedAt: now,
        step: record.step + 1,
        cohorts: [
          ...record.cohorts,
          {
            cohort: pending.cohort!,
            stage: pending.stage,
            percent: record.spec.stages[pending.stage]!.percent,
            startedAt: now,
          },
        ],
        reason: pending.reason,
      };
      return {
        record: { ...next, events: withEvent(next, this.event('stage', next, pending.reason, flagVersion)) },
        notification: 'stage-advanced',
      };
    }
    if (pending.kind === 'complete') {
      const done: RolloutRecord = {
        ...base,
        status: 'completed',
        stage: pending.stage,
        stageStartedAt: now,
        reason: pending.reason,
      };
      return {
        record: {
          ...done,
          events: withEvent(done, this.event('completed', done, pending.reason, flagVersion)),
        },
        notification: 'completed',
      };
    }
    const killed = record.spec.onHarm === 'kill';
    const back: RolloutRecord = { ...base, status: 'rolled-back', reason: pending.reason };
    return {
      record: {
        ...back,
        events: withEvent(
          back,
          this.event(killed ? 'killed' : 'rolled-back', back, pending.reason, flagVersion),
        ),
      },
      notification: killed ? 'killed' : 'rolled-back',
    };
  }

  /** Someone else changed (or removed) the flag: pause, and leave their change as it is. */
  private async pauseOnEdit(
    flagSet: string,
    id: string,
    record: RolloutRecord,
    version: number,
    cause?: unknown,
  ): Promise<void> {
    const [entry] = await this.store
      .history(flagSet, { flagKey: record.spec.flagKey, limit: 1 })
      .catch(() => []);
    const who =
      entry === undefined
        ? ''
        : ` by ${entry.actor} at version ${entry.version}${entry.reason ? ` (${entry.reason})` : ''}`;
    const what =
      cause instanceof MissingFlagError
        ? `flag "${record.spec.flagKey}" was deleted${who}`
        : cause instanceof IntentError
          ? `flag "${record.spec.flagKey}" no longer fits the plan${who}: ${cause.message}`
          : `flag "${record.spec.flagKey}" was changed${who}`;
    const reason = `${what}; the rollout is paused instead of overwriting it (resume to apply stage ${Math.max(0, record.stage) + 1} again)`;
    const cohorts = record.cohorts.map((c, i) =>
      i === record.cohorts.length - 1 ? { ...c, contaminated: true } : c,
    );
    const paused: RolloutRecord = {
      ...record,
      status: 'paused',
      pending: undefined,
      cohorts,
      reason,
      events: withEvent(record, {
        ...this.event('conflict', record, reason),
        ...(entry && { flagVersion: entry.version }),
      }),
    };
    if ((await this.save(flagSet, id, version, paused)) !== undefined)
      this.deps.notify(paused, 'paused', reason);
  }

  /**
   * An aborted plan must not leave its marks (or its traffic) on the flag: if a controller
   * write raced the abort, release the flag now, as an audited write of its own.
   */
  private async releaseAborted(
    flagSet: string,
    id: string,
    record: RolloutRecord,
    version: number,
  ): Promise<void> {
    const snapshot = await this.store.load(flagSet);
    const flags = snapshot.document.flags as Record<string, FlagDefinition | undefined>;
    const flag = Object.hasOwn(flags, record.spec.flagKey) ? flags[record.spec.flagKey] : undefined;
    if (flag !== undefined && flag.metadata?.[PLAN_METADATA] === record.spec.id) {
      const pending = {
        kind: 'harm' as const,
        stage: Math.max(0, record.stage),
        fromEtag: flagEtag(flag),
        reason: `rollout ${record.spec.id} was aborted: releasing the flag`,
        decidedAt: this.now(),
        fence: this.token,
      };
      try {
        await writePending(this.store, { ...record, spec: { ...record.spec, onHarm: 'rollback' } }, pending);
      } catch (error) {
        if (!(error instanceof FlagConflictError)) throw error;
        return; // changed meanwhile: looked at again next tick
      }
    }
    await this.save(flagSet, id, version, { ...record, flagReleased: true });
  }
}
