/**
 * What webhooks keep in the server state, and the compare-and-set updates on it. Namespaces:
 *
 * | namespace | id | holds |
 * |---|---|---|
 * | `webhooks` | subscription id | the subscription, without its secret |
 * | `webhook-secrets` | subscription id | the signing secret (never answered by any route after creation) |
 * | `webhook-cursors` | flag set | the shared delivery cursor: last entry dispatched, lease holder, subscribers |
 * | `webhook-sent` | delivery id | a marker (7 days) that a delivery was answered 2xx: never sent again by a new holder |
 * | `webhook-deliveries` | subscription id | the latest deliveries, delivered or failed |
 * | `webhook-failures:<subscription id>` | delivery id | what could not be delivered, with the body to redeliver |
 * | `webhook-stats` (counters) | subscription id | `delivered`, `failed`, `attempts` |
 */
import type { ServerState } from '../state/server-state.js';
import type { WebhookEvent } from './events.js';

export const WEBHOOKS = 'webhooks';
export const WEBHOOK_SECRETS = 'webhook-secrets';
export const WEBHOOK_CURSORS = 'webhook-cursors';
export const WEBHOOK_SENT = 'webhook-sent';
export const WEBHOOK_DELIVERIES = 'webhook-deliveries';
export const WEBHOOK_STATS = 'webhook-stats';
/** The namespace of one subscription's failures (so they list, and go, with it). */
export const failuresOf = (subscriptionId: string) => `webhook-failures:${subscriptionId}`;
/** How long a delivered marker is kept: far longer than any takeover takes. */
export const SENT_MARKER_TTL_MS = 7 * 86_400_000;
/** Compare-and-set attempts before an update of shared state gives up (contention, not failure). */
const CAS_ATTEMPTS = 50;

/** A subscription as stored (the secret is kept apart, in `webhook-secrets`). */
export interface WebhookRecord {
  /** `wh_` and 16 hex digits. */
  readonly id: string;
  /** Where deliveries are POSTed (`http:` or `https:`). */
  readonly url: string;
  /** The events delivered, or `['*']` for all. */
  readonly events: readonly (WebhookEvent | '*')[];
  /** The flag sets whose changes are delivered. */
  readonly flagSets: readonly string[];
  readonly description?: string;
  readonly createdAt: string;
  /** The actor that created it (`name (tok_…)`). */
  readonly createdBy: string;
}

/**
 * The delivery cursor of one flag set, shared by every server instance. Only the holder of the
 * set's lease moves it, by compare-and-set on its document version; a subscription joins it the
 * same way, so that the cursor and the subscribers always change in one step.
 */
export interface CursorState {
  /** The change-feed position of the last entry dispatched (`''`: none yet). */
  readonly position: string;
  /** The set version of that entry (0: none). */
  readonly version: number;
  /** The lease holder that last claimed the cursor, with its fencing token. */
  readonly holder?: { readonly owner: string; readonly token: number };
  /** Subscription id → deliver the entries with a version above this. */
  readonly subscribers: Readonly<Record<string, number>>;
}

/** The outcome of one delivery (after all its attempts). */
export interface DeliveryRecord {
  /** The idempotency id, as sent in `X-Ensign-Delivery`: `<set>:<version>:<subscription>`. */
  readonly deliveryId: string;
  readonly event: WebhookEvent;
  readonly flagSet: string;
  readonly version: number;
  readonly flagKey?: string;
  readonly status: 'delivered' | 'failed';
  readonly attempts: number;
  /** The receiver's HTTP status of the last attempt, when it answered. */
  readonly responseStatus?: number;
  /** Why the last attempt failed. */
  readonly error?: string;
  /** When the last attempt ended (ISO-8601). */
  readonly at: string;
  /** Redelivered by hand (`POST …/redeliver`). */
  readonly redelivered?: boolean;
}

/** A delivery that could not be made: listed until it is redelivered or dismissed. */
export interface FailureRecord {
  readonly deliveryId: string;
  readonly subscriptionId: string;
  readonly event: WebhookEvent;
  readonly flagSet: string;
  readonly version: number;
  readonly flagKey?: string;
  readonly attempts: number;
  readonly firstAttemptAt: string;
  readonly lastAttemptAt: string;
  readonly lastError: string;
  readonly responseStatus?: number;
  /** The exact body sent (redelivery sends it again, with the same signature and delivery id). */
  readonly body?: string;
  /**
   * Changes that were trimmed from the audit log before they could be delivered (versions
   * `from`..`to`): nothing to redeliver, but not silently lost.
   */
  readonly gap?: { readonly from: number; readonly to: number };
}

/** Every subscription, by id. */
export async function listWebhooks(state: ServerState): Promise<Map<string, WebhookRecord>> {
  const out = new Map<string, WebhookRecord>();
  for (const [id, doc] of await state.list<WebhookRecord>(WEBHOOKS)) out.set(id, doc.value);
  return out;
}

/**
 * Applies `change` to a document by compare-and-set until it sticks (`change` returns `undefined`
 * to leave it as it is). Resolves the value written, or the one left.
 */
export async function updateDocument<T>(
  state: ServerState,
  namespace: string,
  id: string,
  change: (current: T | undefined) => Promise<T | undefined> | T | undefined,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const current = await state.get<T>(namespace, id);
    const next = await change(current?.value);
    if (next === undefined) return current?.value;
    const written = await state.put(namespace, id, next, { expectedVersion: current?.version ?? 0 });
    if (written !== undefined) return next;
  }
  throw new Error(`${namespace}/${id}: gave up after ${CAS_ATTEMPTS} concurrent updates`);
}

/**
 * Joins subscription `id` to the cursor of `flagSet`: it receives every entry with a version above
 * `fromVersion` (the set's version read before this call). A cursor is created at the set's
 * current position when there is none, or when none of its subscribers exists any more (so a new
 * subscription does not replay what nobody was subscribed to).
 */
export async function joinCursor(
  state: ServerState,
  flagSet: string,
  id: string,
  start: () => Promise<{ position: string; version: number }>,
): Promise<void> {
  const live = await listWebhooks(state);
  await updateDocument<CursorState>(state, WEBHOOK_CURSORS, flagSet, async (cursor) => {
    const others = Object.keys(cursor?.subscribers ?? {}).filter((s) => s !== id && live.has(s));
    if (!cursor || others.length === 0) {
      const { position, version } = await start();
      return { position, version, subscribers: { [id]: version } };
    }
    const { version } = await start();
    return { ...cursor, subscribers: { ...cursor.subscribers, [id]: version } };
  });
}

/** Removes subscription `id` from the cursor of `flagSet`. */
export async function leaveCursor(state: ServerState, flagSet: string, id: string): Promise<void> {
  await updateDocument<CursorState>(state, WEBHOOK_CURSORS, flagSet, (cursor) => {
    if (!cursor || !Object.hasOwn(cursor.subscribers, id)) return undefined;
    const subscribers = { ...cursor.subscribers };
    delete subscribers[id];
    return { ...cursor, subscribers };
  });
}

/** Adds `record` to the subscription's latest deliveries, keeping the newest `keep`. */
export async function recordDelivery(
  state: ServerState,
  subscriptionId: string,
  record: DeliveryRecord,
  keep: number,
): Promise<void> {
  await updateDocument<{ recent: DeliveryRecord[] }>(state, WEBHOOK_DELIVERIES, subscriptionId, (doc) => ({
    recent: [record, ...(doc?.recent ?? []).filter((r) => r.deliveryId !== record.deliveryId)].slice(0, keep),
  }));
}
