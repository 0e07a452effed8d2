/**
 * The one error type commands throw: what went wrong in words a person acts on, the exit code a
 * script branches on, and, for validation, every problem with its flag key and JSON Pointer.
 */
import { EXIT, type ExitCode } from './exit-codes.js';

/** One problem in a flag-set document or a request. */
export interface Problem {
  /** The file it was found in, when it came from a file. */
  readonly file?: string;
  /** The flag it belongs to, when it belongs to one. */
  readonly flagKey?: string;
  /** JSON Pointer into the document (`/flags/new-checkout/defaultVariant`); `''` for the whole. */
  readonly pointer: string;
  readonly message: string;
}

/** Stable names of the kinds of failure (the `error.kind` of `--json` output). */
export type ErrorKind =
  | 'usage'
  | 'invalid'
  | 'not-found'
  | 'failed'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'unreachable';

const EXIT_OF_KIND: Readonly<Record<ErrorKind, ExitCode>> = {
  usage: EXIT.usage,
  invalid: EXIT.failure,
  'not-found': EXIT.failure,
  failed: EXIT.failure,
  conflict: EXIT.conflict,
  unauthenticated: EXIT.auth,
  forbidden: EXIT.auth,
  unreachable: EXIT.unreachable,
};

/** Extra facts about a failure, for people and for `--json`. */
export interface CliErrorDetails {
  /** Every problem found (validation). */
  problems?: readonly Problem[];
  /** The flags concerned (a conflict names the flags that moved). */
  flags?: readonly string[];
  /** What to do next, printed after the message. */
  hint?: string;
  cause?: unknown;
}

/** A failure of a command: printed without a stack trace, exits with its code. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  readonly problems: readonly Problem[];
  readonly flags: readonly string[];
  readonly hint: string | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    details: CliErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.exitCode = EXIT_OF_KIND[kind];
    this.problems = details.problems ?? [];
    this.flags = details.flags ?? [];
    this.hint = details.hint;
  }
}

/** A usage error (exit 64), e.g. a weight that is not `variant=number`. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError('usage', message, hint === undefined ? {} : { hint });
}

/** The `--json` form of an error: `{ "error": { … } }` on stdout. */
export interface ErrorOutput {
  error: {
    kind: ErrorKind;
    exitCode: ExitCode;
    message: string;
    hint?: string;
    flags?: string[];
    problems?: Problem[];
  };
}

/** The `--json` form of `error`. */
export function errorOutput(error: CliError): ErrorOutput {
  return {
    error: {
      kind: error.kind,
      exitCode: error.exitCode,
      message: error.message,
      ...(error.hint !== undefined && { hint: error.hint }),
      ...(error.flags.length > 0 && { flags: [...error.flags] }),
      ...(error.problems.length > 0 && { problems: [...error.problems] }),
    },
  };
}

/** Formats a problem on one line: `flag "x" at /flags/x/defaultVariant: message`. */
export function describeProblem(problem: Problem): string {
  const where = problem.pointer === '' ? '(document)' : problem.pointer;
  const flag = problem.flagKey === undefined ? '' : `flag "${problem.flagKey}" at `;
  const file = problem.file === undefined ? '' : `${problem.file}: `;
  return `${file}${flag}${where}: ${problem.message}`;
}
