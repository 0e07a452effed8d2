/**
 * The aggregator's in-process deltas since the last flush, shaped so that recording an
 * evaluation is a few `Map` lookups and additions, and a flush turns them into one counter
 * increment per record of the layout (`layout.ts`).
 * @internal
 */
import { METRIC_RECORDS, counterName } from './layout.js';

/** Sums of one metric for one variant of one cohort. */
export interface MetricDelta {
  events: number;
  units: number;
  sum: number;
  sumSquares: number;
}

/** One variant's new units and metric sums in one cohort. */
export interface VariantDelta {
  units: number;
  metrics: Map<string, MetricDelta>;
}

/** One flag's evaluations in one window. */
export interface FlagWindowDelta {
  /** Evaluations by variant (`''`: none served). */
  evaluations: Map<string, number>;
  /** Errors by variant (`''`: none served). */
  errors: Map<string, number>;
  notFound: number;
  /** The time of the latest evaluation in the window (for the `seen` and `unknown` records). */
  lastAt: number;
}

/** Everything one flag set accumulated since the last flush. */
export class SetDelta {
  /** Window start → flag → evaluations. */
  readonly windows = new Map<number, Map<string, FlagWindowDelta>>();
  /** Window start → tracking events by name. */
  readonly windowEvents = new Map<number, Map<string, number>>();
  /** Flag → cohort → variant → delta (the `u:<flag>:<cohort>` records). */
  readonly units = new Map<string, Map<string, Map<string, VariantDelta>>>();
  /** Distinct flags recorded (bounded by the aggregator). */
  readonly flags = new Set<string>();

  flagWindow(windowStart: number, flagKey: string): FlagWindowDelta {
    let flags = this.windows.get(windowStart);
    if (flags === undefined) {
      flags = new Map();
      this.windows.set(windowStart, flags);
    }
    let delta = flags.get(flagKey);
    if (delta === undefined) {
      delta = { evaluations: new Map(), errors: new Map(), notFound: 0, lastAt: 0 };
      flags.set(flagKey, delta);
      this.flags.add(flagKey);
    }
    return delta;
  }

  event(windowStart: number, metric: string): void {
    let events = this.windowEvents.get(windowStart);
    if (events === undefined) {
      events = new Map();
      this.windowEvents.set(windowStart, events);
    }
    events.set(metric, (events.get(metric) ?? 0) + 1);
  }

  variant(flagKey: string, cohort: string, variant: string): VariantDelta {
    let cohorts = this.units.get(flagKey);
    if (cohorts === undefined) {
      cohorts = new Map();
      this.units.set(flagKey, cohorts);
    }
    let variants = cohorts.get(cohort);
    if (variants === undefined) {
      variants = new Map();
      cohorts.set(cohort, variants);
    }
    let delta = variants.get(variant);
    if (delta === undefined) {
      delta = { units: 0, metrics: new Map() };
      variants.set(variant, delta);
    }
    return delta;
  }
}

/** Adds `by` to `map[key]`. */
export function add(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** One counter increment of a flush. */
export interface RecordIncrement {
  readonly id: string;
  readonly counters: Record<string, number>;
  readonly ttlMs?: number;
}

function put(counters: Record<string, number>, name: string, by: number): void {
  if (by === 0) return;
  // Own properties only: a flag or metric named `__proto__` stays a counter.
  Object.defineProperty(counters, name, {
    value: (Object.hasOwn(counters, name) ? counters[name]! : 0) + by,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The increments that write a set's deltas into the layout. */
export function incrementsOf(delta: SetDelta, windowRetentionMs: number): RecordIncrement[] {
  const out: RecordIncrement[] = [];
  const perFlag = new Map<string, Record<string, number>>();
  const windowStarts = new Set([...delta.windows.keys(), ...delta.windowEvents.keys()]);
  for (const start of [...windowStarts].sort((a, b) => a - b)) {
    const counters: Record<string, number> = {};
    for (const [flagKey, flag] of delta.windows.get(start) ?? []) {
      let cumulative = perFlag.get(flagKey);
      if (cumulative === undefined) {
        cumulative = {};
        perFlag.set(flagKey, cumulative);
      }
      let errors = 0;
      for (const [variant, n] of flag.evaluations) {
        put(counters, counterName('n', flagKey, variant), n);
        put(cumulative, counterName('n', variant), n);
      }
      for (const [variant, n] of flag.errors) {
        errors += n;
        put(cumulative, counterName('e', variant), n);
      }
      put(counters, counterName('e', flagKey), errors);
      put(counters, counterName('f', flagKey), flag.notFound);
    }
    for (const [metric, n] of delta.windowEvents.get(start) ?? []) put(counters, counterName('t', metric), n);
    if (Object.keys(counters).length > 0)
      out.push({ id: METRIC_RECORDS.window(start), counters, ttlMs: windowRetentionMs });
  }
  for (const [flagKey, counters] of perFlag)
    if (Object.keys(counters).length > 0) out.push({ id: METRIC_RECORDS.evaluations(flagKey), counters });
  const events: Record<string, number> = {};
  for (const perWindow of delta.windowEvents.values())
    for (const [metric, n] of perWindow) put(events, counterName('t', metric), n);
  if (Object.keys(events).length > 0) out.push({ id: METRIC_RECORDS.events, counters: events });
  for (const [flagKey, cohorts] of delta.units)
    for (const [cohort, variants] of cohorts) out.push(...unitIncrement(flagKey, cohort, variants));
  return out;
}

/** The increment of one units record (none when it is empty). */
function unitIncrement(
  flagKey: string,
  cohort: string,
  variants: Map<string, VariantDelta>,
): RecordIncrement[] {
  const counters: Record<string, number> = {};
  for (const [variant, v] of variants) {
    put(counters, counterName('x', variant), v.units);
    for (const [metric, m] of v.metrics) {
      put(counters, counterName('n', metric, variant), m.events);
      put(counters, counterName('u', metric, variant), m.units);
      put(counters, counterName('s', metric, variant), m.sum);
      put(counters, counterName('q', metric, variant), m.sumSquares);
    }
  }
  return Object.keys(counters).length > 0 ? [{ id: METRIC_RECORDS.units(flagKey, cohort), counters }] : [];
}
