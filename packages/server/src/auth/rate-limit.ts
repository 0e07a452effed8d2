/**
 * Per-token rate limits: a token bucket per principal, refilled continuously. Kept per server
 * instance (documented): with N instances behind a balancer a token gets up to N times its rate,
 * which bounds abuse without a round trip to shared state on every request.
 */

/** The outcome of taking one request from a bucket. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updated: number;
}

/** Token buckets by key, at most `maxKeys` of them (least recently used dropped first). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request for `key` at `perSecond` (burst: twice that). */
  take(key: string, perSecond: number): RateDecision {
    const burst = Math.max(1, perSecond * 2);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * perSecond);
      bucket.updated = now;
    } else {
      bucket = { tokens: burst, updated: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }
}
