/**
 * The exit codes of `ensign`, one per kind of outcome a script may branch on (as `gh` and
 * `terraform plan -detailed-exitcode` do). Documented in the README and in `ensign --help`.
 */

/** Exit codes by meaning. */
export const EXIT = {
  /** Success; for `plan`, `promote --dry-run`: nothing to change. */
  ok: 0,
  /** Failure: validation problems, a refused or failed operation, a flag that does not exist. */
  failure: 1,
  /** `plan` (and `promote --dry-run`): the live set differs from the file (changes or drift). */
  changes: 2,
  /** Refused because the live set moved: a flag the plan touches changed after the plan. */
  conflict: 3,
  /** The token is missing, unknown, revoked, expired, or not allowed to do this. */
  auth: 4,
  /** The server or the store cannot be reached (nothing was written). */
  unreachable: 5,
  /** The command line is wrong: unknown command or option, missing argument, bad value. */
  usage: 64,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table printed by `ensign --help` and kept in the README. */
export const EXIT_CODE_HELP = `Exit codes:
  0   success; plan: no changes
  1   failure (validation problems, an operation refused or failed)
  2   plan: the live set differs from the file (changes or drift)
  3   refused: a flag the plan touches changed since the plan
  4   token missing, unknown, revoked or not allowed
  5   server or store unreachable (nothing written)
  64  usage error`;
