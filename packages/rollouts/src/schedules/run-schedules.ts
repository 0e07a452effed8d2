/**
 * Executing due schedules, by the controller that holds the lease. Each schedule is taken up by
 * compare-and-set (`pending` → `running`, with the controller's fencing token), written, and
 * marked `done` by compare-and-set. A controller that dies between the write and the mark leaves
 * it `running`: the next one looks in the audit log for the schedule's own write (actor
 * `schedule:<id>`) and marks it done instead of writing twice; the intents are idempotent too
 * (enabling an enabled flag writes nothing).
 */
import {
  type FlagIntentResult,
  type FlagStore,
  IntentError,
  MissingFlagError,
  killFlag,
  restoreFlag,
  setRolloutWeights,
  updateFlag,
} from '@ensign/store';
import { type RolloutState, schedulesNamespace } from '../state/contract.js';
import { type ScheduleRecord, describeAction, scheduleActor } from './schedule.js';

/** Attempts before a schedule that keeps failing on the store's side is marked failed. */
export const MAX_SCHEDULE_ATTEMPTS = 5;

/** What {@link runDueSchedules} needs. */
export interface ScheduleRunContext {
  readonly store: FlagStore;
  readonly state: RolloutState;
  readonly flagSet: string;
  /** The lease's fencing token. */
  readonly token: number;
  readonly now: number;
  readonly logger: { warn(...args: unknown[]): void };
}

async function execute(store: FlagStore, record: ScheduleRecord): Promise<FlagIntentResult> {
  const options = {
    actor: scheduleActor(record.id),
    reason: `scheduled by ${record.createdBy} for ${new Date(record.at).toISOString()}${record.reason ? `: ${record.reason}` : ''}`,
  };
  const { flagSet, flagKey, action } = record;
  switch (action.type) {
    case 'kill':
      return killFlag(store, flagSet, flagKey, options);
    case 'restore':
      return restoreFlag(store, flagSet, flagKey, options);
    case 'weights':
      return setRolloutWeights(store, flagSet, flagKey, action.weights, options);
    default: {
      const state = action.type === 'enable' ? 'ENABLED' : 'DISABLED';
      return updateFlag(store, flagSet, flagKey, options, (flag) => ({
        next: flag.state === state ? undefined : { ...flag, state },
        detail: undefined,
      }));
    }
  }
}

/** Runs every due schedule of one set; resolves how many it finished (done or failed). */
export async function runDueSchedules(context: ScheduleRunContext): Promise<number> {
  const { store, state, flagSet, token, now } = context;
  const namespace = schedulesNamespace(flagSet);
  const due = [...(await state.list<ScheduleRecord>(namespace))]
    .filter(([, doc]) => {
      const r = doc.value;
      // A running one with a token up to ours: interrupted (a smaller token) or to be retried (ours).
      return (r.status === 'pending' && r.at <= now) || (r.status === 'running' && r.fence <= token);
    })
    .sort(([, a], [, b]) => a.value.at - b.value.at);
  let finished = 0;
  for (const [id, doc] of due) {
    const interrupted = doc.value.status === 'running';
    const taken: ScheduleRecord = {
      ...doc.value,
      status: 'running',
      fence: token,
      attempts: doc.value.attempts + 1,
    };
    const version = await state.put(namespace, id, taken, { expectedVersion: doc.version });
    if (version === undefined) continue; // cancelled or taken meanwhile
    let outcome: Pick<ScheduleRecord, 'status' | 'result' | 'error'>;
    try {
      const [made] = interrupted
        ? await store
            .history(flagSet, { flagKey: taken.flagKey, limit: 50 })
            .then((entries) => entries.filter((entry) => entry.actor === scheduleActor(id)))
        : [];
      const result = made
        ? { changed: true, version: made.version }
        : await execute(store, taken).then((r) => ({ changed: r.changed, version: r.version }));
      outcome = {
        status: 'done',
        result: {
          executedAt: now,
          lateByMs: Math.max(0, now - taken.at),
          changed: result.changed,
          ...(result.changed && { flagVersion: result.version }),
        },
      };
    } catch (error) {
      const refused = error instanceof IntentError || error instanceof MissingFlagError;
      if (!refused && taken.attempts < MAX_SCHEDULE_ATTEMPTS) {
        context.logger.warn(
          `schedule "${id}" of flag set "${flagSet}" (${describeAction(taken.action)}) failed, retried next tick: ${(error as Error).message}`,
        );
        continue; // stays running with this token: retried at the next tick by whoever leads
      }
      outcome = { status: 'failed', error: (error as Error).message };
    }
    await state.put(namespace, id, { ...taken, ...outcome }, { expectedVersion: version });
    finished++;
  }
  return finished;
}
