/**
 * Remembers which (targeting key, flag, variant) triples were reported recently: the first
 * sighting in a window is an exposure, repeats are not.
 *
 * The targeting key is client-controlled (in ChatGPT apps often `_meta["openai/subject"]`), so the
 * strings themselves are never kept: each triple is remembered as a 53-bit hash of (flag, variant,
 * targeting key), seeded at random per process, mapped to the time it was last reported. An
 * entry costs about 90 bytes whether the key has 10 characters or 100,000, and at most
 * `maxEntries` are kept, so the memory is bounded in bytes. When full, the triples *reported* longest ago are forgotten first
 * (insertion order of a `Map`, refreshed on every report): those are the closest to expiring, and
 * forgetting one only ever costs one extra exposure.
 *
 * A hash collision makes a new triple look like a repeat, i.e. one missed exposure. With n
 * triples remembered, a new triple collides with probability at most n / 2^53: about 5.6e-12 at
 * the default 50,000, or one expected miss per 180 billion new exposures. (The recorder passes a
 * key over the pipeline's `maxTargetingKeyLength` as its stand-in, so such a key is hashed once.)
 * (Internal to this package.)
 */
import { type HashState, absorb, hashFrom, initialState, randomSeed } from '../internal/hash.js';

/** (flag, variant) pairs whose hash state is cached; beyond, the cache starts over. */
const MAX_CACHED_PAIRS = 4_096;

/** @internal */
export class ExposureDeduper {
  /**
   * hash(flag, variant, targeting key) → when it was last reported, in ms since `epoch`: small
   * integers are stored inline by V8 (for 24 days of uptime), epoch milliseconds would each take
   * a separately allocated heap number.
   */
  private readonly reported = new Map<number, number>();
  private epoch: number | undefined;
  private readonly seed = randomSeed();
  /**
   * Hash state after (flag, variant), so an evaluation hashes only its targeting key. Flag keys
   * and variants come from code and flag definitions, and V8 caches the hash of a string used
   * as a `Map` key, so these lookups are cheap.
   */
  private readonly pairs = new Map<string, Map<string, HashState>>();
  private cachedPairs = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Triples remembered. */
  get size(): number {
    return this.reported.size;
  }

  /** `true` when this triple was not reported within the window (and records it as reported now). */
  firstInWindow(targetingKey: string, flagKey: string, variant: string, now: number): boolean {
    const key = hashFrom(this.pairState(flagKey, variant), targetingKey);
    this.epoch ??= now;
    const since = now - this.epoch;
    const at = this.reported.get(key);
    if (at !== undefined) {
      if (since - at < this.windowMs) return false;
      // Reported again: delete first so it moves to the back of the eviction order.
      this.reported.delete(key);
    }
    this.reported.set(key, since);
    if (this.reported.size > this.maxEntries) this.evict();
    return true;
  }

  /**
   * Forgets the oldest reports, down to 1/64 below the bound. In batches because a V8 `Map` keeps
   * deleted entries as holes until it next rehashes, and a fresh `keys()` iterator walks every
   * hole at the front: evicting one entry per insert made each new exposure cost a scan of up to
   * half the table (about 25 µs at 50,000 entries).
   */
  private evict(): void {
    const target = this.maxEntries - Math.floor(this.maxEntries / 64);
    const keys = this.reported.keys();
    while (this.reported.size > target) {
      const oldest = keys.next();
      if (oldest.done) break;
      this.reported.delete(oldest.value);
    }
  }

  clear(): void {
    this.reported.clear();
    this.pairs.clear();
    this.cachedPairs = 0;
  }

  private pairState(flagKey: string, variant: string): HashState {
    let byVariant = this.pairs.get(flagKey);
    const cached = byVariant?.get(variant);
    if (cached !== undefined) return cached;
    // Unknown flag keys (FLAG_NOT_FOUND) come from callers, so the cache is bounded too.
    if (this.cachedPairs >= MAX_CACHED_PAIRS) {
      this.pairs.clear();
      this.cachedPairs = 0;
      byVariant = undefined;
    }
    const state = initialState(this.seed);
    absorb(state, flagKey);
    absorb(state, variant);
    if (byVariant === undefined) {
      byVariant = new Map();
      this.pairs.set(flagKey, byVariant);
    }
    byVariant.set(variant, state);
    this.cachedPairs++;
    return state;
  }
}
