/**
 * Where `ensign refs`, `generate` and `lint` get the flags from: a flag-set file (offline, in CI
 * on the file in git), or the live set through the admin API (`--set`), with its archived keys.
 */
import type { FlagSetDocument } from '@ensign/core';
import { type CommandContext, type ConnectionOptions, flagSetOf } from '../context.js';
import { usageError } from '../errors.js';
import { readFlagFile } from '../plan/files.js';
import { setPath, withApi } from './admin-api.js';

/** The options naming the source. */
export interface FlagSourceOptions extends ConnectionOptions {
  set?: string;
  /** A flag-set file (`--flags FILE`, or the command's argument). */
  flags?: string;
}

/** A set's flags as a command reads them. */
export interface FlagSource {
  /** The file, or `set "<name>"`. */
  readonly origin: string;
  readonly flagSet?: string;
  readonly version?: number;
  readonly document: FlagSetDocument;
  /** Archived keys (the live set only). */
  readonly archived: readonly string[];
}

/** Reads the flags from `file` when given, else from the live set (`--set`, else ENSIGN_SET). */
export async function readFlagSource(
  file: string | undefined,
  options: FlagSourceOptions,
  context: CommandContext,
): Promise<FlagSource> {
  const path = file ?? options.flags;
  if (path !== undefined) {
    if (options.set !== undefined) throw usageError('give a flag file or --set, not both');
    const read = readFlagFile(path);
    return { origin: path, document: read.document, archived: [] };
  }
  if (options.set === undefined && (context.env.ENSIGN_SET ?? '') === '')
    throw usageError('which flags? give a flag file (--flags FILE) or --set SET (or set ENSIGN_SET)');
  const flagSet = flagSetOf(options.set, context.env);
  return withApi(context, options, async (call) => {
    const exported = await call({ method: 'GET', path: setPath(flagSet) });
    const archive = await call({ method: 'GET', path: `${setPath(flagSet)}/archive` });
    const { $schema: _schema, ...document } = exported.body as FlagSetDocument & { $schema?: string };
    const version = Number(/^"v(\d+)"$/.exec(exported.headers.get('etag') ?? '')?.[1] ?? Number.NaN);
    return {
      origin: `set "${flagSet}"`,
      flagSet,
      ...(Number.isFinite(version) && { version }),
      document,
      archived: (archive.body as { flags: { flagKey: string }[] }).flags.map((f) => f.flagKey),
    };
  });
}
