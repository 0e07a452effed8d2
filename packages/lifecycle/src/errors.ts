/**
 * Refusals of lifecycle actions: the request is well-formed but does not fit the set as it is.
 * Each names the set and the flag.
 */
import { FlagStoreError } from '@ensign/store';

/**
 * - `not-archived`: unarchive of a key with no archived definition;
 * - `flag-exists`: unarchive of a key the set holds again (created after the archive).
 */
export type LifecycleErrorCode = 'not-archived' | 'flag-exists';

/** A lifecycle action that cannot apply; nothing was written. */
export class LifecycleError extends FlagStoreError {
  override name = 'LifecycleError';

  constructor(
    flagSet: string,
    /** What kind of refusal (stable; the server maps it to a problem type). */
    readonly code: LifecycleErrorCode,
    readonly flagKey: string,
    message: string,
  ) {
    super(flagSet, message);
  }
}
