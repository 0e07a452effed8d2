/** A seeded generator (mulberry32) with normal and binomial draws, so simulations repeat exactly. */
export class Random {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, one spare kept). */
  normal(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Binomial(n, p): exact by inversion of the CDF while the mean is small (rare events, where a
   * normal approximation is poor), normal approximation (rounded, clamped) when n·p and n·(1−p)
   * are both large.
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    if (n * p < 40) {
      const q = 1 - p;
      let prob = q ** n;
      let cdf = prob;
      const u = this.next();
      let k = 0;
      while (u > cdf && k < n) {
        prob *= ((n - k) / (k + 1)) * (p / q);
        k++;
        cdf += prob;
        if (prob < 1e-300 && cdf < u) break;
      }
      return k;
    }
    const k = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * this.normal());
    return Math.min(n, Math.max(0, k));
  }
}
