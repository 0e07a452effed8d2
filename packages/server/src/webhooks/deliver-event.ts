/**
 * Delivering one event that is not from the audit log (the weekly lifecycle report, a rollout
 * pause) to one subscription, the way the dispatcher delivers changes: not sent again once a
 * receiver answered 2xx (the "sent" marker, shared by every instance), skipped when the
 * subscription was deleted meanwhile, signed and retried, then settled among the subscription's
 * recent deliveries or its failures (redeliverable by hand).
 */
import type { ServerState } from '../state/server-state.js';
import {
  type DeliveryOutcome,
  type DeliverySignals,
  DeliveryStoppedError,
  type RetryPolicy,
  deliverWithRetries,
} from './deliver.js';
import type { WebhookEvent } from './events.js';
import { settleDelivery } from './outcomes.js';
import { WEBHOOK_SECRETS, WEBHOOK_SENT, type WebhookRecord } from './records.js';

/** What sending needs. */
export interface EventDeliveryDeps {
  readonly state: ServerState;
  readonly policy: RetryPolicy;
  /** Recent deliveries kept per subscription. */
  readonly deliveryHistory: number;
  readonly signals: DeliverySignals;
}

/** One event to deliver to one subscription. */
export interface EventDeliveryRequest {
  readonly record: WebhookRecord;
  /** The idempotency id (`X-Ensign-Delivery`), also the "sent" marker's key. */
  readonly deliveryId: string;
  readonly event: WebhookEvent;
  readonly flagSet: string;
  /** The set's version, shown in the deliveries and failures lists. */
  readonly version: number;
  readonly flagKey?: string;
  /** The JSON body. */
  readonly body: string;
  /**
   * When the server closes before the delivery ended: keep it among the failures (redeliverable)
   * instead of letting the stop propagate, for an event nothing will announce again.
   */
  readonly keepWhenStopped?: boolean;
}

/** The outcome of one delivery. */
export interface EventDelivery {
  readonly webhookId: string;
  readonly deliveryId: string;
  readonly delivered: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

/** Delivers `request`; `undefined` when it was already sent or its subscription is gone. */
export async function deliverEvent(
  deps: EventDeliveryDeps,
  request: EventDeliveryRequest,
): Promise<EventDelivery | undefined> {
  const { state } = deps;
  const { record, deliveryId, event } = request;
  if (await state.get(WEBHOOK_SENT, deliveryId)) return undefined;
  const secret = (await state.get<{ secret: string }>(WEBHOOK_SECRETS, record.id))?.value.secret;
  if (secret === undefined) return undefined; // deleted meanwhile
  const outcome = await deliverWithRetries(
    { url: record.url, body: request.body, secret, deliveryId, event },
    deps.policy,
    deps.signals,
  ).catch((error: unknown): DeliveryOutcome => {
    if (!(request.keepWhenStopped && error instanceof DeliveryStoppedError)) throw error;
    const now = new Date().toISOString();
    return {
      delivered: false,
      attempts: 0,
      error: 'the server closed before delivery',
      firstAttemptAt: now,
      lastAttemptAt: now,
    };
  });
  await settleDelivery(
    state,
    {
      subscriptionId: record.id,
      deliveryId,
      event,
      flagSet: request.flagSet,
      version: request.version,
      ...(request.flagKey !== undefined && { flagKey: request.flagKey }),
      body: request.body,
      outcome,
    },
    deps.deliveryHistory,
  );
  return {
    webhookId: record.id,
    deliveryId,
    delivered: outcome.delivered,
    attempts: outcome.attempts,
    ...(outcome.status !== undefined && { status: outcome.status }),
    ...(outcome.error !== undefined && !outcome.delivered && { error: outcome.error }),
  };
}
