/**
 * The body of a delivery and its signature. The body is JSON with a Slack-compatible `text`, so
 * a Slack incoming webhook can be subscribed as it is; the signature is HMAC-SHA256 of the exact
 * bytes sent, hex, in `X-Ensign-Signature-256: sha256=<hex>` (GitHub's scheme), so a receiver
 * verifies it before it parses anything.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditEntry } from '@ensign/store';
import { type WebhookEvent, flagsChanged, summaryOf } from './events.js';

/** The headers of every delivery. */
export const WEBHOOK_HEADERS = {
  /** `sha256=<hex>`: HMAC-SHA256 of the raw body with the subscription's secret. */
  signature: 'x-ensign-signature-256',
  /** The idempotency id, the same for every attempt and redelivery: `<set>:<version>:<subscription>`. */
  delivery: 'x-ensign-delivery',
  /** The event type (`flag.killed`, …). */
  event: 'x-ensign-event',
  /** Which attempt this is (1 for the first); not signed. */
  attempt: 'x-ensign-attempt',
} as const;

/** What a receiver gets, as JSON. */
export interface WebhookPayload {
  /** The delivery id (as in `X-Ensign-Delivery`): deduplicate on it. */
  readonly id: string;
  readonly event: WebhookEvent;
  /** The subscription this was delivered for. */
  readonly webhookId: string;
  readonly flagSet: string;
  /** The set's version after the change: order deliveries by it. */
  readonly version: number;
  readonly operation: AuditEntry['operation'];
  readonly flagKey?: string;
  readonly actor: string;
  readonly reason?: string;
  /** When the change was written (ISO-8601, the store's clock). */
  readonly at: string;
  /** One line for people; Slack shows it as the message. */
  readonly text: string;
  /** The flag before and after (single-flag changes). */
  readonly before?: unknown;
  readonly after?: unknown;
  /** The flags that differ (whole-set changes, whose documents may be large). */
  readonly flagsChanged?: readonly string[];
}

/** The idempotency id of delivering one entry to one subscription. */
export function deliveryIdOf(entry: Pick<AuditEntry, 'flagSet' | 'version'>, subscriptionId: string): string {
  return `${entry.flagSet}:${entry.version}:${subscriptionId}`;
}

/** The payload of `entry` for subscription `webhookId`. */
export function payloadOf(entry: AuditEntry, event: WebhookEvent, webhookId: string): WebhookPayload {
  const wholeSet = entry.flagKey === undefined;
  return {
    id: deliveryIdOf(entry, webhookId),
    event,
    webhookId,
    flagSet: entry.flagSet,
    version: entry.version,
    operation: entry.operation,
    ...(entry.flagKey !== undefined && { flagKey: entry.flagKey }),
    actor: entry.actor,
    ...(entry.reason !== undefined && { reason: entry.reason }),
    at: entry.at,
    text: summaryOf(entry, event),
    ...(wholeSet
      ? { flagsChanged: flagsChanged(entry.before, entry.after) }
      : { before: entry.before, after: entry.after }),
  };
}

/** A new signing secret: 256 random bits. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The `X-Ensign-Signature-256` value of `body` (`sha256=<hex>`). */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Whether `signature` (the `X-Ensign-Signature-256` header) is the signature of the raw `body`
 * with `secret`; compared in constant time. Verify the bytes received, before parsing them.
 * @example
 * if (!verifyWebhookSignature(process.env.ENSIGN_WEBHOOK_SECRET!, rawBody, req.headers['x-ensign-signature-256'])) return res.status(401).end();
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  signature: string | string[] | undefined | null,
): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
