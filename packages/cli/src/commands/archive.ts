/**
 * `ensign flag archive FLAG` and `ensign flag unarchive FLAG` (through the admin API): an archived
 * flag is no longer served (callers get their code default, as from flagd for a missing flag),
 * its exact definition kept until it is unarchived; both are audited writes.
 */
import type { ArchiveResult, UnarchiveResult } from '@ensign/lifecycle';
import { type CommandContext, type ConnectionOptions, flagSetOf } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { setPath, withApi } from './admin-api.js';

/** Options of `flag archive` and `flag unarchive`. */
export interface ArchiveCommandOptions extends ConnectionOptions {
  set?: string;
  reason?: string;
}

/** The `--json` output of `flag archive` (schemas/flag-archive.schema.json). */
export type ArchiveOutput = ArchiveResult;
/** The `--json` output of `flag unarchive` (schemas/flag-unarchive.schema.json). */
export type UnarchiveOutput = UnarchiveResult;

const flagPath = (flagSet: string, flagKey: string) =>
  `${setPath(flagSet)}/flags/${encodeURIComponent(flagKey)}`;

/** `ensign flag archive FLAG`. */
export async function archive(
  flagKey: string,
  options: ArchiveCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  const result = await withApi(context, options, async (call) => {
    const answer = await call({
      method: 'POST',
      path: `${flagPath(flagSet, flagKey)}/archive`,
      // Whatever the flag is now: archiving keeps exactly that definition.
      headers: { 'if-match': '*' },
      body: options.reason === undefined ? {} : { reason: options.reason },
    });
    return answer.body as ArchiveResult;
  });
  context.output.result(result, (r) =>
    [
      r.changed
        ? `Archived flag "${r.flagKey}" of flag set "${r.flagSet}" (version ${r.version}): it is no longer served; callers get their code default.`
        : `Nothing to do: flag "${r.flagKey}" of flag set "${r.flagSet}" is already archived (${r.archived.archivedAt.slice(0, 10)} by ${r.archived.archivedBy}).`,
      `Restore it with: ensign flag unarchive ${r.flagKey} --set ${r.flagSet}`,
    ].join('\n'),
  );
  return EXIT.ok;
}

/** `ensign flag unarchive FLAG`. */
export async function unarchive(
  flagKey: string,
  options: ArchiveCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  const result = await withApi(context, options, async (call) => {
    const answer = await call({
      method: 'POST',
      path: `${flagPath(flagSet, flagKey)}/unarchive`,
      headers: { 'if-none-match': '*' },
      body: options.reason === undefined ? {} : { reason: options.reason },
    });
    return answer.body as UnarchiveResult;
  });
  context.output.result(
    result,
    (r) =>
      `Restored flag "${r.flagKey}" of flag set "${r.flagSet}" (version ${r.version}) exactly as it was archived on ${r.restoredFrom.archivedAt.slice(0, 10)}.`,
  );
  return EXIT.ok;
}
