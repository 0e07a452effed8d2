/**
 * `ensign rollout start|status|pause|resume|abort FLAG` (through the admin API) and `ensign
 * rollout run` (the controller itself, on the stores). A rollout is named by its flag: the
 * flag's running or paused plan, else its newest.
 */
import { readFileSync } from 'node:fs';
import type { RolloutRecord } from '@ensign/rollouts';
import { type CommandContext, type ConnectionOptions, flagSetOf } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { type RolloutAnswer, rolloutListText, rolloutText } from '../render/rollout.js';
import { type ApiCall, setPath, withApi } from './admin-api.js';

/** Options of `rollout start`. */
export interface RolloutStartOptions extends ConnectionOptions {
  set?: string;
  plan?: string;
  id?: string;
  release?: string;
  replace?: string;
  stages?: string;
  minDuration?: string;
  minUnits?: number;
  guardrail?: string[];
  onHarm?: string;
  hold?: boolean;
  reason?: string;
}

/** Options of the other rollout commands. */
export interface RolloutActionOptions extends ConnectionOptions {
  set?: string;
  reason?: string;
}

const enc = encodeURIComponent;

/** `metric:direction[:tolerance[:kind]]` → a guardrail. */
export function parseGuardrail(text: string): Record<string, unknown> {
  const [metric, direction, tolerance, kind] = text.split(':');
  if (!metric || (direction !== 'increase' && direction !== 'decrease'))
    throw usageError(
      `--guardrail must be METRIC:increase|decrease[:TOLERANCE[:proportion|mean]], got "${text}"`,
      'e.g. --guardrail error:increase --guardrail purchase:decrease:0.005 --guardrail latency:increase:20:mean',
    );
  if (tolerance !== undefined && tolerance !== '' && !Number.isFinite(Number(tolerance)))
    throw usageError(`the tolerance of --guardrail ${text} is not a number`);
  if (kind !== undefined && kind !== 'proportion' && kind !== 'mean')
    throw usageError(`the kind of --guardrail ${text} must be proportion or mean`);
  return {
    metric,
    kind: kind ?? 'proportion',
    direction,
    ...(tolerance !== undefined && tolerance !== '' && { tolerance: Number(tolerance) }),
  };
}

/** The plan from `--plan FILE`, or from the quick options. */
export function planOf(flagKey: string, options: RolloutStartOptions): Record<string, unknown> {
  if (options.plan !== undefined) {
    let plan: unknown;
    try {
      plan = JSON.parse(readFileSync(options.plan, 'utf8'));
    } catch (error) {
      throw new CliError('failed', `cannot read the plan file ${options.plan}: ${(error as Error).message}`);
    }
    if (typeof plan !== 'object' || plan === null || Array.isArray(plan))
      throw new CliError('invalid', `the plan file ${options.plan} must hold a JSON object`);
    const file = plan as Record<string, unknown>;
    if (file.flagKey !== undefined && file.flagKey !== flagKey)
      throw usageError(`the plan file is for flag "${String(file.flagKey)}", not "${flagKey}"`);
    return { ...file, flagKey };
  }
  if (options.release === undefined || options.replace === undefined)
    throw usageError(
      'give --plan FILE, or --release VARIANT and --replace VARIANT (with --stages, --guardrail)',
    );
  const percents = (options.stages ?? '5,25,50,100').split(',').map((p) => Number(p.trim()));
  if (percents.some((p) => !Number.isFinite(p)))
    throw usageError(`--stages must be percentages like 5,25,50,100, got "${options.stages}"`);
  return {
    ...(options.id !== undefined && { id: options.id }),
    flagKey,
    release: options.release,
    replace: options.replace,
    stages: percents.map((percent) => ({
      percent,
      minDuration: options.minDuration ?? '1h',
      minUnitsPerArm: options.minUnits ?? 500,
    })),
    guardrails: (options.guardrail ?? []).map(parseGuardrail),
    ...(options.onHarm !== undefined && { onHarm: options.onHarm }),
    ...(options.hold === true && { onInconclusive: 'hold' }),
  };
}

