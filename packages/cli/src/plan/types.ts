/**
 * The plan: what `ensign plan` computed and `ensign apply` carries out, nothing more. Written to
 * a file by `plan --out` (format `ensign-plan/1`) with the ETag of every part of the live set it
 * touches, so that apply can refuse when any of them moved, and a hash over all of it.
 */
import type { FlagDefinition, JsonValue, MetadataValue } from '@ensign/core';

/** The plan file format this version writes and reads. */
export const PLAN_FORMAT = 'ensign-plan/1';

/** What a change does to its flag (or set part). */
export type ChangeAction = 'add' | 'change' | 'remove';

/** A flag as the live set may hold it: a definition, or the raw text of one that is not JSON. */
export type LiveFlag = FlagDefinition | string;

/** A change to one flag. */
export interface FlagChange {
  readonly kind: 'flag';
  readonly flagKey: string;
  readonly action: ChangeAction;
  /** The live flag the plan was computed from (`null`: absent). */
  readonly before: LiveFlag | null;
  /** The flag after apply (`null`: removed). */
  readonly after: FlagDefinition | null;
  /** The flag had drifted and `--overwrite-drift` named it. */
  readonly overwritesDrift?: boolean;
}

/** A change to the set's shared `$evaluators` or its `metadata`. */
export interface SetPartChange {
  readonly kind: 'evaluators' | 'metadata';
  readonly action: ChangeAction;
  readonly before: Readonly<Record<string, JsonValue | MetadataValue>> | null;
  readonly after: Readonly<Record<string, JsonValue | MetadataValue>> | null;
}

/** One change of a plan. */
export type PlanChange = FlagChange | SetPartChange;

/** The newest audit entry of a flag, as far as a plan reports it. */
export interface LastChange {
  readonly version: number;
  readonly operation: string;
  readonly actor: string;
  readonly at: string;
  readonly reason?: string;
}

/**
 * A flag the file would change that was changed live since it was last applied (or is killed):
 * apply leaves it alone unless `--overwrite-drift` names it.
 */
export interface DriftItem {
  readonly flagKey: string;
  /** `killed`: a kill switch is active on it; `changed-live`: its newest write was a live edit. */
  readonly why: 'killed' | 'changed-live';
  /** What the file would do to it. */
  readonly action: ChangeAction;
  readonly lastChange?: LastChange;
  /** `--overwrite-drift` named it: the change is in `changes`. */
  readonly overwrite: boolean;
}

/** A flag owned by a running guarded rollout, left alone unless `--include-rollouts`. */
export interface SkippedItem {
  readonly flagKey: string;
  /** The rollout plan named in the flag's metadata (`rolloutPlan`). */
  readonly rollout: string;
  readonly action: ChangeAction;
}

/** Where the desired state came from. */
export type PlanSource =
  | { readonly kind: 'file'; readonly path: string; readonly sha256: string }
  | { readonly kind: 'flag-set'; readonly flagSet: string; readonly version: number };

/** The live state a plan was computed from: the version read and the ETag of each part touched. */
export interface PlanBase {
  readonly version: number;
  /** Flag key → its ETag (`flagEtag`) when planned, `"absent"` for a flag that did not exist. */
  readonly flags: Readonly<Record<string, string>>;
  /** ETag of `$evaluators` when the plan changes them. */
  readonly evaluators?: string;
  /** ETag of the set metadata when the plan changes it. */
  readonly metadata?: string;
}

/** Counts, for people and for CI. */
export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly remove: number;
  readonly drift: number;
  readonly skipped: number;
}

/** A plan (the content of a plan file, and the `--json` output of `plan`). */
export interface Plan {
  readonly format: typeof PLAN_FORMAT;
  readonly flagSet: string;
  readonly source: PlanSource;
  readonly base: PlanBase;
  readonly changes: readonly PlanChange[];
  readonly drift: readonly DriftItem[];
  readonly skipped: readonly SkippedItem[];
  readonly summary: PlanSummary;
  /** SHA-256 over everything above: apply refuses a plan file that was edited. */
  readonly planHash: string;
}
