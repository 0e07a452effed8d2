/**
 * `ensign promote --from S1 --to S2`: copies flags from one set (an environment) to another as a
 * plan, then applies it like `apply`: one compare-and-set write, refused when a flag it touches
 * moved, and never silently undoing a kill switch flipped in the target (drift). What is copied
 * is what the admin API's promotion copies (`planPromotion`: the flags, the `$evaluators` they
 * use, the target's own metadata kept).
 */
import { planPromotion } from '@ensign/store';
import type { EnsignClient, LiveSet } from '../client/client.js';
import { readOnlyStore } from '../client/read-only-store.js';
import { fromStoreError } from '../client/store-errors.js';
import { type CommandContext, type ConnectionOptions, withClient } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { type ApplyResult, applyPlan } from '../plan/apply-plan.js';
import { type PlanChoices, planAgainstLive, planDiffers } from '../plan/make-plan.js';
import type { Plan } from '../plan/types.js';
import { renderPlan } from '../render/plan.js';
import { resultText } from './apply.js';

/** Options of `promote`. */
export interface PromoteOptions extends ConnectionOptions, PlanChoices {
  from: string;
  to: string;
  flag?: string[];
  dryRun?: boolean;
}

/** The `--json` output of `promote` (schemas/promote.schema.json); `result` is null for a dry run. */
export interface PromoteOutput {
  plan: Plan;
  result: ApplyResult | null;
}

async function promotionPlan(client: EnsignClient, options: PromoteOptions) {
  const reads = new Map<string, LiveSet>();
  let promotion: Awaited<ReturnType<typeof planPromotion>>;
  try {
    promotion = await planPromotion(readOnlyStore(client, reads), options.from, options.to, {
      ...(options.flag !== undefined && options.flag.length > 0 && { flags: options.flag }),
    });
  } catch (error) {
    throw fromStoreError(error, client.target);
  }
  return planAgainstLive(
    client,
    options.to,
    promotion.document,
    { kind: 'flag-set', flagSet: options.from, version: promotion.fromVersion },
    options,
    reads.get(options.to),
  );
}

/** Plans (and unless `--dry-run`, applies) a promotion. */
export async function promote(options: PromoteOptions, context: CommandContext): Promise<ExitCode> {
  if (options.from === options.to) throw usageError('--from and --to name the same flag set');
  return withClient(context, options, async (client) => {
    const { plan, live } = await promotionPlan(client, options);
    const planContext = { live: live.document };
    if (options.dryRun) {
      context.output.result<PromoteOutput>({ plan, result: null }, (o) => renderPlan(o.plan, planContext));
      return planDiffers(plan) ? EXIT.changes : EXIT.ok;
    }
    if (!context.output.json) context.output.result(plan, (p) => `${renderPlan(p, planContext)}\n`);
    const result = await applyPlan(client, plan, live);
    context.output.result<PromoteOutput>({ plan, result }, (o) => resultText(o.plan, o.result!));
    return EXIT.ok;
  });
}
