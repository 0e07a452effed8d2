/**
 * Remembers which (targeting key, flag, variant) triples were reported recently: the first
 * sighting in a window is an exposure, repeats are not.
 *
 * Layout, for the hot path: subject → flag → last report, two lookups of strings the caller
 * already holds (no key concatenation, whose fresh string would be hashed on every call), and no
 * reordering on a repeat. Memory is bounded by `maxEntries` (subject, flag) pairs; when full, the
 * subject *reported* longest ago is forgotten first (an LRU ordered by report time), whose
 * entries are the closest to expiring anyway. Forgetting only ever costs one extra exposure.
 * @internal
 */
interface LastReport {
  variant: string;
  at: number;
  /** Other variants of the same flag reported to this subject (rare: a targeting change). */
  others?: Map<string, number>;
}

/** @internal */
export class ExposureDeduper {
  private readonly subjects = new Map<string, Map<string, LastReport>>();
  private entries = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  /** (subject, flag) pairs remembered. */
  get size(): number {
    return this.entries;
  }

  /** `true` when this triple was not reported within the window (and records it as reported now). */
  firstInWindow(targetingKey: string, flagKey: string, variant: string, now: number): boolean {
    let flags = this.subjects.get(targetingKey);
    if (flags === undefined) {
      flags = new Map();
      flags.set(flagKey, { variant, at: now });
      this.subjects.set(targetingKey, flags);
      this.entries++;
      this.evict(targetingKey);
      return true;
    }
    const last = flags.get(flagKey);
    if (last === undefined) {
      flags.set(flagKey, { variant, at: now });
      this.entries++;
    } else if (last.variant === variant) {
      if (now - last.at < this.windowMs) return false;
      last.at = now;
    } else {
      const at = last.others?.get(variant);
      if (at !== undefined && now - at < this.windowMs) return false;
      // The newest variant becomes the one checked first.
      last.others ??= new Map();
      last.others.set(last.variant, last.at);
      last.others.delete(variant);
      last.variant = variant;
      last.at = now;
    }
    // Reported: this subject moves to the back of the eviction order.
    this.subjects.delete(targetingKey);
    this.subjects.set(targetingKey, flags);
    this.evict(targetingKey);
    return true;
  }

  clear(): void {
    this.subjects.clear();
    this.entries = 0;
  }

  private evict(current: string): void {
    while (this.entries > this.maxEntries) {
      const oldest = this.subjects.keys().next().value as string;
      const flags = this.subjects.get(oldest)!;
      if (oldest === current) {
        // The only subject left holds too many flags: drop its oldest flag.
        const flag = flags.keys().next().value as string;
        flags.delete(flag);
        this.entries--;
        continue;
      }
      this.subjects.delete(oldest);
      this.entries -= flags.size;
    }
  }
}
