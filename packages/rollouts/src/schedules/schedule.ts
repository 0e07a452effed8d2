/**
 * Scheduled changes: "turn this on at 09:00 on Monday", "turn it off on 31 March". Each is a
 * document in the state (`schedules:<set>`), executed once, when due, by the rollout controller
 * (so it needs no process of its own, and several servers do not run it twice), as an ordinary
 * audited write with the actor `schedule:<id>`. A schedule that comes due while no controller
 * runs executes when one runs again, and records how late it was: never skipped silently.
 */
import { RolloutError, type RolloutProblem } from '../errors.js';
import { PLAN_ID_PATTERN } from '../plan/spec.js';

/** What a schedule does to its flag (the same intents as the API's). */
export type ScheduleAction =
  | { readonly type: 'enable' }
  | { readonly type: 'disable' }
  | { readonly type: 'kill' }
  | { readonly type: 'restore' }
  | { readonly type: 'weights'; readonly weights: Readonly<Record<string, number>> };

/** Where a schedule stands. */
export type ScheduleStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** A schedule as requested. */
export interface ScheduleSpec {
  readonly id: string;
  readonly flagKey: string;
  /** When to run (ms since the epoch). */
  readonly at: number;
  readonly action: ScheduleAction;
  /** Recorded in the audit log with the write. */
  readonly reason?: string;
}

/** A schedule as stored. */
export interface ScheduleRecord extends ScheduleSpec {
  readonly flagSet: string;
  readonly status: ScheduleStatus;
  readonly createdBy: string;
  readonly createdAt: number;
  /** Fencing token of the controller that last took it up. */
  readonly fence: number;
  readonly attempts: number;
  /** When it ran: the set version written (absent when the flag was already so), how late. */
  readonly result?: {
    readonly executedAt: number;
    readonly lateByMs: number;
    readonly changed: boolean;
    readonly flagVersion?: number;
  };
  /** Why it failed. */
  readonly error?: string;
  readonly cancelledBy?: string;
}

/** The audit actor of a schedule's write. */
export function scheduleActor(id: string): string {
  return `schedule:${id}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a schedule from an untrusted value: `{ id?, flagKey, at: ISO-8601 with an offset or
 * ms, action: { type, weights? }, reason? }`.
 * @throws {RolloutError} `invalid-schedule` with every problem by JSON Pointer.
 */
export function parseScheduleSpec(
  flagSet: string,
  raw: unknown,
  now: number,
  newId: () => string,
): ScheduleSpec {
  if (!isObject(raw)) throw new RolloutError('invalid-schedule', flagSet, 'a schedule must be a JSON object');
  const problems: RolloutProblem[] = [];
  for (const key of Object.keys(raw))
    if (!['id', 'flagKey', 'at', 'action', 'reason'].includes(key))
      problems.push({ pointer: `/${key}`, message: 'is not an allowed field' });
  const id = raw.id ?? newId();
  if (typeof id !== 'string' || !PLAN_ID_PATTERN.test(id))
    problems.push({ pointer: '/id', message: 'must be 1 to 64 letters, digits, ".", "_" or "-"' });
  const flagKey = raw.flagKey;
  if (typeof flagKey !== 'string' || flagKey === '' || flagKey.length > 256)
    problems.push({ pointer: '/flagKey', message: 'must be a flag key' });
  let at: number | undefined;
  if (typeof raw.at === 'number' && Number.isSafeInteger(raw.at)) at = raw.at;
  else if (
    typeof raw.at === 'string' &&
    /(Z|[+-]\d\d:?\d\d)$/.test(raw.at) &&
    !Number.isNaN(Date.parse(raw.at))
  )
    at = Date.parse(raw.at);
  if (at === undefined)
    problems.push({
      pointer: '/at',
      message:
        'must be a time with its offset, e.g. "2026-03-31T09:00:00+02:00" or "…Z" (a time without one is ambiguous)',
    });
  else if (at < now - 60_000) problems.push({ pointer: '/at', message: 'is in the past' });
  const action = raw.action;
  if (
    !isObject(action) ||
    !['enable', 'disable', 'kill', 'restore', 'weights'].includes(String(action.type))
  ) {
    problems.push({
      pointer: '/action/type',
      message: 'must be one of enable, disable, kill, restore, weights',
    });
  } else if (action.type === 'weights') {
    const weights = action.weights;
    if (
      !isObject(weights) ||
      Object.keys(weights).length === 0 ||
      !Object.values(weights).every((w) => typeof w === 'number' && Number.isSafeInteger(w) && w >= 0)
    )
      problems.push({
        pointer: '/action/weights',
        message: 'must map variants to non-negative integer weights',
      });
  } else if (Object.keys(action).length > 1) {
    problems.push({ pointer: '/action', message: `"${String(action.type)}" takes no other field` });
  }
  const reason = raw.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1_000))
    problems.push({ pointer: '/reason', message: 'must be a string of at most 1000 characters' });
  if (problems.length > 0)
    throw new RolloutError(
      'invalid-schedule',
      flagSet,
      `the schedule is invalid: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`,
      problems,
    );
  const typed = action as unknown as ScheduleAction;
  return {
    id: id as string,
    flagKey: flagKey as string,
    at: at!,
    action:
      typed.type === 'weights' ? { type: 'weights', weights: { ...typed.weights } } : { type: typed.type },
    ...(typeof reason === 'string' && { reason }),
  };
}

/** The action in a few words: `kill`, `weights on=25 off=75`. */
export function describeAction(action: ScheduleAction): string {
  return action.type === 'weights'
    ? `weights ${Object.entries(action.weights)
        .map(([v, w]) => `${v}=${w}`)
        .join(' ')}`
    : action.type;
}
