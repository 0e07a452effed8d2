/**
 * Sending a guarded rollout's pause to the webhooks that asked for it (`rollout.paused`, or `*`).
 * A pause writes no flag, so it is not in the audit log the dispatcher delivers: it goes out from
 * the controller's notification, with the machinery every change goes through: the same
 * signature, the same retries, the same "sent" markers (a pause already answered 2xx is not sent
 * again), the same recent-deliveries and failures lists (redeliverable by hand). The body carries
 * a Slack-compatible `text` and the plan's figures.
 */
import type { RolloutNotification } from '@ensign/rollouts';
import type { FlagStore } from '@ensign/store';
import { type EventDelivery, type EventDeliveryDeps, deliverEvent } from '../webhooks/deliver-event.js';
import { slackEscape } from '../webhooks/events.js';
import { type WebhookRecord, listWebhooks } from '../webhooks/records.js';
import { wants } from '../webhooks/set-worker.js';

/** The event of a rollout pause delivery. */
export const ROLLOUT_PAUSED_EVENT = 'rollout.paused';

/** What a receiver of a rollout pause gets, as JSON. */
export interface RolloutPausedPayload {
  /** The delivery id (as in `X-Ensign-Delivery`): deduplicate on it. */
  readonly id: string;
  readonly event: typeof ROLLOUT_PAUSED_EVENT;
  readonly webhookId: string;
  readonly flagSet: string;
  readonly flagKey: string;
  /** The plan's id. */
  readonly plan: string;
  /** The stage in effect (index, from 0) and its percentage. */
  readonly stage: number;
  readonly percent: number;
  /** Why the controller paused: which metric, which figures, or whose edit. */
  readonly reason: string;
  /** When it paused (ISO-8601). */
  readonly at: string;
  /** One line for people; Slack shows it as the message. */
  readonly text: string;
}

/** The outcome of one delivery of a pause. */
export type PauseDelivery = EventDelivery;

/** What sending needs. */
export interface PauseDeliveryDeps extends EventDeliveryDeps {
  /** Read for the set's version, which the deliveries and failures lists show. */
  readonly store: FlagStore;
}

/** The Slack line of a pause: "rollout new-checkout of fitness paused at 25%: <reason>", escaped. */
export function pauseText(event: RolloutNotification): string {
  const flag = event.flagKey === event.plan ? '' : ` (flag ${event.flagKey})`;
  return slackEscape(
    `rollout ${event.plan}${flag} of ${event.flagSet} paused at ${event.percent}%: ${event.reason}`,
  );
}

/**
 * Delivers the pause `event` to every subscription of its set that wants `rollout.paused`, in
 * parallel, with the idempotency id `<set>:rollout-<plan>-paused-<at>:<subscription>`. A delivery
 * stopped by the server closing is recorded as a failure (redeliverable), never dropped.
 */
export async function deliverRolloutPause(
  deps: PauseDeliveryDeps,
  event: RolloutNotification,
): Promise<PauseDelivery[]> {
  const subscribers = [...(await listWebhooks(deps.state)).values()].filter((record) =>
    wants(record, event.flagSet, ROLLOUT_PAUSED_EVENT),
  );
  if (subscribers.length === 0) return [];
  const version = await deps.store.version(event.flagSet).catch(() => 0);
  const sent = await Promise.all(subscribers.map((record) => deliverOne(deps, event, record, version)));
  return sent.filter((delivery): delivery is PauseDelivery => delivery !== undefined);
}

function deliverOne(
  deps: PauseDeliveryDeps,
  event: RolloutNotification,
  record: WebhookRecord,
  version: number,
): Promise<PauseDelivery | undefined> {
  const at = new Date(event.at).toISOString();
  const deliveryId = `${event.flagSet}:rollout-${event.plan}-paused-${at}:${record.id}`;
  const payload: RolloutPausedPayload = {
    id: deliveryId,
    event: ROLLOUT_PAUSED_EVENT,
    webhookId: record.id,
    flagSet: event.flagSet,
    flagKey: event.flagKey,
    plan: event.plan,
    stage: event.stage,
    percent: event.percent,
    reason: event.reason,
    at,
    text: pauseText(event),
  };
  return deliverEvent(deps, {
    record,
    deliveryId,
    event: ROLLOUT_PAUSED_EVENT,
    flagSet: event.flagSet,
    version,
    flagKey: event.flagKey,
    body: JSON.stringify(payload),
    // No controller announces this pause again: keep it among the failures, redeliverable.
    keepWhenStopped: true,
  });
}
