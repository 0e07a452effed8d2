/**
 * Refusals of rollout and schedule requests: each names the flag set, the plan or schedule, and
 * every problem by JSON Pointer into the request, so an API answers 422 with all of them at once
 * and a CLI prints them the way `ensign validate` prints flag problems. Nothing is written when
 * one is thrown.
 */

/** One problem of a request: where it is and what is wrong. */
export interface RolloutProblem {
  /** JSON Pointer into the plan or schedule as sent (e.g. `/stages/2/percent`). */
  readonly pointer: string;
  readonly message: string;
}

/**
 * Why a request was refused:
 * - `invalid-plan`, `invalid-schedule`: the request itself is malformed (see `problems`);
 * - `flag-not-found`: the plan's flag does not exist in the set;
 * - `unknown-variant`: the plan names a variant the flag does not have;
 * - `not-a-split`: the flag's targeting has no single literal `fractional` split;
 * - `not-adjacent`: the released and replaced variants are not neighbours in the split (growing
 *   one at the other's expense would move users of a third variant);
 * - `rollout-exists`: a plan of that id, or a running plan of that flag, exists;
 * - `not-found`: no such plan or schedule;
 * - `wrong-status`: the plan or schedule is not in a state that allows this (resume a completed plan);
 * - `conflict`: the plan or schedule changed since it was read (If-Match).
 */
export type RolloutErrorCode =
  | 'invalid-plan'
  | 'invalid-schedule'
  | 'flag-not-found'
  | 'unknown-variant'
  | 'not-a-split'
  | 'not-adjacent'
  | 'rollout-exists'
  | 'not-found'
  | 'wrong-status'
  | 'conflict';

/** A refused rollout or schedule request; nothing was written. */
export class RolloutError extends Error {
  override name = 'RolloutError';

  constructor(
    /** What kind of refusal (stable; the server maps it to a problem type). */
    readonly code: RolloutErrorCode,
    /** The flag set concerned. */
    readonly flagSet: string,
    message: string,
    /** Every problem found, by JSON Pointer (validation refusals). */
    readonly problems: readonly RolloutProblem[] = [],
  ) {
    super(message);
  }
}
