/**
 * `ensign kill FLAG` (and `flag kill`), `flag restore`, `flag weights`, `flag revert`: intent-level
 * writes to one flag, each one audited write with the reason given. What "kill" does is defined
 * once, by the store's intents (`killFlag`): the declared off variant for everyone, or DISABLED.
 */
import type { FlagDefinition } from '@ensign/core';
import type { EnsignClient, FlagWriteResult } from '../client/client.js';
import { type CommandContext, type ConnectionOptions, flagSetOf, withClient } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { ruleLines } from '../render/rule.js';

/** Options of the flag write commands. */
export interface FlagWriteOptions extends ConnectionOptions {
  set?: string;
  reason?: string;
  to?: number;
}

/** The `--json` output of a flag write (schemas/flag-write.schema.json). */
export interface FlagWriteOutput extends FlagWriteResult {
  action: 'kill' | 'restore' | 'weights' | 'revert';
}

function servingLine(flag: FlagDefinition | null): string {
  if (flag === null) return 'The flag no longer exists.';
  if (flag.state === 'DISABLED') return 'It is DISABLED: every caller gets its own code default.';
  const rules = ruleLines(flag.targeting);
  if (rules[0] === '(none)')
    return `It serves variant "${flag.defaultVariant ?? '(caller default)'}" to everyone.`;
  return `It serves: ${rules.join('; ')} (default ${flag.defaultVariant ?? "the caller's"}).`;
}

function writeText(out: FlagWriteOutput): string {
  const where = `flag "${out.flagKey}" in flag set "${out.flagSet}"`;
  const lines: string[] = [];
  if (!out.changed) {
    const already = {
      kill: 'killed',
      restore: 'as restored',
      weights: 'at these weights',
      revert: 'as at that version',
    };
    return [
      `Nothing to do: ${where} is already ${already[out.action]} (version ${out.version}).`,
      servingLine(out.flag),
    ].join('\n');
  }
  switch (out.action) {
    case 'kill':
      lines.push(`Killed ${where} (version ${out.version}).`, servingLine(out.flag));
      lines.push(`Undo with: ensign flag restore ${out.flagKey} --set ${out.flagSet}`);
      break;
    case 'restore':
      lines.push(`Restored ${where} (version ${out.version}).`, servingLine(out.flag));
      break;
    case 'weights':
      lines.push(`Set the weights of ${where} (version ${out.version}).`, servingLine(out.flag));
      break;
    case 'revert':
      lines.push(`Reverted ${where} (version ${out.version}).`, servingLine(out.flag));
      break;
  }
  return lines.join('\n');
}

async function writeFlag(
  action: FlagWriteOutput['action'],
  options: FlagWriteOptions,
  context: CommandContext,
  body: (client: EnsignClient, flagSet: string) => Promise<FlagWriteResult>,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withClient(context, options, async (client) => {
    const result = await body(client, flagSet);
    context.output.result<FlagWriteOutput>({ action, ...result }, writeText);
    return EXIT.ok;
  });
}

const meta = (options: FlagWriteOptions) => (options.reason === undefined ? {} : { reason: options.reason });

/** `ensign kill FLAG`. */
export function kill(flagKey: string, options: FlagWriteOptions, context: CommandContext): Promise<ExitCode> {
  return writeFlag('kill', options, context, (client, flagSet) =>
    client.kill(flagSet, flagKey, meta(options)),
  );
}

/** `ensign flag restore FLAG`. */
export function restore(
  flagKey: string,
  options: FlagWriteOptions,
  context: CommandContext,
): Promise<ExitCode> {
  return writeFlag('restore', options, context, (client, flagSet) =>
    client.restore(flagSet, flagKey, meta(options)),
  );
}

/** Parses `on=25 off=75` (also `on=25,off=75`). */
export function parseWeights(args: readonly string[]): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const pair of args.flatMap((a) => a.split(',')).filter((a) => a !== '')) {
    const match = /^(.+)=(\d+)$/.exec(pair);
    if (!match) throw usageError(`weights are variant=integer pairs (e.g. on=25 off=75), got "${pair}"`);
    if (Object.hasOwn(weights, match[1]!)) throw usageError(`variant "${match[1]}" is given twice`);
    Object.defineProperty(weights, match[1]!, { value: Number(match[2]), enumerable: true, writable: true });
  }
  if (Object.keys(weights).length === 0) throw usageError('give at least one variant=weight pair');
  return weights;
}

/** `ensign flag weights FLAG on=25 off=75`. */
export function weights(
  flagKey: string,
  pairs: readonly string[],
  options: FlagWriteOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const parsed = parseWeights(pairs);
  return writeFlag('weights', options, context, (client, flagSet) =>
    client.setWeights(flagSet, flagKey, parsed, meta(options)),
  );
}

/** `ensign flag revert FLAG --to N`. */
export function revert(
  flagKey: string,
  options: FlagWriteOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const to = options.to;
  if (to === undefined) throw usageError('give the version to revert to: --to N (see ensign flag history)');
  return writeFlag('revert', options, context, (client, flagSet) =>
    client.revertFlag(flagSet, flagKey, to, meta(options)),
  );
}