/** The rollout people mean by FLAG: its active plan, else its newest. */
async function findRollout(
  call: ApiCall,
  flagSet: string,
  flagKey: string,
): Promise<{ rollout: RolloutRecord; version: number }> {
  const answer = await call({
    method: 'GET',
    path: `${setPath(flagSet)}/rollouts`,
    query: { flag: flagKey },
  });
  const rollouts = (answer.body as { rollouts: { rollout: RolloutRecord; version: number }[] }).rollouts;
  const active =
    rollouts.find((r) => r.rollout.status === 'running' || r.rollout.status === 'paused') ?? rollouts[0];
  if (active === undefined)
    throw new CliError('not-found', `flag "${flagKey}" of flag set "${flagSet}" has no rollout`, {
      flags: [flagKey],
      hint: `start one with: ensign rollout start ${flagKey} --set ${flagSet} --plan PLAN.json`,
    });
  return active;
}

/** `ensign rollout start FLAG`. */
export async function start(
  flagKey: string,
  options: RolloutStartOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  const plan = planOf(flagKey, options);
  return withApi(context, options, async (call) => {
    const answer = await call(
      {
        method: 'POST',
        path: `${setPath(flagSet)}/rollouts`,
        body: { ...plan, ...(options.reason !== undefined && { reason: options.reason }) },
      },
      [201],
    );
    context.output.result(answer.body as RolloutAnswer, rolloutText);
    return EXIT.ok;
  });
}

/** `ensign rollout status [FLAG]`. */
export async function status(
  flagKey: string | undefined,
  options: RolloutActionOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withApi(context, options, async (call) => {
    if (flagKey === undefined) {
      const answer = await call({ method: 'GET', path: `${setPath(flagSet)}/rollouts` });
      const body = answer.body as { rollouts: { rollout: RolloutRecord; version: number }[] };
      context.output.result(body, (b) => rolloutListText(b.rollouts));
      return EXIT.ok;
    }
    const { rollout } = await findRollout(call, flagSet, flagKey);
    const answer = await call({
      method: 'GET',
      path: `${setPath(flagSet)}/rollouts/${enc(rollout.spec.id)}`,
    });
    context.output.result(answer.body as RolloutAnswer, rolloutText);
    return EXIT.ok;
  });
}

/** `ensign rollout edit FLAG --plan FILE`: compare-and-set on the plan as just read. */
export async function edit(
  flagKey: string,
  options: RolloutStartOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  if (options.plan === undefined)
    throw usageError(
      'give the edited plan with --plan FILE (as ensign rollout status --json shows its spec)',
    );
  const plan = planOf(flagKey, options);
  return withApi(context, options, async (call) => {
    const { rollout, version } = await findRollout(call, flagSet, flagKey);
    const answer = await call({
      method: 'PUT',
      path: `${setPath(flagSet)}/rollouts/${enc(rollout.spec.id)}`,
      headers: { 'if-match': `"r${version}"` },
      body: { ...plan, ...(options.reason !== undefined && { reason: options.reason }) },
    });
    context.output.result(answer.body as RolloutAnswer, rolloutText);
    return EXIT.ok;
  });
}

/** `ensign rollout pause|resume|abort FLAG`: compare-and-set on the plan as just read. */
export async function act(
  action: 'pause' | 'resume' | 'abort',
  flagKey: string,
  options: RolloutActionOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withApi(context, options, async (call) => {
    const { rollout, version } = await findRollout(call, flagSet, flagKey);
    const answer = await call({
      method: 'POST',
      path: `${setPath(flagSet)}/rollouts/${enc(rollout.spec.id)}/${action}`,
      headers: { 'if-match': `"r${version}"` },
      body: options.reason === undefined ? {} : { reason: options.reason },
    });
    context.output.result(answer.body as RolloutAnswer, rolloutText);
    return EXIT.ok;
  });
}
