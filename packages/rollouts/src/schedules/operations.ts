/**
 * Scheduling, listing and cancelling changes (the controller runs them: `run-schedules.ts`).
 */
import { RolloutError } from '../errors.js';
import { type Requester, type RolloutContext, loadFlag } from '../operations.js';
import { indexFlagSet, schedulesNamespace } from '../state/contract.js';
import { type ScheduleRecord, parseScheduleSpec } from './schedule.js';

/** Schedules a change. @throws {RolloutError} `invalid-schedule`, `flag-not-found`, `rollout-exists` (id taken). */
export async function createSchedule(
  context: RolloutContext,
  flagSet: string,
  raw: unknown,
  requester: Requester,
): Promise<{ record: ScheduleRecord; version: number }> {
  const now = (context.now ?? Date.now)();
  const spec = parseScheduleSpec(
    flagSet,
    raw,
    now,
    () => `s${now.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`,
  );
  if ((await loadFlag(context.store, flagSet, spec.flagKey)) === undefined)
    throw new RolloutError(
      'flag-not-found',
      flagSet,
      `flag "${spec.flagKey}" does not exist in flag set "${flagSet}"`,
      [{ pointer: '/flagKey', message: 'no such flag' }],
    );
  const record: ScheduleRecord = {
    ...spec,
    flagSet,
    status: 'pending',
    createdBy: requester.actor,
    createdAt: now,
    fence: 0,
    attempts: 0,
  };
  const version = await context.state.put(schedulesNamespace(flagSet), spec.id, record, {
    expectedVersion: 0,
  });
  if (version === undefined)
    throw new RolloutError(
      'rollout-exists',
      flagSet,
      `flag set "${flagSet}" already has a schedule "${spec.id}"`,
    );
  await indexFlagSet(context.state, flagSet);
  return { record, version };
}

/** Every schedule of a set, by time. */
export async function listSchedules(
  context: RolloutContext,
  flagSet: string,
): Promise<{ record: ScheduleRecord; version: number }[]> {
  const docs = await context.state.list<ScheduleRecord>(schedulesNamespace(flagSet));
  return [...docs.values()]
    .map((doc) => ({ record: doc.value, version: doc.version }))
    .sort((a, b) => a.record.at - b.record.at);
}

/** Cancels a pending schedule. @throws {RolloutError} `not-found`, `wrong-status` (it ran or is running). */
export async function cancelSchedule(
  context: RolloutContext,
  flagSet: string,
  id: string,
  requester: Requester,
): Promise<{ record: ScheduleRecord; version: number }> {
  const namespace = schedulesNamespace(flagSet);
  const doc = await context.state.get<ScheduleRecord>(namespace, id);
  if (doc === undefined)
    throw new RolloutError('not-found', flagSet, `flag set "${flagSet}" has no schedule "${id}"`);
  if (doc.value.status !== 'pending')
    throw new RolloutError(
      'wrong-status',
      flagSet,
      `schedule "${id}" is ${doc.value.status}: only a pending one can be cancelled`,
    );
  const record: ScheduleRecord = { ...doc.value, status: 'cancelled', cancelledBy: requester.actor };
  const version = await context.state.put(namespace, id, record, { expectedVersion: doc.version });
  if (version === undefined)
    throw new RolloutError(
      'conflict',
      flagSet,
      `schedule "${id}" was taken up or changed meanwhile: look at it again`,
    );
  return { record, version };
}
