/** `ensign pull --set S > FILE`: the live set as a flag file that `plan` finds unchanged. */
import type { FlagSetDocument } from '@ensign/core';
import { type CommandContext, type ConnectionOptions, flagSetOf, withClient } from '../context.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** The schema flagd documents point to. */
export const FLAGD_SCHEMA = 'https://flagd.dev/schema/v0/flags.json';

/** Options of `pull`. */
export interface PullOptions extends ConnectionOptions {
  set?: string;
}

/** The `--json` output of `pull` (schemas/pull.schema.json). */
export interface PullOutput {
  flagSet: string;
  version: number;
  document: FlagSetDocument;
}

/** The document as a file: `$schema`, metadata, shared rules, then the flags. */
export function asFlagFile(document: FlagSetDocument): string {
  const ordered: FlagSetDocument = {
    $schema: FLAGD_SCHEMA,
    ...(document.metadata !== undefined && { metadata: document.metadata }),
    ...(document.$evaluators !== undefined && { $evaluators: document.$evaluators }),
    flags: document.flags,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Prints the live set. */
export async function pull(options: PullOptions, context: CommandContext): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withClient(context, options, async (client) => {
    const live = await client.readSet(flagSet);
    if (live.version === 0) {
      throw new CliError('not-found', `flag set "${flagSet}" has never been written`, {
        hint: 'check the name, or create it with: ensign apply FILE --set ' + flagSet,
      });
    }
    if (context.output.json) {
      context.output.result<PullOutput>(
        { flagSet, version: live.version, document: live.document },
        () => '',
      );
    } else {
      context.output.raw(asFlagFile(live.document));
    }
    return EXIT.ok;
  });
}
