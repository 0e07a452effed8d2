/**
 * The aggregator's memory of exposure units: which subjects (targeting keys) were exposed to
 * which variant of which tracked flag in which cohort, so that each unit is counted once and its
 * later tracking events are attributed to it. Bounded: at most `maxSubjects` subjects, the one
 * seen longest ago forgotten first (a forgotten subject that comes back counts as a new unit,
 * which the stats report as `evictions`); a unit older than `unitTtlMs` is counted anew.
 * Subjects are remembered by a 53-bit hash of (flag set, targeting key) under a per-process random
 * seed, never by the key itself: a subject costs the same few hundred bytes whatever the length of
 * its (client-controlled) key, and nothing here leaves the process: the aggregates hold counts,
 * never targeting keys. A hash collision merges two subjects: at most one unit uncounted, with
 * probability below n / 2^53.
 * @internal
 */
import { type HashState, absorb, hashFrom, initialState, randomSeed } from '../internal/hash.js';

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
  private readonly subjects = new Map<number, Subject>();
  private readonly seed = randomSeed();
  /** Hash state after each flag set's id: a subject's key costs one pass over its targeting key. */
  private readonly sets = new Map<string, HashState>();
  /** Subjects forgotten because the memory was full. */
  evictions = 0;

  constructor(
    private readonly maxSubjects: number,
    private readonly unitTtlMs: number,
  ) {}

  get size(): number {
    return this.subjects.size;
  }

  /** The key a subject is remembered by. */
  keyOf(flagSet: string, targetingKey: string): number {
    let state = this.sets.get(flagSet);
    if (state === undefined) {
      state = initialState(this.seed);
      absorb(state, flagSet);
      if (this.sets.size < 1_024) this.sets.set(flagSet, state);
    }
    return hashFrom(state, targetingKey);
  }

  /**
   * Records that `subject` was served `variant` of `flagKey` in `cohort`; returns the unit when
   * it is a new one (to be counted), `undefined` when the subject is already a unit of it.
   */
  expose(subject: number, flagKey: string, variant: string, cohort: string, now: number): Unit | undefined {
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
  unitsOf(subject: number, flagKey: string | undefined, now: number): Unit[] {
    const entry = this.subjects.get(subject);
    if (entry === undefined) return [];
    return entry.units.filter(
      (unit) => (flagKey === undefined || unit.flagKey === flagKey) && now - unit.since < this.unitTtlMs,
    );
  }

  /** Forgets one subject (erasure): its units stay counted, nothing about it stays in memory. */
  forget(subject: number): boolean {
    return this.subjects.delete(subject);
  }

  /**
   * Forgets the subjects seen longest ago, down to 1/64 below the bound: in batches, because a V8
   * `Map` keeps deleted entries as holes until it rehashes and a fresh `keys()` iterator walks
   * every hole at the front (one eviction per insert made each new subject cost a scan of the
   * table: the aggregator ingested 8 k events/s instead of hundreds of thousands).
   */
  private evictOldest(): void {
    const target = this.maxSubjects - Math.max(1, Math.floor(this.maxSubjects / 64));
    const keys = this.subjects.keys();
    while (this.subjects.size > target) {
      const oldest = keys.next();
      if (oldest.done) break;
      this.subjects.delete(oldest.value);
      this.evictions++;
    }
  }
}
