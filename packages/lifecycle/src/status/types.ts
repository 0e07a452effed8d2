/** The statuses, stages and reasons of the lifecycle report. */

/**
 * What a flag is doing, derived from its kind, age, `expiresAt`, last change, last evaluation
 * and the variants it served:
 * - `new`: created less than `newForDays` ago;
 * - `active`: evaluated, serving more than one outcome (or usage unknown);
 * - `launched`: one outcome for everyone for `launchedAfterDays`, unchanged meanwhile (seen in
 *   the evaluations, or by its definition: disabled, no targeting, one weighted bucket);
 * - `inactive`: not evaluated for `inactiveAfterDays` while usage was recorded;
 * - `expired`: its `expiresAt` has passed (the team's own removal date).
 */
export type FlagStatus = 'new' | 'active' | 'launched' | 'inactive' | 'expired';

/**
 * What to do about a flag:
 * - `live`: nothing, it is doing its job;
 * - `stale`: a temporary flag past its kind's lifetime or its `expiresAt`, still undecided;
 * - `ready-for-code-removal`: a temporary flag launched or inactive, still referenced in code (or
 *   no code scan known): remove the code paths;
 * - `ready-to-archive`: launched or inactive with no code reference left: archive the flag;
 * - `permanent`: a kind meant to stay (kill switch, ops, permission).
 */
export type LifecycleStage = 'live' | 'stale' | 'ready-for-code-removal' | 'ready-to-archive' | 'permanent';

/** Every status, in report order. */
export const FLAG_STATUSES: readonly FlagStatus[] = ['new', 'active', 'launched', 'inactive', 'expired'];

/** Every stage, most urgent first (the order reports list flags in). */
export const LIFECYCLE_STAGES: readonly LifecycleStage[] = [
  'ready-to-archive',
  'ready-for-code-removal',
  'stale',
  'live',
  'permanent',
];

/** Why a flag has its status and stage, as a code and a sentence. */
export interface LifecycleReason {
  readonly code:
    | 'new'
    | 'expired'
    | 'past-lifetime'
    | 'launched'
    | 'off-everywhere'
    | 'inactive'
    | 'never-evaluated'
    | 'usage-unknown'
    | 'referenced'
    | 'unreferenced'
    | 'no-kind'
    | 'unknown-kind'
    | 'unreadable-expires-at'
    | 'history-trimmed';
  readonly message: string;
}

/** One live flag in the report. */
export interface FlagLifecycle {
  readonly flagKey: string;
  /** The kind its lifecycle follows (the declared one, or the policy's `defaultKind`). */
  readonly kind: string;
  /** The `kind` metadata as written, when it differs from `kind` or names no known kind. */
  readonly declaredKind?: string;
  /** Whether the kind has an expected lifetime (release, experiment by default). */
  readonly temporary: boolean;
  /** The kind's expected lifetime in days; `null` for permanent kinds. */
  readonly lifetimeDays: number | null;
  readonly owner?: string;
  readonly description?: string;
  /** `expiresAt` as an ISO date-time, when it reads as one. */
  readonly expiresAt?: string;
  /** When it was created (the audit log, else `createdAt` metadata). */
  readonly createdAt?: string;
  /** When the log begins, for a flag created before it: it is at least this old. */
  readonly existsSince?: string;
  /** Its newest change the log holds. */
  readonly lastChangedAt?: string;
  /** Age in whole days (a lower bound with `existsSince`). */
  readonly ageDays?: number;
  readonly lastEvaluatedAt?: string;
  /** Outcomes served within the last `launchedAfterDays`, `''` for the code default. */
  readonly recentVariants: readonly string[];
  readonly status: FlagStatus;
  readonly stage: LifecycleStage;
  readonly reasons: readonly LifecycleReason[];
  /** References found by the latest code scan, when one is known. */
  readonly codeReferences?: number;
}
