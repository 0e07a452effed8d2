/**
 * The grammar of `ensign`, in one place: top-level verbs for the flags-in-git flow and the server
 * (`validate`, `plan`, `apply`, `pull`, `promote`, `serve`), noun-verb groups for everything else
 * (`flag …`, `token …`), and `kill` as a top-level alias of `flag kill` because at 3 a.m. it must
 * be short. Handlers are imported when their command runs, so `ensign --help` and
 * `ensign --version` load nothing but this file and commander.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerLifecycleCommands } from './commands/lifecycle-program.js';
import { registerRolloutCommands } from './commands/rollout-program.js';
import type { CommandContext } from './context.js';
import { EXIT_CODE_HELP, type ExitCode } from './exit-codes.js';

/** A command handler: does its work and says how the process should exit. */
export type Handler = (context: CommandContext) => Promise<ExitCode>;

/** Where commander prints help and its own errors. */
export interface ProgramIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const ENVIRONMENT_HELP = `Environment:
  ENSIGN_URL         admin API base URL, e.g. http://127.0.0.1:8080
  ENSIGN_TOKEN       API token (or ENSIGN_TOKEN_FILE, or --token-file FILE)
  ENSIGN_SET         default flag set for --set
  REDIS_URL          talk to Redis directly when ENSIGN_URL is not set
                     (bootstrap; serve: keep flags and state in Redis)
  ENSIGN_ACTOR       who direct-store writes are recorded as`;

function integer(name: string, min = 0) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`${name} must be an integer of at least ${min}, got "${value}"`);
    }
    return Number(value);
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function connection(command: Command): Command {
  return command
    .option('--url <url>', 'admin API base URL (else ENSIGN_URL)')
    .option('--token-file <file>', 'read the API token from this file (else ENSIGN_TOKEN)')
    .option(
      '--store <store>',
      'talk to a store directly: "redis" (REDIS_URL) or "memory:DIR" (a stopped serve --data DIR)',
    )
    .option('--timeout <seconds>', 'how long to wait for the server or store', integer('--timeout', 1), 10)
    .option('--json', 'print machine-readable JSON (schemas in @ensign/cli/schemas)');
}

function setOption(command: Command): Command {
  return command.option('-s, --set <set>', 'flag set (else ENSIGN_SET)');
}

function driftOptions(command: Command): Command {
  return command
    .option(
      '--overwrite-drift <flag>',
      'change this drifted (e.g. killed) flag as the file says; repeatable',
      collect,
      [],
    )
    .option('--include-rollouts', 'also change flags owned by a running guarded rollout');
}

/**
 * Builds the program. `run` receives each handler once commander has parsed its arguments; it
 * supplies the context and records the exit code.
 */
