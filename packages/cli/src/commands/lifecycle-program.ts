/**
 * The grammar of the lifecycle commands, registered into the program by `buildProgram` with its
 * shared helpers: `flag stale`, `flag archive`, `flag unarchive` (in the `flag` group), and the
 * top-level `refs`, `generate`, `lint`. Handlers load when their command runs.
 */
import { type Command, Option } from 'commander';
import type { ProgramHelpers } from './rollout-program.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds the lifecycle commands to `program` (whose `flag` group exists already). */
export function registerLifecycleCommands(
  program: Command,
  { lazy, connection, setOption, integer }: ProgramHelpers,
): void {
  const flag = program.commands.find((command) => command.name() === 'flag');
  if (flag === undefined) throw new Error('registerLifecycleCommands: the flag group is registered first');

  connection(
    setOption(
      flag
        .command('stale')
        .description('what is stale and why, ready for code removal or archiving, unknown flags')
        .option('--refs <path>', 'scan this checkout first, so stages know what code still uses')
        .option('--all', 'also list flags that need nothing')
        .option('--check', 'exit 1 when anything needs doing'),
    ),
  ).action(
    lazy(async (options) => {
      const { stale } = await import('./stale.js');
      return (context) => stale(options, context);
    }),
  );
  for (const [name, description] of [
    ['archive', 'stop serving a flag (callers get their default); it stays restorable'],
    ['unarchive', 'restore an archived flag exactly as it was'],
  ] as const) {
    connection(
      setOption(
        flag
          .command(name)
          .description(description)
          .argument('<flag>', 'flag key')
          .option('-r, --reason <reason>', 'why (recorded in the audit log)'),
      ),
    ).action(
      lazy(async (key: string, options) => {
        const commands = await import('./archive.js');
        return (context) => commands[name](key, options, context);
      }),
    );
  }

  const flagsOption = (command: Command) =>
    setOption(command).option('--flags <file>', 'read the flags from this flag-set file instead of --set');
  connection(
    flagsOption(
      program
        .command('refs')
        .description('find flag keys in code: references, unused flags, unknown keys')
        .argument('[path]', 'directory to scan', '.')
        .option('--check', 'exit 1 when code names flags that do not exist')
        .option('--alias <case>', 'match a case of each key, e.g. camelCase; repeatable', collect, [])
        .option('--pattern <regex>', 'match a pattern with {key} or a case, e.g. {camelCase}', collect, [])
        .option('--ignore <pattern>', 'leave out paths (.gitignore syntax); repeatable', collect, [])
        .option('--no-gitignore', 'scan what .gitignore files leave out too')
        .option('-C, --context <lines>', 'lines of context around each reference', integer('--context'))
        .option('--config <file>', 'settings file (default: PATH/ensign.config.json)')
        .option('--upload', "keep the counts as the set's latest code scan (needs --set)")
        .option('--source <name>', 'what was scanned, for the report (default: the directory)')
        .option('--revision <rev>', 'the revision scanned (default: read from .git)'),
    ),
  ).action(
    lazy(async (path: string, options) => {
      const { refs } = await import('./refs.js');
      return (context) => refs(path, options, context);
    }),
  );
  connection(
    setOption(
      program
        .command('generate')
        .description('write typed flag accessors (or an OpenFeature CLI manifest)')
        .argument('[file]', 'flag-set file (else the live set, --set)')
        .option('-o, --out <file>', 'write here (else print)')
        .addOption(
          new Option('--sdk <sdk>', 'OpenFeature SDK the accessors call')
            .choices(['server', 'web'])
            .default('server'),
        )
        .addOption(
          new Option('--format <format>', 'what to write')
            .choices(['typescript', 'manifest'])
            .default('typescript'),
        ),
    ),
  ).action(
    lazy(async (file: string | undefined, options) => {
      const { generate } = await import('./generate.js');
      return (context) => generate(file, options, context);
    }),
  );
  connection(
    setOption(
      program
        .command('lint')
        .description("check flags against the team's conventions (off until turned on)")
        .argument('[file]', 'flag-set file (else the live set, --set)')
        .option('--config <file>', 'settings file (default: ./ensign.config.json)')
        .addOption(new Option('--preset <preset>', 'start from a preset').choices(['recommended', 'off'])),
    ),
  ).action(
    lazy(async (file: string | undefined, options) => {
      const { lint } = await import('./lint.js');
      return (context) => lint(file, options, context);
    }),
  );
}
