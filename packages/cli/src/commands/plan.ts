/**
 * `ensign plan FILE --set S [--out PLAN]`: what apply would change in the live set, as a diff a
 * reviewer reads; exit 2 when the live set differs from the file, so CI can comment the plan on
 * a pull request.
 */
import { type CommandContext, type ConnectionOptions, flagSetOf, withClient } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { readFlagFile, writePlanFile } from '../plan/files.js';
import { type PlanChoices, planAgainstLive, planDiffers } from '../plan/make-plan.js';
import { renderPlan } from '../render/plan.js';

/** Options of `plan`. */
export interface PlanOptions extends ConnectionOptions, PlanChoices {
  set?: string;
  out?: string;
}

/** Plans FILE against the live set. */
export async function plan(file: string, options: PlanOptions, context: CommandContext): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  const flagFile = readFlagFile(file);
  return withClient(context, options, async (client) => {
    const { plan, live } = await planAgainstLive(
      client,
      flagSet,
      flagFile.document,
      { kind: 'file', path: flagFile.path, sha256: flagFile.sha256 },
      options,
    );
    if (options.out !== undefined) writePlanFile(options.out, plan);
    context.output.result(plan, (p) => {
      const text = renderPlan(p, { live: live.document, desired: flagFile.document });
      if (options.out === undefined) return text;
      return `${text}\n\nSaved the plan to ${options.out}. Apply exactly it with:\n  ensign apply ${options.out}`;
    });
    return planDiffers(plan) ? EXIT.changes : EXIT.ok;
  });
}
