/**
 * `ensign`'s entry point: parses the command line with commander, runs the command, prints
 * errors the way people and scripts need them (a message and a hint on stderr; with `--json`
 * also `{ "error": … }` on stdout), and resolves the exit code. Never calls `process.exit`, so
 * pending output is flushed and tests can call it in process.
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import type { Environment } from './context.js';
import { CliError, describeProblem, errorOutput } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { Output, type Sink } from './output.js';
import { buildProgram } from './program.js';
import { fitLines } from './render/text.js';

/** Where `main` prints (the process's streams unless a test passes its own). */
export interface MainIo {
  stdout?: Sink;
  stderr?: Sink;
}

/** The package version, read once from package.json (cheap: no dependency is loaded). */
export function cliVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function printError(error: CliError, output: Output, stderr: Sink): void {
  if (output.json) output.result(errorOutput(error), () => '');
  const lines = [`error: ${error.message}`];
  for (const problem of error.problems) lines.push(`  ${describeProblem(problem)}`);
  if (error.hint !== undefined) lines.push(`hint: ${error.hint}`);
  stderr.write(`${fitLines(lines.join('\n'))}\n`);
}

/** Turns anything thrown into a `CliError` (unexpected errors keep their message). */
function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('failed', message, { cause: error });
}

/**
 * Runs `ensign` with `argv` (as `process.argv`: node, script, then arguments).
 * @returns the exit code (see `EXIT`).
 */
export async function main(
  argv: readonly string[] = process.argv,
  env: Environment = process.env,
  io: MainIo = {},
): Promise<ExitCode> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let exitCode: ExitCode = EXIT.ok;
  let output = new Output(false, stdout, stderr);
  const program = buildProgram(
    async (handler, options) => {
      output = new Output(options.json === true, stdout, stderr);
      exitCode = await handler({ output, env });
    },
    cliVersion(),
    { writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) },
  );
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for are successes; `ensign` alone and every parse error are usage.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const failure = asCliError(error);
    printError(failure, output, stderr);
    if (env.ENSIGN_DEBUG && !(error instanceof CliError) && error instanceof Error) {
      stderr.write(`${error.stack}\n`);
    }
    return failure.exitCode;
  }
}
