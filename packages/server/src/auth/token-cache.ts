/**
 * Token lookups remembered for a short time. Without it every request reads the server state
 * once for its token (with `RedisServerState`, a Redis round trip per OFREP evaluation). An
 * answer is kept for `ttlMs` (1 s), found or not, keyed by the token's hash (never the token), so
 * a revocation made elsewhere (another instance, `ensign token revoke` against Redis) takes
 * effect within that time; one made through this server's API takes effect at once ({@link
 * TokenCache.forget}). Expiry is checked on every use, not only when the record was read.
 */
import type { ServerState } from '../state/server-state.js';
import { TOKENS, type TokenRecord, hashToken, isTokenShaped } from './tokens.js';

interface Entry {
  readonly record: Promise<TokenRecord | undefined>;
  readonly until: number;
}

/** Remembers token lookups for a second; bounded in entries (the oldest dropped first). */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly state: ServerState,
    private readonly ttlMs = 1000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The record of a presented token if it exists, is not revoked and has not expired. */
  async find(token: string): Promise<TokenRecord | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const now = this.now();
    const hash = hashToken(token);
    let entry = this.entries.get(hash);
    if (entry === undefined || entry.until <= now) {
      if (entry !== undefined) this.entries.delete(hash);
      // The promise is kept, so concurrent requests with one token share one read.
      const record = this.state.get<TokenRecord>(TOKENS, hash).then(
        (doc) => doc?.value,
        (error: unknown) => {
          this.entries.delete(hash); // a failed read is not remembered
          throw error;
        },
      );
      entry = { record, until: now + this.ttlMs };
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(hash, entry);
    }
    const record = await entry.record;
    if (!record || record.revokedAt !== undefined) return undefined;
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= this.now()) return undefined;
    return record;
  }

  /** Forgets every remembered answer (after a revocation through this server). */
  forget(): void {
    this.entries.clear();
  }
}
