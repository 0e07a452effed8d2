import type { RolloutPlanSpec } from '../plan/spec.js';
/**
 * A rollout as stored: the plan, where it stands, what the controller decided and wrote, and
 * its history. Every change is a compare-and-set write of the whole record (its version is the
 * plan's version), and each carries the fencing token of the controller that made it, so a
 * controller that lost its lease recognises that another one has moved the plan on.
 */
import type { Weights } from '../plan/split.js';

/** Where a plan stands. Terminal: `completed`, `rolled-back`, `aborted`. */
export type RolloutStatus = 'running' | 'paused' | 'completed' | 'rolled-back' | 'aborted';

/** One cohort: the traffic served by one controller write (a stage, or a stage re-applied). */
export interface CohortRecord {
  /** The `metricsCohort` value the write stamped on the flag. */
  readonly cohort: string;
  readonly stage: number;
  /** Released share of the pool, in percent. */
  readonly percent: number;
  readonly startedAt: number;
  /**
   * Someone else changed the flag while this cohort was live: its units still compare the two
   * arms (assignment stays random), but their ratio no longer follows `percent`, so the
   * sample-ratio check leaves it out.
   */
  contaminated?: boolean;
}

/** A flag write the controller decided and recorded before making it. */
export interface PendingWrite {
  readonly kind: 'stage' | 'harm' | 'complete';
  /** The stage written (`stage`, `complete`), or the stage harm was found at. */
  readonly stage: number;
  /** The flag's ETag the write is based on (compare-and-set). */
  readonly fromEtag: string;
  /** The flag's ETag once written: a conflict that finds it is a write already made. */
  readonly toEtag: string;
  /** The cohort stamped by a `stage` write. */
  readonly cohort?: string;
  /** Audit reason: which metric, which figures. */
  readonly reason: string;
  readonly decidedAt: number;
  /** The fencing token of the controller that decided it. */
  readonly fence: number;
}

/** The figures of one guardrail at one look. */
export interface GuardrailReport {
  readonly metric: string;
  readonly kind: 'proportion' | 'mean';
  readonly direction: 'increase' | 'decrease';
  /** Units (proportion) or events (mean) in the released / replaced arms, over the plan's cohorts. */
  readonly release: { readonly n: number; readonly value: number | null };
  readonly replace: { readonly n: number; readonly value: number | null };
  /** Effect in the harm orientation (positive = worse), inverse-variance weighted over cohorts. */
  readonly effect: number | null;
  /** Its (1 − α) confidence sequence. */
  readonly interval: { readonly low: number; readonly high: number } | null;
  /** Always-valid one-sided p-value of "no harm beyond tolerance" (running minimum over looks). */
  readonly pValue: number;
  /** What the fixed-horizon test would say on the same data (for comparison; never acted on). */
  readonly fixedHorizonP: number | null;
  readonly verdict: 'harm' | 'safe' | 'inconclusive' | 'waiting' | 'threshold-breached';
  /** Tracking events of this metric in the set since the plan started (any flag). */
  readonly eventsInSet: number;
}

/** One entry of a plan's history. */
export interface RolloutEvent {
  readonly at: number;
  /** `rollout:<plan>` for the controller, the token's actor for people. */
  readonly actor: string;
  readonly action:
    | 'created'
    | 'stage'
    | 'held'
    | 'paused'
    | 'resumed'
    | 'rolled-back'
    | 'killed'
    | 'completed'
    | 'aborted'
    | 'edited'
    | 'conflict';
  readonly detail: string;
  /** The flag set version of the flag write, when there was one. */
  readonly flagVersion?: number;
}

/** The stored rollout. */
export interface RolloutRecord {
  readonly flagSet: string;
  readonly spec: RolloutPlanSpec;
  readonly status: RolloutStatus;
  /** Index of the stage in effect; -1 before the controller's first write. */
  readonly stage: number;
  /** When the stage in effect was written (ms, the controller's clock). */
  readonly stageStartedAt?: number;
  /** Controller writes so far (numbers the cohorts). */
  readonly step: number;
  readonly cohorts: readonly CohortRecord[];
  /** The split when the plan was created (what an abort restores the released variant's share to). */
  readonly baseline: { readonly weights: Weights; readonly etag: string };
  /** The flag's ETag after the last write the plan knows of (its own, or the one it resumed on). */
  readonly expectedEtag: string;
  readonly pending?: PendingWrite;
  /** Fencing token of the controller that last wrote the record (0: none yet). */
  readonly fence: number;
  /** Mixing precision per guardrail, fixed when its test became active. */
  readonly rho: Readonly<Record<string, number>>;
  /** Largest log evidence per guardrail so far (the always-valid p-value is its inverse). */
  readonly maxEvidence: Readonly<Record<string, number>>;
  /** Tracking events per metric in the set when the plan was created (for "nobody emits it"). */
  readonly eventsAtStart: Readonly<Record<string, number>>;
  /** Set by a resume: the controller writes the stage again, as a new cohort. */
  readonly reapply?: boolean;
  /** For an aborted plan: the flag no longer carries its marks (checked by the controller). */
  readonly flagReleased?: boolean;
  /** Why it is paused, rolled back or holding. */
  readonly reason?: string;
  /** The last look's figures. */
  readonly lastReport?: { readonly at: number; readonly guardrails: readonly GuardrailReport[] };
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  /** Newest last, at most {@link MAX_EVENTS}. */
  readonly events: readonly RolloutEvent[];
}

/** History entries kept per plan (the oldest are dropped; the audit log keeps every flag write). */
export const MAX_EVENTS = 200;

/** The record with one more history entry. */
export function withEvent(record: RolloutRecord, event: RolloutEvent): RolloutEvent[] {
  const events = [...record.events, event];
  return events.length > MAX_EVENTS ? events.slice(events.length - MAX_EVENTS) : events;
}

/** Whether a status is final. */
export function isTerminal(status: RolloutStatus): boolean {
  return status === 'completed' || status === 'rolled-back' || status === 'aborted';
}

/** The audit actor of a plan's controller writes. */
export function controllerActor(planId: string): string {
  return `rollout:${planId}`;
}
