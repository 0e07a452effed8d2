/**
 * Refusals of intent-level actions (kill, restore, rollout, targeting, promotion): the request is
 * well-formed but does not fit the flag as it is stored. Each names the flag and, when the
 * refusal is about one field of the request, the JSON Pointer of that field.
 */
import { FlagStoreError } from '../errors.js';

/**
 * Why an intent was refused:
 * - `not-killed`: restore of a flag that carries no kill marker;
 * - `changed-since-kill`: the flag was changed after its kill, so restoring would discard that change;
 * - `kill-not-restorable`: the flag was written already killed (import, promotion): nothing to restore to;
 * - `not-a-flag`: the stored flag is not a flag object (written by hand), so it cannot be edited by intent;
 * - `no-single-split`: a rollout needs exactly one `fractional` split in the flag's targeting;
 * - `split-not-literal`: the split's buckets are rules, not `[variant, weight]` literals;
 * - `unknown-variant`: the request names a variant the flag does not have;
 * - `unknown-segment`: the request names a segment (`$evaluators` entry) the set does not have;
 * - `invalid-weights`: the weights add up to 0 or beyond what `fractional` accepts;
 * - `empty-source`: promotion from a set that was never written.
 */
export type IntentErrorCode =
  | 'not-killed'
  | 'changed-since-kill'
  | 'kill-not-restorable'
  | 'not-a-flag'
  | 'no-single-split'
  | 'split-not-literal'
  | 'unknown-variant'
  | 'unknown-segment'
  | 'invalid-weights'
  | 'empty-source';

/** An intent that cannot apply to the flag as stored; nothing was written. */
export class IntentError extends FlagStoreError {
  override name = 'IntentError';

  constructor(
    flagSet: string,
    /** What kind of refusal (stable; the server maps it to a problem type). */
    readonly code: IntentErrorCode,
    /** The flag the intent was about, when it was about one. */
    readonly flagKey: string | undefined,
    message: string,
    /** JSON Pointer of the request field refused (e.g. `/weights/on`), when one is. */
    readonly pointer?: string,
  ) {
    super(flagSet, message);
  }
}
