/**
 * `ensign schedule create|list|cancel`: changes scheduled for a time ("turn it off on 31 March"),
 * run by the rollout controller as audited writes by `schedule:<id>`.
 */
import type { ScheduleRecord } from '@ensign/rollouts';
import { type CommandContext, type ConnectionOptions, flagSetOf } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { scheduleText } from '../render/rollout.js';
import { setPath, withApi } from './admin-api.js';

/** Options of `schedule create`. */
export interface ScheduleCreateOptions extends ConnectionOptions {
  set?: string;
  at: string;
  action: string;
  weights?: string;
  id?: string;
  reason?: string;
}

/** Options of `schedule list` and `schedule cancel`. */
export interface ScheduleOptions extends ConnectionOptions {
  set?: string;
  reason?: string;
}

/** `on=25,off=75` → `{ on: 25, off: 75 }`. */
function weightsOf(text: string | undefined): Record<string, number> {
  if (text === undefined)
    throw usageError('--action weights needs --weights VARIANT=WEIGHT,…, e.g. on=25,off=75');
  const out: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [variant, weight] = pair.split('=');
    if (!variant || weight === undefined || !/^\d+$/.test(weight.trim()))
      throw usageError(`--weights must be VARIANT=WEIGHT pairs like on=25,off=75, got "${pair}"`);
    out[variant.trim()] = Number(weight);
  }
  return out;
}

/** `ensign schedule create FLAG --at TIME --action ACTION`. */
export async function create(
  flagKey: string,
  options: ScheduleCreateOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  const action =
    options.action === 'weights'
      ? { type: 'weights', weights: weightsOf(options.weights) }
      : { type: options.action };
  return withApi(context, options, async (call) => {
    const answer = await call(
      {
        method: 'POST',
        path: `${setPath(flagSet)}/schedules`,
        body: {
          flagKey,
          at: options.at,
          action,
          ...(options.id !== undefined && { id: options.id }),
          ...(options.reason !== undefined && { reason: options.reason }),
        },
      },
      [201],
    );
    const body = answer.body as { schedule: ScheduleRecord; version: number };
    context.output.result(body, (b) => `Scheduled ${b.schedule.id}:\n${scheduleText([b])}`);
    return EXIT.ok;
  });
}

/** `ensign schedule list`. */
export async function list(options: ScheduleOptions, context: CommandContext): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withApi(context, options, async (call) => {
    const answer = await call({ method: 'GET', path: `${setPath(flagSet)}/schedules` });
    const body = answer.body as { schedules: { schedule: ScheduleRecord; version: number }[] };
    context.output.result(body, (b) => scheduleText(b.schedules));
    return EXIT.ok;
  });
}

/** `ensign schedule cancel ID`: compare-and-set on the schedule as listed. */
export async function cancel(
  id: string,
  options: ScheduleOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withApi(context, options, async (call) => {
    const answer = await call({
      method: 'DELETE',
      path: `${setPath(flagSet)}/schedules/${encodeURIComponent(id)}`,
      headers: { 'if-match': '*' },
      query: { reason: options.reason },
    });
    const body = answer.body as { schedule: ScheduleRecord; version: number };
    context.output.result(body, (b) => `Cancelled ${b.schedule.id}:\n${scheduleText([b])}`);
    return EXIT.ok;
  });
}
