/** The tuning of webhook delivery, with its defaults. */

/** Options of the webhook machinery (`createServer({ webhooks })`). */
export interface WebhookOptions {
  /** Deliver from this instance; `false` serves the webhook routes only. @default true */
  dispatch?: boolean;
  /** Attempts per delivery before it is recorded as failed. @default 5 */
  maxAttempts?: number;
  /** Wait before the second attempt; doubled for each further one, with jitter. @default 1000 */
  initialBackoffMs?: number;
  /** Longest wait between two attempts (also caps a receiver's `Retry-After`). @default 60000 */
  maxBackoffMs?: number;
  /** Longest wait for a receiver's answer to one attempt. @default 10000 */
  timeoutMs?: number;
  /** How often each instance rereads the subscriptions and renews its delivery leases. @default 2000 */
  pollIntervalMs?: number;
  /**
   * How long a flag set's delivery lease lasts unless renewed: the longest a crashed instance
   * holds up delivery before another takes over. @default 15000
   */
  leaseTtlMs?: number;
  /** Recent deliveries kept per subscription (`GET /api/v1/webhooks/{id}/deliveries`). @default 50 */
  deliveryHistory?: number;
}

/** Every option resolved. */
export type ResolvedWebhookOptions = Required<WebhookOptions>;

/** The defaults of {@link WebhookOptions}. */
export const WEBHOOK_DEFAULTS: ResolvedWebhookOptions = {
  dispatch: true,
  maxAttempts: 5,
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  timeoutMs: 10_000,
  pollIntervalMs: 2_000,
  leaseTtlMs: 15_000,
  deliveryHistory: 50,
};

/** Resolves `options`, refusing a value that is not a positive integer by naming it. */
export function resolveWebhookOptions(options: WebhookOptions = {}): ResolvedWebhookOptions {
  const resolved = { ...WEBHOOK_DEFAULTS };
  for (const [name, value] of Object.entries(options) as [keyof WebhookOptions, unknown][]) {
    if (value === undefined) continue;
    if (!(name in WEBHOOK_DEFAULTS)) throw new TypeError(`webhooks: unknown option "${name}"`);
    if (name === 'dispatch') {
      if (typeof value !== 'boolean') throw new TypeError('webhooks: option "dispatch" must be a boolean');
      resolved.dispatch = value;
    } else {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
        throw new TypeError(`webhooks: option "${name}" must be a positive integer, got ${String(value)}`);
      resolved[name] = value;
    }
  }
  if (resolved.pollIntervalMs * 2 > resolved.leaseTtlMs)
    throw new TypeError(
      'webhooks: option "leaseTtlMs" must be at least twice "pollIntervalMs" (leases are renewed at each poll)',
    );
  return resolved;
}