export function buildProgram(
  run: (handler: Handler, options: { json?: boolean }) => Promise<void>,
  version: string,
  io: ProgramIo,
): Command {
  const program = new Command('ensign');
  // Commander passes (...arguments, options, command): the options decide --json.
  const lazy =
    <A extends unknown[]>(load: (...args: A) => Promise<Handler>) =>
    async (...args: A) =>
      run(await load(...args), (args[args.length - 2] ?? {}) as { json?: boolean });
  // Inherited by every subcommand created below: errors are thrown to main, not process.exit.
  program.exitOverride().configureOutput({
    writeOut: (text) => io.writeOut(text),
    writeErr: (text) => io.writeErr(text),
  });
  program
    .description('Feature flags for ChatGPT apps: flags in git, kill switches, tokens, the server.')
    .version(version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODE_HELP}\n`);
  // Narrow description columns still wrap (commander stops wrapping below 40 columns by default).
  program.configureHelp({ helpWidth: 80, minWidthToWrap: 20, sortSubcommands: false });

  program
    .command('validate')
    .description('check flag files: every problem with its flag key and JSON Pointer')
    .argument('<files...>', 'flag-set files (flagd format)')
    .option('--json', 'print machine-readable JSON')
    .action(
      lazy(async (files: string[], options: { json?: boolean }) => {
        const { validate } = await import('./commands/validate.js');
        return (context) => validate(files, options, context);
      }),
    );

  driftOptions(
    connection(
      setOption(
        program
          .command('plan')
          .description('show what apply would change in the live set (exit 2 when it differs)')
          .argument('<file>', 'flag-set file')
          .option('-o, --out <plan-file>', 'write the plan to apply later with: ensign apply PLAN-FILE'),
      ),
    ),
  ).action(
    lazy(async (file: string, options) => {
      const { plan } = await import('./commands/plan.js');
      return (context) => plan(file, options, context);
    }),
  );

  driftOptions(
    connection(
      setOption(
        program
          .command('apply')
          .description('apply a plan file exactly, or plan and apply a flag file (needs --set)')
          .argument('<file>', 'plan file (from plan --out) or flag-set file'),
      ),
    ),
  ).action(
    lazy(async (file: string, options) => {
      const { apply } = await import('./commands/apply.js');
      return (context) => apply(file, options, context);
    }),
  );

  connection(
    setOption(
      program
        .command('pull')
        .description('print the live flag set as a flag file (ensign pull --set S > FILE)'),
    ),
  ).action(
    lazy(async (options) => {
      const { pull } = await import('./commands/pull.js');
      return (context) => pull(options, context);
    }),
  );

  driftOptions(
    connection(
      program
        .command('promote')
        .description('copy flags from one set to another (diffed, compare-and-set)')
        .requiredOption('--from <set>', 'source flag set (e.g. app-staging)')
        .requiredOption('--to <set>', 'target flag set (e.g. app-production)')
        .option('--flag <flag>', 'promote only this flag; repeatable', collect, [])
        .option('--dry-run', 'show the changes only (exit 2 when there are some)'),
    ),
  ).action(
    lazy(async (options) => {
      const { promote } = await import('./commands/promote.js');
      return (context) => promote(options, context);
    }),
  );

  program
    .command('serve')
    .description('run the server: admin API, OFREP, webhooks')
    .option('-p, --port <port>', 'port to listen on', integer('--port'), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data <dir>', 'keep flags, tokens and history here (without REDIS_URL)', '.ensign')
    .option('--public-url <url>', 'the URL clients reach the server at')
    .option('--request-logs', 'log every request')
    .option('--admin-token-file <file>', 'on first start, write the admin token here instead of printing it')
    .option('--no-dashboard', 'do not serve the dashboard at /dashboard/')
    .action(
      lazy(async (options) => {
        const { serve } = await import('./commands/serve.js');
        return (context) => serve(options, context);
      }),
    );

  const killCommand = (parent: Command, name: string, description: string) =>
    connection(
      setOption(
        parent
          .command(name)
          .description(description)
          .argument('<flag>', 'flag key')
          .option('-r, --reason <reason>', 'why (recorded in the audit log)'),
      ),
    );
  killCommand(program, 'kill', 'turn a flag off now (alias of: ensign flag kill)').action(
    lazy(async (flag: string, options) => {
      const { kill } = await import('./commands/flag-write.js');
      return (context) => kill(flag, options, context);
    }),
  );

  const flag = program.command('flag').description('read and change single flags');
  connection(
    setOption(flag.command('get').description('show one flag').argument('<flag>', 'flag key')),
  ).action(
    lazy(async (key: string, options) => {
      const { get } = await import('./commands/flag-read.js');
      return (context) => get(key, options, context);
    }),
  );
  connection(setOption(flag.command('list').description('list the flags of a set'))).action(
    lazy(async (options) => {
      const { list } = await import('./commands/flag-read.js');
      return (context) => list(options, context);
    }),
  );
  killCommand(flag, 'kill', "turn a flag off now: it serves the caller's default").action(
    lazy(async (key: string, options) => {
      const { kill } = await import('./commands/flag-write.js');
      return (context) => kill(key, options, context);
    }),
  );
  killCommand(flag, 'restore', 'undo a kill: the flag serves its rules again').action(
    lazy(async (key: string, options) => {
      const { restore } = await import('./commands/flag-write.js');
      return (context) => restore(key, options, context);
    }),
  );
  connection(
    setOption(
      flag
        .command('weights')
        .description("set the weights of a flag's percentage split, e.g. on=25 off=75")
        .argument('<flag>', 'flag key')
        .argument('<weights...>', 'variant=weight pairs')
        .option('-r, --reason <reason>', 'why (recorded in the audit log)'),
    ),
  ).action(
    lazy(async (key: string, weights: string[], options) => {
      const { weights: setWeights } = await import('./commands/flag-write.js');
      return (context) => setWeights(key, weights, options, context);
    }),
  );
  connection(
    setOption(
      flag
        .command('history')
        .description('who changed a flag, when, and how')
        .argument('<flag>', 'flag key')
        .option('-n, --limit <n>', 'most entries to show', integer('--limit', 1), 20),
    ),
  ).action(
    lazy(async (key: string, options) => {
      const { history } = await import('./commands/flag-read.js');
      return (context) => history(key, options, context);
    }),
  );
  connection(
    setOption(
      flag
        .command('revert')
        .description('put a flag back as it was at a version of its set')
        .argument('<flag>', 'flag key')
        .requiredOption('--to <version>', 'set version (see ensign flag history)', integer('--to'))
        .option('-r, --reason <reason>', 'why (recorded in the audit log)'),
    ),
  ).action(
    lazy(async (key: string, options) => {
      const { revert } = await import('./commands/flag-write.js');
      return (context) => revert(key, options, context);
    }),
  );

  const token = program.command('token').description('API tokens: create, list, revoke');
  connection(
    token
      .command('create')
      .description('create a token (shown once)')
      .requiredOption('--name <name>', 'what the token is for (shown in lists and audit entries)')
      .addOption(
        new Option('--role <role>', 'what it may do')
          .choices(['admin', 'editor', 'viewer', 'server', 'client'])
          .makeOptionMandatory(),
      )
      .option(
        '-s, --set <set>',
        'flag set it may write (editor) or evaluate (server, client); repeatable',
        collect,
        [],
      )
      .option('--ttl <seconds>', 'expire after this many seconds', integer('--ttl', 1)),
  ).action(
    lazy(async (options) => {
      const { create } = await import('./commands/token.js');
      return (context) => create(options, context);
    }),
  );
  connection(token.command('list').description('list tokens (never the tokens themselves)')).action(
    lazy(async (options) => {
      const { list } = await import('./commands/token.js');
      return (context) => list(options, context);
    }),
  );
  connection(
    token.command('revoke').description('revoke a token by id').argument('<id>', 'token id (tok_…)'),
  ).action(
    lazy(async (id: string, options) => {
      const { revoke } = await import('./commands/token.js');
      return (context) => revoke(id, options, context);
    }),
  );

  registerRolloutCommands(program, { lazy, connection, setOption, integer });
  registerLifecycleCommands(program, { lazy, connection, setOption, integer });
  return program;
}
