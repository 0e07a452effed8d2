/**
 * `ensign apply PLAN-FILE` applies exactly a saved plan or refuses; `ensign apply FILE --set S`
 * plans, prints the plan, and applies it in one go. Either way: one audited write, all or
 * nothing, refused (exit 3) when a flag the plan touches moved after the plan.
 */
import { type CommandContext, type ConnectionOptions, flagSetOf, withClient } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { type ApplyResult, applyPlan } from '../plan/apply-plan.js';
import { readPlanOrFlagFile } from '../plan/files.js';
import { shortHash } from '../plan/hash.js';
import { type PlanChoices, planAgainstLive } from '../plan/make-plan.js';
import type { Plan } from '../plan/types.js';
import { type PlanContext, renderPlan } from '../render/plan.js';
import { plural } from '../render/text.js';

/** Options of `apply`. */
export interface ApplyOptions extends ConnectionOptions, PlanChoices {
  set?: string;
}

/** The `--json` output of `apply` (schemas/apply.schema.json). */
export interface ApplyOutput {
  plan: Plan;
  result: ApplyResult;
}

/** The closing lines of apply. */
export function resultText(plan: Plan, result: ApplyResult): string {
  const lines: string[] = [];
  if (!result.applied) {
    lines.push(`No changes: nothing was written to flag set "${plan.flagSet}" (version ${result.version}).`);
  } else {
    const { add, change, remove } = plan.summary;
    lines.push(
      `Applied plan ${shortHash(plan.planHash)} to flag set "${plan.flagSet}": version ${result.fromVersion} → ${result.version} (${add} added, ${change} changed, ${remove} removed).`,
    );
  }
  const left = plan.summary.drift + plan.summary.skipped;
  if (left > 0) lines.push(`${plural(left, 'flag')} left as live (drift or rollouts): see ensign plan.`);
  return lines.join('\n');
}

/** Applies a plan file, or plans and applies a flag file. */
export async function apply(file: string, options: ApplyOptions, context: CommandContext): Promise<ExitCode> {
  const input = readPlanOrFlagFile(file);
  if ('plan' in input) {
    const { plan } = input;
    if (options.set !== undefined && options.set !== plan.flagSet) {
      throw usageError(`${file} is a plan for flag set "${plan.flagSet}", not "${options.set}"`);
    }
    if ((options.overwriteDrift?.length ?? 0) > 0 || options.includeRollouts) {
      throw usageError(
        '--overwrite-drift and --include-rollouts are decided when planning: give them to ensign plan',
      );
    }
    return withClient(context, options, async (client) => {
      const result = await applyPlan(client, plan);
      context.output.result({ plan, result }, (o) => resultText(o.plan, o.result));
      return EXIT.ok;
    });
  }
  const flagSet = flagSetOf(
    options.set,
    context.env,
    '--set (a flag file needs one; a plan file names its own)',
  );
  const { file: flagFile } = input;
  return withClient(context, options, async (client) => {
    const { plan, live } = await planAgainstLive(
      client,
      flagSet,
      flagFile.document,
      { kind: 'file', path: flagFile.path, sha256: flagFile.sha256 },
      options,
    );
    const planContext: PlanContext = { live: live.document, desired: flagFile.document };
    // The plan is printed before anything is written, so a refusal still shows what was intended.
    if (!context.output.json) context.output.result(plan, (p) => `${renderPlan(p, planContext)}\n`);
    const result = await applyPlan(client, plan, live);
    if (context.output.json) context.output.result({ plan, result }, () => '');
    else context.output.result({ plan, result }, (o) => resultText(o.plan, o.result));
    return EXIT.ok;
  });
}
