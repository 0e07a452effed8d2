/**
 * `ensign generate`: typed flag accessors (TypeScript) from a set, so app code gets a compile
 * error for a wrong key or type and the code scanner finds every use; or an OpenFeature CLI
 * manifest (`--format manifest`) for `openfeature generate` in other languages.
 */
import { writeFileSync } from 'node:fs';
import type { GeneratedAccessor } from '@ensign/lifecycle';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { type FlagSourceOptions, readFlagSource } from './flag-source.js';

/** Options of `generate`. */
export interface GenerateCommandOptions extends FlagSourceOptions {
  out?: string;
  sdk?: string;
  format?: string;
}

/** The `--json` output of `generate` (schemas/generate.schema.json). */
export interface GenerateOutput {
  readonly origin: string;
  readonly out: string;
  readonly format: 'typescript' | 'manifest';
  readonly accessors: readonly GeneratedAccessor[];
  readonly skipped: readonly { readonly flagKey: string; readonly reason: string }[];
}

/** `ensign generate [FILE]`. */
export async function generate(
  file: string | undefined,
  options: GenerateCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const format = options.format ?? 'typescript';
  if (format !== 'typescript' && format !== 'manifest')
    throw usageError(`--format must be "typescript" or "manifest", got "${format}"`);
  const sdk = options.sdk ?? 'server';
  if (sdk !== 'server' && sdk !== 'web') throw usageError(`--sdk must be "server" or "web", got "${sdk}"`);
  if (options.out === undefined && options.json)
    throw usageError('--json describes what was written: give --out FILE');
  const source = await readFlagSource(file, options, context);
  const { generateAccessors, manifestFileOf } = await import('@ensign/lifecycle');
  const generated = generateAccessors(source.document, {
    ...(source.flagSet !== undefined && { flagSet: source.flagSet }),
    ...(source.version !== undefined && { version: source.version }),
    sdk,
  });
  const text =
    format === 'typescript'
      ? generated.source
      : `${JSON.stringify(manifestFileOf(source.document), null, 2)}\n`;
  if (options.out === undefined) {
    context.output.raw(text);
    return EXIT.ok;
  }
  try {
    writeFileSync(options.out, text);
  } catch (error) {
    throw new CliError('failed', `cannot write ${options.out}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const output: GenerateOutput = {
    origin: source.origin,
    out: options.out,
    format,
    accessors: generated.accessors,
    skipped: generated.skipped,
  };
  context.output.result(output, (o) =>
    [
      `Wrote ${o.accessors.length} ${format === 'typescript' ? 'typed accessors' : 'manifest flags'} from ${o.origin} to ${o.out}.`,
      ...o.skipped.map((s) => `Left out "${s.flagKey}": ${s.reason}.`),
    ].join('\n'),
  );
  return EXIT.ok;
}
