/** The lifecycle report of one flag set, as the admin API answers it and the CLI prints it. */
import type { LifecyclePolicy } from '../status/policy.js';
import type { FlagLifecycle, FlagStatus, LifecycleStage } from '../status/types.js';

/** A key evaluated while the set did not hold it (FLAG_NOT_FOUND), and not archived. */
export interface UnknownFlag {
  readonly flagKey: string;
  /** ISO-8601. */
  readonly lastEvaluatedAt: string;
  /** References in code to this key, from the latest scan. */
  readonly codeReferences?: number;
}

/** An archived flag: restorable, served to nobody. */
export interface ArchivedFlag {
  readonly flagKey: string;
  readonly archivedAt: string;
  readonly archivedBy: string;
  readonly reason?: string;
  readonly kind?: string;
  readonly owner?: string;
  /** Evaluated after it was archived (code still calls it; callers get their default). */
  readonly lastEvaluatedAt?: string;
  /** References in code from the latest scan. */
  readonly codeReferences?: number;
}

/** Counts of the report. */
export interface LifecycleSummary {
  readonly flags: number;
  readonly byStatus: Readonly<Record<FlagStatus, number>>;
  readonly byStage: Readonly<Record<LifecycleStage, number>>;
  readonly unknownFlags: number;
  readonly archived: number;
}

/** The report. */
export interface LifecycleReport {
  readonly flagSet: string;
  /** The set's version the report was made from. */
  readonly version: number;
  /** ISO-8601. */
  readonly generatedAt: string;
  readonly policy: LifecyclePolicy;
  /** Since when evaluations are recorded (absent: never; statuses then rest on definitions alone). */
  readonly usageSince?: string;
  /** The code scan the stages used, when one was uploaded. */
  readonly codeScan?: { readonly scannedAt: string; readonly source?: string; readonly revision?: string };
  readonly summary: LifecycleSummary;
  /** Every live flag, most urgent stage first. */
  readonly flags: readonly FlagLifecycle[];
  readonly unknownFlags: readonly UnknownFlag[];
  readonly archived: readonly ArchivedFlag[];
}
