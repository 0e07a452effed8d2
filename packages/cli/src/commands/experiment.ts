/**
 * `ensign experiment results FLAG --metric purchase`: the experiment's results from the metric
 * aggregates (through the admin API): per variant units, rate with its interval, lift, and both
 * the fixed-horizon and the always-valid p-values.
 */
import type { ExperimentResults } from '@ensign/rollouts';
import { type CommandContext, type ConnectionOptions, flagSetOf } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { experimentText } from '../render/rollout.js';
import { setPath, withApi } from './admin-api.js';

/** Options of `experiment results`. */
export interface ExperimentOptions extends ConnectionOptions {
  set?: string;
  metric: string;
  cohort?: string;
  control?: string;
}

/** `ensign experiment results FLAG`. */
export async function results(
  flagKey: string,
  options: ExperimentOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withApi(context, options, async (call) => {
    const answer = await call({
      method: 'GET',
      path: `${setPath(flagSet)}/flags/${encodeURIComponent(flagKey)}/experiment`,
      query: { metric: options.metric, cohort: options.cohort, control: options.control },
    });
    context.output.result(answer.body as ExperimentResults, experimentText);
    return EXIT.ok;
  });
}
