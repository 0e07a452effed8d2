/**
 * The grammar of the rollout, schedule and experiment commands, registered into the program
 * by `buildProgram` with its shared helpers: `rollout start|edit|status|pause|resume|abort|run`,
 * `schedule create|list|cancel`, `experiment results`. Handlers load when their command runs.
 */
import type { Command } from 'commander';
import type { Handler } from '../program.js';

/** What `buildProgram` lends: lazy handlers and its shared options. */
export interface ProgramHelpers {
  lazy<A extends unknown[]>(load: (...args: A) => Promise<Handler>): (...args: A) => Promise<void>;
  connection(command: Command): Command;
  setOption(command: Command): Command;
  integer(name: string, min?: number): (value: string) => number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `rollout`, `schedule` and `experiment` to `program`. */
export function registerRolloutCommands(
  program: Command,
  { lazy, connection, setOption, integer }: ProgramHelpers,
): void {
  const rollout = program
    .command('rollout')
    .description('guarded rollouts: advance and roll back by themselves');
  connection(
    setOption(
      rollout
        .command('start')
        .description('start a guarded rollout of a flag (the controller makes every step)')
        .argument('<flag>', 'flag key')
        .option('--plan <file>', 'the plan as JSON (stages, guardrails; see the rollouts README)')
        .option('--release <variant>', 'the variant being released')
        .option('--replace <variant>', 'the variant it replaces')
        .option('--stages <percents>', 'stage percentages, e.g. 5,25,50,100', '5,25,50,100')
        .option('--min-duration <duration>', 'least time per stage, e.g. 30m, 2h, 1d', '1h')
        .option('--min-units <n>', 'least units per arm per stage', integer('--min-units'), 500)
        .option('--guardrail <spec>', 'METRIC:increase|decrease[:TOLERANCE[:mean]]; repeatable', collect, [])
        .option('--on-harm <action>', 'rollback (to 0%) or kill (the kill switch)')
        .option('--hold', 'hold an inconclusive stage instead of proceeding')
        .option('--id <id>', 'the plan id (default: the flag key)')
        .option('-r, --reason <reason>', 'why (kept in the plan history)'),
    ),
  ).action(
    lazy(async (flag: string, options) => {
      const { start } = await import('./rollout.js');
      return (context) => start(flag, options, context);
    }),
  );
  connection(
    setOption(
      rollout
        .command('edit')
        .description('change the stages still to come, onHarm, onInconclusive')
        .argument('<flag>', 'flag key')
        .requiredOption('--plan <file>', 'the edited plan as JSON')
        .option('-r, --reason <reason>', 'why (kept in the plan history)'),
    ),
  ).action(
    lazy(async (flag: string, options) => {
      const { edit } = await import('./rollout.js');
      return (context) => edit(flag, options, context);
    }),
  );
  connection(
    setOption(
      rollout
        .command('status')
        .description("a flag's rollout: stage, guardrail figures, history (all, without a flag)")
        .argument('[flag]', 'flag key'),
    ),
  ).action(
    lazy(async (flag: string | undefined, options) => {
      const { status } = await import('./rollout.js');
      return (context) => status(flag, options, context);
    }),
  );
  for (const [name, description] of [
    ['pause', 'pause a rollout: traffic holds where it is'],
    ['resume', 'resume a paused rollout (its stage is written again)'],
    ['abort', 'abort a rollout: the released variant goes back, now'],
  ] as const) {
    connection(
      setOption(
        rollout
          .command(name)
          .description(description)
          .argument('<flag>', 'flag key')
          .option('-r, --reason <reason>', 'why (kept in the plan history)'),
      ),
    ).action(
      lazy(async (flag: string, options) => {
        const { act } = await import('./rollout.js');
        return (context) => act(name, flag, options, context);
      }),
    );
  }
  rollout
    .command('run')
    .description('run the rollout controller on the stores (REDIS_URL)')
    .option('--store <store>', '"redis" (REDIS_URL) or "memory:DIR" (a stopped serve --data DIR)')
    .option('--interval <seconds>', 'time between looks', integer('--interval', 1), 5)
    .option('--once', 'look once, print what was done, and exit')
    .option('--json', 'print machine-readable JSON (with --once)')
    .action(
      lazy(async (options) => {
        const { run } = await import('./rollout-run.js');
        return (context) => run(options, context);
      }),
    );

  const schedule = program.command('schedule').description('flag changes scheduled for a time');
  connection(
    setOption(
      schedule
        .command('create')
        .description('schedule a change: enable, disable, kill, restore, weights')
        .argument('<flag>', 'flag key')
        .requiredOption('--at <time>', 'when, with its offset: 2026-03-31T09:00:00+02:00')
        .requiredOption('--action <action>', 'enable, disable, kill, restore or weights')
        .option('--weights <pairs>', 'with --action weights: on=25,off=75')
        .option('--id <id>', 'the schedule id (default: generated)')
        .option('-r, --reason <reason>', 'why (recorded in the audit log with the change)'),
    ),
  ).action(
    lazy(async (flag: string, options) => {
      const { create } = await import('./schedule.js');
      return (context) => create(flag, options, context);
    }),
  );
  connection(setOption(schedule.command('list').description('list scheduled changes'))).action(
    lazy(async (options) => {
      const { list } = await import('./schedule.js');
      return (context) => list(options, context);
    }),
  );
  connection(
    setOption(
      schedule
        .command('cancel')
        .description('cancel a pending scheduled change')
        .argument('<id>', 'schedule id')
        .option('-r, --reason <reason>', 'why'),
    ),
  ).action(
    lazy(async (id: string, options) => {
      const { cancel } = await import('./schedule.js');
      return (context) => cancel(id, options, context);
    }),
  );

  const experiment = program
    .command('experiment')
    .description('experiment results from the metric aggregates');
  connection(
    setOption(
      experiment
        .command('results')
        .description('results per variant, fixed-horizon and always-valid')
        .argument('<flag>', 'flag key')
        .requiredOption('--metric <event>', 'the tracking event that counts as a conversion')
        .option('--cohort <cohort>', "the cohort (default: the flag's metricsCohort)")
        .option('--control <variant>', "the control (default: the flag's default variant)"),
    ),
  ).action(
    lazy(async (flag: string, options) => {
      const { results } = await import('./experiment.js');
      return (context) => results(flag, options, context);
    }),
  );
}
