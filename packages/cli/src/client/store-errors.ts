/**
 * Store errors as CLI errors: a validation refusal keeps every problem with its flag key and JSON
 * Pointer, a compare-and-set refusal is a conflict (exit 3), an unreachable Redis is exit 5.
 */
import { FlagSetValidationError } from '@ensign/core';
import {
  FlagConflictError,
  FlagStoreError,
  HistoryUnavailableError,
  IntentError,
  InvalidArgumentError,
  MissingFlagError,
  StorePermissionError,
  TimeoutError,
  VersionConflictError,
} from '@ensign/store';
import { CliError } from '../errors.js';

/** Connection failures of ioredis and Node sockets, by code or message. */
const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Connection is closed|connect ETIMEDOUT|Stream isn't writeable|MaxRetriesPerRequest|Reached the max retries/;

/** Is `error` (or one of its causes) a failure to reach the other side? */
export function isUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code !== undefined && UNREACHABLE.test(code)) || UNREACHABLE.test(e.message)) return true;
    if (e instanceof TimeoutError) return true;
  }
  return false;
}

/** Maps an error thrown by a store (or an intent over it) to a `CliError`. */
export function fromStoreError(error: unknown, target: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof FlagSetValidationError) {
    return new CliError('invalid', 'the store refused the change: the flag set would be invalid', {
      problems: error.issues.map((issue) => ({
        ...(issue.flagKey !== undefined && { flagKey: issue.flagKey }),
        pointer: issue.path,
        message: issue.message,
      })),
      cause: error,
    });
  }
  if (error instanceof VersionConflictError || error instanceof FlagConflictError) {
    return new CliError('conflict', error.message, {
      ...(error instanceof FlagConflictError && { flags: [error.flagKey] }),
      cause: error,
    });
  }
  if (error instanceof MissingFlagError) {
    return new CliError('not-found', error.message, { flags: [error.flagKey], cause: error });
  }
  if (error instanceof IntentError) {
    return new CliError('failed', error.message, {
      ...(error.flagKey !== undefined && { flags: [error.flagKey] }),
      ...(error.pointer !== undefined && {
        problems: [
          {
            ...(error.flagKey !== undefined && { flagKey: error.flagKey }),
            pointer: error.pointer,
            message: error.message,
          },
        ],
      }),
      cause: error,
    });
  }
  if (error instanceof StorePermissionError)
    return new CliError('forbidden', error.message, { cause: error });
  if (error instanceof HistoryUnavailableError || error instanceof FlagStoreError) {
    return new CliError('failed', error.message, { cause: error });
  }
  if (error instanceof InvalidArgumentError) return new CliError('usage', error.message, { cause: error });
  if (error instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(error.message)) {
    return new CliError(
      'unauthenticated',
      `the store at ${target} refused the credentials: ${error.message}`,
      {
        hint: 'check the user and password in REDIS_URL',
        cause: error,
      },
    );
  }
  if (isUnreachable(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new CliError(
      'unreachable',
      `cannot reach the store at ${target} (${detail}); nothing was written`,
      {
        hint: 'check REDIS_URL and that the store is running',
        cause: error,
      },
    );
  }
  return new CliError('failed', error instanceof Error ? error.message : String(error), { cause: error });
}
