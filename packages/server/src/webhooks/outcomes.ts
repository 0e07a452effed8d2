/**
 * Recording what came of a delivery, the same way for the dispatcher and for a redelivery by hand:
 * a delivered one gets its marker (so no later holder of the lease sends it again), leaves the
 * failures and counts as delivered; a failed one is kept, body and all, among the subscription's
 * failures until it is redelivered or dismissed. Either way it joins the latest deliveries.
 */
import type { ServerState } from '../state/server-state.js';
import type { DeliveryOutcome } from './deliver.js';
import type { WebhookEvent } from './events.js';
import {
  type DeliveryRecord,
  type FailureRecord,
  SENT_MARKER_TTL_MS,
  WEBHOOK_SENT,
  WEBHOOK_STATS,
  failuresOf,
  recordDelivery,
  updateDocument,
} from './records.js';

/** One delivery whose outcome is to be recorded. */
export interface SettledDelivery {
  readonly subscriptionId: string;
  readonly deliveryId: string;
  readonly event: WebhookEvent;
  readonly flagSet: string;
  readonly version: number;
  readonly flagKey?: string;
  readonly body: string;
  readonly outcome: DeliveryOutcome;
  /** Made by hand from the failures list. */
  readonly redelivered?: boolean;
}

/** Records `delivery`; `keep` is how many recent deliveries the subscription keeps. */
export async function settleDelivery(
  state: ServerState,
  delivery: SettledDelivery,
  keep: number,
): Promise<void> {
  const { outcome, subscriptionId, deliveryId } = delivery;
  const where = {
    event: delivery.event,
    flagSet: delivery.flagSet,
    version: delivery.version,
    ...(delivery.flagKey !== undefined && { flagKey: delivery.flagKey }),
  };
  if (outcome.delivered) {
    await state.put(WEBHOOK_SENT, deliveryId, { at: outcome.lastAttemptAt }, { ttlMs: SENT_MARKER_TTL_MS });
    await state.delete(failuresOf(subscriptionId), deliveryId);
  } else {
    await updateDocument<FailureRecord>(state, failuresOf(subscriptionId), deliveryId, (previous) => ({
      deliveryId,
      subscriptionId,
      ...where,
      attempts: (previous?.attempts ?? 0) + outcome.attempts,
      firstAttemptAt: previous?.firstAttemptAt ?? outcome.firstAttemptAt,
      lastAttemptAt: outcome.lastAttemptAt,
      lastError: outcome.error ?? 'failed',
      ...(outcome.status !== undefined && { responseStatus: outcome.status }),
      body: delivery.body,
    }));
  }
  await state.increment(WEBHOOK_STATS, subscriptionId, {
    [outcome.delivered ? 'delivered' : 'failed']: 1,
    attempts: outcome.attempts,
  });
  const record: DeliveryRecord = {
    deliveryId,
    ...where,
    status: outcome.delivered ? 'delivered' : 'failed',
    attempts: outcome.attempts,
    ...(outcome.status !== undefined && { responseStatus: outcome.status }),
    ...(outcome.error !== undefined && !outcome.delivered && { error: outcome.error }),
    at: outcome.lastAttemptAt,
    ...(delivery.redelivered && { redelivered: true }),
  };
  await recordDelivery(state, subscriptionId, record, keep);
}

/** Records changes trimmed from the audit log before delivery: listed as failures, never silently lost. */
export async function recordGap(
  state: ServerState,
  subscriptionId: string,
  flagSet: string,
  gap: { from: number; to: number },
): Promise<void> {
  const now = new Date().toISOString();
  const deliveryId = `${flagSet}:${gap.from}-${gap.to}:${subscriptionId}`;
  const failure: FailureRecord = {
    deliveryId,
    subscriptionId,
    event: 'flag.updated',
    flagSet,
    version: gap.to,
    attempts: 0,
    firstAttemptAt: now,
    lastAttemptAt: now,
    lastError: `versions ${gap.from}–${gap.to} of flag set "${flagSet}" were trimmed from the audit log before they could be delivered; see the set's history`,
    gap,
  };
  // Recorded and counted once, also when the entry after the gap is processed again.
  if (
    (await state.put(failuresOf(subscriptionId), deliveryId, failure, { expectedVersion: 0 })) !== undefined
  )
    await state.increment(WEBHOOK_STATS, subscriptionId, { failed: 1 });
}
