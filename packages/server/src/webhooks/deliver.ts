/**
 * Sending one delivery over HTTP, with retries: exponential backoff with jitter, honouring a
 * receiver's `Retry-After`, up to a number of attempts. A 2xx answer delivers; a timeout, a
 * connection error, 408, 425, 429 and 5xx are retried; any other answer (a 404 from a deleted
 * Slack hook, a 3xx: redirects are not followed) fails at once, since repeating cannot help.
 */
import { WEBHOOK_HEADERS, signWebhookBody } from './payload.js';

/** One delivery to make. */
export interface DeliveryRequest {
  readonly url: string;
  readonly body: string;
  readonly secret: string;
  readonly deliveryId: string;
  readonly event: string;
}

/** How hard to try. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
}

/** What came of a delivery, after all its attempts. */
export interface DeliveryOutcome {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The receiver's status of the last attempt, when it answered. */
  readonly status?: number;
  /** Why the last attempt failed. */
  readonly error?: string;
  readonly firstAttemptAt: string;
  readonly lastAttemptAt: string;
}

/** Raised when delivery was stopped (the server closes, or the lease was lost) before it ended. */
export class DeliveryStoppedError extends Error {
  override name = 'DeliveryStoppedError';
}

interface Attempt {
  ok: boolean;
  retryable: boolean;
  status?: number;
  error?: string;
  retryAfterMs?: number;
}

const USER_AGENT = 'Ensign-Webhooks/1';
/** How much of a failing receiver's answer is kept as the error. */
const ERROR_EXCERPT = 200;

/** The first characters of a body, for an error message; the rest is not read. */
async function excerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < ERROR_EXCERPT) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, ERROR_EXCERPT);
}

/** `Retry-After` in ms (seconds or an HTTP date), if given. */
function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Why a request failed without an answer, in a few words. */
function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'request failed'} (${cause})` : (e.message ?? String(error));
}

async function attempt(
  request: DeliveryRequest,
  n: number,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [WEBHOOK_HEADERS.event]: request.event,
        [WEBHOOK_HEADERS.delivery]: request.deliveryId,
        [WEBHOOK_HEADERS.signature]: signWebhookBody(request.secret, request.body),
        [WEBHOOK_HEADERS.attempt]: String(n),
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (stop.aborted) throw new DeliveryStoppedError('delivery stopped');
    return { ok: false, retryable: true, error: describe(error, timeoutMs) };
  }
  const { status } = response;
  if (status >= 200 && status < 300) {
    await response.body?.cancel().catch(() => {});
    return { ok: true, retryable: false, status };
  }
  const text = await excerpt(response).catch(() => '');
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  const retryAfterMs = retryAfterOf(response);
  return {
    ok: false,
    retryable,
    status,
    error: `HTTP ${status}${text ? `: ${text}` : ''}`,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  };
}

/** Waits `ms`, or rejects with {@link DeliveryStoppedError} as soon as `stop` aborts. */
export function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stop.aborted) {
      reject(new DeliveryStoppedError('delivery stopped'));
      return;
    }
    const timer = setTimeout(() => {
      stop.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DeliveryStoppedError('delivery stopped'));
    };
    stop.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wait before attempt `n + 1`: doubling from `initialBackoffMs`, capped, with jitter (50–100%). */
export function backoffMs(policy: RetryPolicy, n: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (n - 1));
  const jittered = exponential * (0.5 + Math.random() * 0.5);
  return Math.min(policy.maxBackoffMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** When to give up: `stopping` starts no further attempt, `abort` cancels the one in flight. */
export interface DeliverySignals {
  readonly stopping: AbortSignal;
  readonly abort: AbortSignal;
}

/**
 * Delivers `request`, retrying as `policy` allows. Resolves the outcome either way; rejects only
 * with {@link DeliveryStoppedError} when stopped before it ended: an attempt in flight when
 * `stopping` fires still completes (and counts if delivered), but a failure is then not recorded
 * and no further attempt is made: whoever holds the lease next makes it.
 */
export async function deliverWithRetries(
  request: DeliveryRequest,
  policy: RetryPolicy,
  signals: DeliverySignals,
): Promise<DeliveryOutcome> {
  const firstAttemptAt = new Date().toISOString();
  let last: Attempt = { ok: false, retryable: true };
  let n = 0;
  while (n < policy.maxAttempts) {
    if (signals.stopping.aborted) throw new DeliveryStoppedError('delivery stopped');
    n++;
    last = await attempt(request, n, policy.timeoutMs, signals.abort);
    if (last.ok) break;
    if (signals.stopping.aborted) throw new DeliveryStoppedError('delivery stopped');
    if (!last.retryable || n === policy.maxAttempts) break;
    await pause(backoffMs(policy, n, last.retryAfterMs), signals.stopping);
  }
  return {
    delivered: last.ok,
    attempts: n,
    ...(last.status !== undefined && { status: last.status }),
    ...(last.error !== undefined && { error: last.error }),
    firstAttemptAt,
    lastAttemptAt: new Date().toISOString(),
  };
}
