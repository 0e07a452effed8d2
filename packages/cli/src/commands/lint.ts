/**
 * `ensign lint [FILE]`: checks a set against the team's conventions (required `owner`, `kind`,
 * `expiresAt` for temporary kinds, key prefixes by kind, …). Every rule is off until the team
 * turns it on in `ensign.config.json` (section `lint`) or with `--preset recommended`; exits 1
 * when an error-level rule is broken.
 */
import { resolve } from 'node:path';
import type { LintIssue } from '@ensign/lifecycle';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { lintText } from '../render/lifecycle.js';
import { type FlagSourceOptions, readFlagSource } from './flag-source.js';
import { readConfig } from './refs-config.js';

/** Options of `lint`. */
export interface LintCommandOptions extends FlagSourceOptions {
  config?: string;
  preset?: string;
}

/** The `--json` output of `lint` (schemas/lint.schema.json). */
export interface LintOutput {
  readonly origin: string;
  /** The rules applied, and how. */
  readonly rules: Readonly<Record<string, string>>;
  readonly issues: readonly LintIssue[];
  readonly errors: number;
  readonly warnings: number;
}

/** `ensign lint [FILE]`. */
export async function lint(
  file: string | undefined,
  options: LintCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  if (options.preset !== undefined && options.preset !== 'recommended' && options.preset !== 'off')
    throw usageError(`--preset must be "recommended" or "off", got "${options.preset}"`);
  const { config } = readConfig(resolve('.'), options.config);
  const { lintFlagSet, resolveConventions } = await import('@ensign/lifecycle');
  const section = (config.lint ?? {}) as Record<string, unknown>;
  let conventions: ReturnType<typeof resolveConventions>;
  try {
    conventions = resolveConventions(
      options.preset === undefined ? section : { ...section, preset: options.preset },
    );
  } catch (error) {
    throw new CliError('invalid', `ensign.config.json: ${(error as Error).message}`, { cause: error });
  }
  const source = await readFlagSource(file, options, context);
  const issues = lintFlagSet(source.document, conventions);
  const output: LintOutput = {
    origin: source.origin,
    rules: conventions.rules,
    issues,
    errors: issues.filter((i) => i.severity === 'error').length,
    warnings: issues.filter((i) => i.severity === 'warn').length,
  };
  context.output.result(output, lintText);
  return output.errors > 0 ? EXIT.failure : EXIT.ok;
}
