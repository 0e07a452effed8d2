import { BoundedLru } from '../internal/lru.js';

/**
 * Remembers which (targeting key, flag, variant) triples were reported recently: the first
 * sighting in a window is an exposure, repeats are not. Memory is bounded by an LRU; when it is
 * full the least recently seen subject is forgotten, which at worst reports it once more.
 * @internal
 */
export class ExposureDeduper {
  private readonly seen: BoundedLru<string, number>;

  constructor(
    private readonly windowMs: number,
    maxEntries: number,
  ) {
    this.seen = new BoundedLru(maxEntries);
  }

  get size(): number {
    return this.seen.size;
  }

  /** `true` when this triple was not reported within the window (and records it as reported now). */
  firstInWindow(targetingKey: string, flagKey: string, variantOrOutcome: string, now: number): boolean {
    // NUL cannot appear in a sane flag key or variant name, so the joined key is unambiguous.
    const key = `${targetingKey}\u0000${flagKey}\u0000${variantOrOutcome}`;
    const last = this.seen.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.seen.set(key, now);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}
