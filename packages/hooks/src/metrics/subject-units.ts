/**
 * The aggregator's memory of exposure units: which subjects (targeting keys) were exposed to
 * which variant of which tracked flag in which cohort, so that each unit is counted once and its
 * later tracking events are attributed to it. Bounded: at most `maxSubjects` subjects, the one
 * seen longest ago forgotten first (a forgotten subject that comes back counts as a new unit,
 * which the stats report as `evictions`); a unit older than `unitTtlMs` is counted anew.
 * Nothing here leaves the process: the aggregates hold counts, never targeting keys.
 * @internal
 */

/** One exposure unit: a subject in one variant of one flag, in one cohort. */
export interface Unit {
  readonly flagKey: string;
  readonly variant: string;
  readonly cohort: string;
  readonly since: number;
  /** Metrics this unit already counts as converted (`u` counters), created on the first. */
  metrics?: Set<string>;
}

interface Subject {
  touched: number;
  units: Unit[];
}

/** How often an active subject is moved to the young end of the eviction order. */
const REFRESH_MS = 30_000;

/** Subjects and their units. */
export class SubjectUnits {
  private readonly subjects = new Map<string, Subject>();
  /** Subjects forgotten because the memory was full. */
  evictions = 0;

  constructor(
    private readonly maxSubjects: number,
    private readonly unitTtlMs: number,
  ) {}

  get size(): number {
    return this.subjects.size;
  }

  /**
   * Records that `subject` was served `variant` of `flagKey` in `cohort`; returns the unit when
   * it is a new one (to be counted), `undefined` when the subject is already a unit of it.
   */
  expose(subject: string, flagKey: string, variant: string, cohort: string, now: number): Unit | undefined {
    let entry = this.subjects.get(subject);
    if (entry === undefined) {
      entry = { touched: now, units: [] };
      this.subjects.set(subject, entry);
      if (this.subjects.size > this.maxSubjects) this.evictOldest();
    } else if (now - entry.touched > REFRESH_MS) {
      // Re-inserting moves it to the end of the Map's order: the eviction order is recency.
      this.subjects.delete(subject);
      this.subjects.set(subject, entry);
      entry.touched = now;
    }
    const units = entry.units;
    for (let i = 0; i < units.length; i++) {
      const unit = units[i]!;
      if (unit.flagKey !== flagKey) continue;
      if (unit.variant === variant && unit.cohort === cohort && now - unit.since < this.unitTtlMs)
        return undefined;
      const fresh: Unit = { flagKey, variant, cohort, since: now };
      units[i] = fresh;
      return fresh;
    }
    const fresh: Unit = { flagKey, variant, cohort, since: now };
    units.push(fresh);
    return fresh;
  }

  /** The subject's live units (of one flag when given). */
  unitsOf(subject: string, flagKey: string | undefined, now: number): Unit[] {
    const entry = this.subjects.get(subject);
    if (entry === undefined) return [];
    return entry.units.filter(
      (unit) => (flagKey === undefined || unit.flagKey === flagKey) && now - unit.since < this.unitTtlMs,
    );
  }

  /** Forgets one subject (erasure): its units stay counted, nothing about it stays in memory. */
  forget(subject: string): boolean {
    return this.subjects.delete(subject);
  }

  private evictOldest(): void {
    const oldest = this.subjects.keys().next();
    if (!oldest.done) {
      this.subjects.delete(oldest.value);
      this.evictions++;
    }
  }
}
