/** The options of the server's lifecycle features, with their defaults. */
import type { LifecyclePolicyOptions } from '@ensign/lifecycle';

/** When the weekly report goes out, and how the job polls. */
export interface WeeklyReportOptions {
  /** Day of the week, 0 (Sunday) to 6. @default 1 (Monday) */
  weekday?: number;
  /** Hour of the day, UTC, 0 to 23. @default 9 */
  hourUtc?: number;
  /** How often each instance checks whether a report is due. @default 60000 */
  pollIntervalMs?: number;
  /** How long the job's lease lasts unless renewed (one instance sends at a time). @default 300000 */
  leaseTtlMs?: number;
  /** The clock, for tests and simulations. @default Date.now */
  now?: () => number;
}

/** Options of the lifecycle routes and the weekly report (`createServer({ lifecycle })`). */
export interface LifecycleServerOptions {
  /** Lifetimes by kind and the status windows. @default the documented defaults of `@ensign/lifecycle` */
  policy?: LifecyclePolicyOptions;
  /** Audit entries read per report, for creation and change times. @default 500 */
  historyLimit?: number;
  /**
   * Send each set's report every week to the webhooks subscribed to `lifecycle.report` (or `*`)
   * for it, from one instance at a time (a lease): `true` for the defaults (Monday 09:00 UTC).
   * `ensign serve` turns it on. @default false
   */
  weeklyReport?: boolean | WeeklyReportOptions;
}

/** The weekly report's options, resolved. */
export type ResolvedWeeklyReport = Required<WeeklyReportOptions>;

/** The defaults of {@link WeeklyReportOptions}. */
export const WEEKLY_REPORT_DEFAULTS: ResolvedWeeklyReport = {
  weekday: 1,
  hourUtc: 9,
  pollIntervalMs: 60_000,
  leaseTtlMs: 300_000,
  now: Date.now,
};

/** Resolves the weekly report's options, refusing a value it cannot use by naming it. */
export function resolveWeeklyReport(options: WeeklyReportOptions = {}): ResolvedWeeklyReport {
  const resolved = { ...WEEKLY_REPORT_DEFAULTS, ...options };
  const integer = (name: keyof WeeklyReportOptions, min: number, max: number) => {
    const value = resolved[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new TypeError(`lifecycle: option weeklyReport.${name} must be an integer from ${min} to ${max}`);
  };
  integer('weekday', 0, 6);
  integer('hourUtc', 0, 23);
  integer('pollIntervalMs', 1, Number.MAX_SAFE_INTEGER);
  integer('leaseTtlMs', 1, Number.MAX_SAFE_INTEGER);
  if (resolved.leaseTtlMs < 2 * resolved.pollIntervalMs)
    throw new TypeError('lifecycle: option weeklyReport.leaseTtlMs must be at least twice pollIntervalMs');
  if (typeof resolved.now !== 'function')
    throw new TypeError('lifecycle: option weeklyReport.now must be a function');
  return resolved;
}

/**
 * The start of the newest weekly slot at or before `now` (ms): the last time it was `weekday`
 * at `hourUtc`:00 UTC.
 */
export function weeklySlotOf(now: number, weekday: number, hourUtc: number): number {
  const date = new Date(now);
  const today = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hourUtc);
  const back = (date.getUTCDay() - weekday + 7) % 7;
  const slot = today - back * 86_400_000;
  return slot <= now ? slot : slot - 7 * 86_400_000;
}
