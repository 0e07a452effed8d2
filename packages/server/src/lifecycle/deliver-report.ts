/**
 * Sending a set's lifecycle report to the webhooks that asked for it (`lifecycle.report`, or
 * `*`), with the webhook machinery every change goes through: the same signature, the same
 * retries, the same "sent" markers (a report already answered 2xx is not sent again by another
 * instance), the same recent-deliveries and failures lists (redeliverable by hand). The body
 * carries a Slack-compatible `text` and the report's summary and flags to act on.
 */
import { ACTION_STAGES, type LifecycleReport, lifecycleSlackText } from '@ensign/lifecycle';
import { type EventDelivery, type EventDeliveryDeps, deliverEvent } from '../webhooks/deliver-event.js';
import { listWebhooks } from '../webhooks/records.js';
import { wants } from '../webhooks/set-worker.js';

/** The event of a lifecycle report delivery. */
export const LIFECYCLE_REPORT_EVENT = 'lifecycle.report';

/** What a receiver of a lifecycle report gets, as JSON. */
export interface LifecycleReportPayload {
  /** The delivery id (as in `X-Ensign-Delivery`): deduplicate on it. */
  readonly id: string;
  readonly event: typeof LIFECYCLE_REPORT_EVENT;
  readonly webhookId: string;
  readonly flagSet: string;
  /** The set's version the report was made from. */
  readonly version: number;
  /** When the report was made (ISO-8601). */
  readonly at: string;
  /** The report for people; Slack shows it as the message. */
  readonly text: string;
  /** The report, with only the flags to act on (`ready-to-archive`, `ready-for-code-removal`, `stale`). */
  readonly report: LifecycleReport;
}

/** The outcome of one delivery of a report. */
export type ReportDelivery = EventDelivery;

/** What sending needs. */
export type ReportDeliveryDeps = EventDeliveryDeps;

/**
 * Delivers `report` to every subscription of its set that wants `lifecycle.report`. `occasion`
 * names the delivery (the weekly slot, or a manual send) in its idempotency id
 * `<set>:lifecycle-<occasion>:<subscription>`.
 */
export async function deliverReport(
  deps: ReportDeliveryDeps,
  report: LifecycleReport,
  occasion: string,
): Promise<ReportDelivery[]> {
  const { state } = deps;
  const out: ReportDelivery[] = [];
  const act = new Set(ACTION_STAGES);
  const body = { ...report, flags: report.flags.filter((f) => act.has(f.stage)) };
  for (const record of (await listWebhooks(state)).values()) {
    if (!wants(record, report.flagSet, LIFECYCLE_REPORT_EVENT)) continue;
    const deliveryId = `${report.flagSet}:lifecycle-${occasion}:${record.id}`;
    const payload: LifecycleReportPayload = {
      id: deliveryId,
      event: LIFECYCLE_REPORT_EVENT,
      webhookId: record.id,
      flagSet: report.flagSet,
      version: report.version,
      at: report.generatedAt,
      text: lifecycleSlackText(report),
      report: body,
    };
    const delivery = await deliverEvent(deps, {
      record,
      deliveryId,
      event: LIFECYCLE_REPORT_EVENT,
      flagSet: report.flagSet,
      version: report.version,
      body: JSON.stringify(payload),
    });
    if (delivery) out.push(delivery);
  }
  return out;
}
