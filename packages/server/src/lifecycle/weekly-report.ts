/**
 * The weekly lifecycle report: every `pollIntervalMs` each instance tries to take the
 * `lifecycle-report` lease; the holder finds the sets that have a subscription to
 * `lifecycle.report` and sends each set's report once per weekly slot (Monday 09:00 UTC by
 * default), remembering the last slot sent per set in the state (`lifecycle-reports`), so a
 * restart or a takeover neither skips nor repeats a week (a delivery already answered 2xx is
 * never sent again: the webhooks' sent markers). A set seen for the first time gets its first
 * report at the next slot, not at once (a server starting up does not send last week's report).
 */
import { type LifecyclePolicy, lifecycleReportOf } from '@ensign/lifecycle';
import type { FlagStore } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { ServerState } from '../state/server-state.js';
import type { RetryPolicy } from '../webhooks/deliver.js';
import { listWebhooks } from '../webhooks/records.js';
import { wants } from '../webhooks/set-worker.js';
import { LIFECYCLE_REPORT_EVENT, deliverReport } from './deliver-report.js';
import { type ResolvedWeeklyReport, weeklySlotOf } from './options.js';

/** The lease of the weekly report (one instance sends at a time). */
export const WEEKLY_REPORT_LEASE = 'lifecycle-report';
/** The state namespace of each set's last slot sent. */
export const LIFECYCLE_REPORTS = 'lifecycle-reports';

/** A set's progress: the last weekly slot whose report went out (ms). */
interface ReportProgress {
  readonly lastSlot: number;
}

/** What the job needs from the server. */
export interface WeeklyReporterDeps {
  readonly state: ServerState;
  readonly store: FlagStore;
  readonly logger: Logger;
  readonly instanceId: string;
  readonly policy: LifecyclePolicy;
  readonly historyLimit: number;
  readonly retry: RetryPolicy;
  readonly deliveryHistory: number;
}

/** The weekly report job of one instance. */
export class WeeklyReporter {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private lastError = '';

  constructor(
    private readonly deps: WeeklyReporterDeps,
    private readonly options: ResolvedWeeklyReport,
  ) {}

  /** Starts polling. */
  start(): void {
    this.schedule(0);
  }

  /** Stops polling, lets a delivery in flight end, and releases the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopping.abort();
    await this.running?.catch(() => {});
    await this.deps.state.releaseLease(WEEKLY_REPORT_LEASE, this.deps.instanceId).catch(() => {});
  }

  /**
   * One poll: sends the reports that are due, if this instance holds the lease. Resolves the
   * sets whose report went out (tests call it directly, with a simulated clock).
   */
  async runOnce(): Promise<string[]> {
    const { state, instanceId } = this.deps;
    const lease = await state.acquireLease(WEEKLY_REPORT_LEASE, instanceId, this.options.leaseTtlMs);
    if (lease === undefined) return [];
    const now = this.options.now();
    const slot = weeklySlotOf(now, this.options.weekday, this.options.hourUtc);
    const sets = new Set<string>();
    for (const record of (await listWebhooks(state)).values())
      for (const flagSet of record.flagSets)
        if (wants(record, flagSet, LIFECYCLE_REPORT_EVENT)) sets.add(flagSet);
    const sent: string[] = [];
    for (const flagSet of [...sets].sort()) {
      if (this.stopped) break;
      const progress = await state.get<ReportProgress>(LIFECYCLE_REPORTS, flagSet);
      if (progress === undefined) {
        // First sight of the set: its first report is at the next slot.
        await state.put<ReportProgress>(
          LIFECYCLE_REPORTS,
          flagSet,
          { lastSlot: slot },
          { expectedVersion: 0 },
        );
        continue;
      }
      if (progress.value.lastSlot >= slot) continue;
      const report = await lifecycleReportOf(this.deps.store, state, flagSet, {
        policy: this.deps.policy,
        now,
        historyLimit: this.deps.historyLimit,
      });
      const deliveries = await deliverReport(
        {
          state,
          policy: this.deps.retry,
          deliveryHistory: this.deps.deliveryHistory,
          signals: { stopping: this.stopping.signal, abort: this.stopping.signal },
        },
        report,
        new Date(slot).toISOString(),
      );
      // Failed deliveries are listed among the webhook's failures (redeliverable); the week is done.
      await state.put<ReportProgress>(
        LIFECYCLE_REPORTS,
        flagSet,
        { lastSlot: slot },
        { expectedVersion: progress.version },
      );
      const failed = deliveries.filter((d) => !d.delivered).length;
      if (failed > 0)
        this.deps.logger.warn(
          `lifecycle: the weekly report of flag set "${flagSet}" failed for ${failed} of ${deliveries.length} webhooks; listed under their failures`,
        );
      sent.push(flagSet);
    }
    return sent;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => {
          this.lastError = '';
        })
        .catch((error: unknown) => {
          const line = (error as Error)?.message ?? String(error);
          if (line !== this.lastError && !this.stopped)
            this.deps.logger.error(`lifecycle: weekly report: ${line}`);
          this.lastError = line;
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollIntervalMs);
        });
    }, delayMs);
    // Polling alone never keeps a process alive.
    this.timer.unref?.();
  }
}
