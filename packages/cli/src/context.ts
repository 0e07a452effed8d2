/** What every command handler is given: where to print, the environment, and how to connect. */
import type { EnsignClient } from './client/client.js';
import { CliError, usageError } from './errors.js';
import type { Output } from './output.js';

/** Options shared by every command that reads or writes flags. */
export interface ConnectionOptions {
  /** Admin API base URL (else `ENSIGN_URL`). */
  url?: string;
  /** A file holding the token (else `ENSIGN_TOKEN_FILE`, else `ENSIGN_TOKEN`). */
  tokenFile?: string;
  /** Talk to a store directly: `redis` (`REDIS_URL`) or `memory:DIR` (an `ensign serve --data` directory). */
  store?: string;
  /** Seconds to wait for the server or store. */
  timeout?: number;
  json?: boolean;
}

/** The environment as commands read it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Given to every handler. */
export interface CommandContext {
  readonly output: Output;
  readonly env: Environment;
}

/** The flag set named by `--set`, else `ENSIGN_SET`. */
export function flagSetOf(option: string | undefined, env: Environment, name = '--set'): string {
  const flagSet = option ?? env.ENSIGN_SET;
  if (flagSet === undefined || flagSet === '') {
    throw usageError(`which flag set? give ${name} SET (or set ENSIGN_SET)`);
  }
  return flagSet;
}

/**
 * Opens the client the options and environment name (lazily importing only what it needs), runs
 * `body`, and always closes it.
 */
export async function withClient<T>(
  context: CommandContext,
  options: ConnectionOptions,
  body: (client: EnsignClient) => Promise<T>,
): Promise<T> {
  const { openClient } = await import('./client/connect.js');
  const client = await openClient(options, context.env);
  try {
    return await body(client);
  } finally {
    await client.close().catch(() => {});
  }
}

/** Throws the usual "not found" error for a flag. */
export function flagNotFound(flagSet: string, flagKey: string): CliError {
  return new CliError('not-found', `flag "${flagKey}" does not exist in flag set "${flagSet}"`, {
    flags: [flagKey],
    hint: `list the flags with: ensign flag list --set ${flagSet}`,
  });
}
