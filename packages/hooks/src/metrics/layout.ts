/**
 * Where metric aggregates live: counter records of the server's state contract
 * (`ServerState.increment` / `counters`), one namespace per flag set, so that the aggregator in
 * every app process, the rollout controller, experiment results, the dashboard and the lifecycle
 * report all read and write the same few records, and none of them ever reads the raw events.
 *
 * Namespace `metrics:<flag set>` (in Redis: `ensign:{metrics:<set>}:ctr:<id>`, one hash tag per
 * set), records:
 *
 * | id | lifetime | counters |
 * |---|---|---|
 * | `u:<flag>:<cohort>` | kept | per exposure unit of the flag in one cohort: `x\|<variant>` units; per metric `n\|<metric>\|<variant>` events, `u\|…` units with at least one, `s\|…` sum of values, `q\|…` sum of squares |
 * | `e:<flag>` | kept | every evaluation of the flag: `n\|<variant>` evaluations, `e\|<variant>` errors (`<variant>` empty when none was served) |
 * | `w:<window start ms>` | `windowRetentionMs` | one time window of the set: `n\|<flag>\|<variant>` evaluations, `e\|<flag>` errors, `f\|<flag>` evaluations of a key the set does not hold (FLAG_NOT_FOUND), `t\|<metric>` tracking events |
 * | `events` | kept | `t\|<metric>`: tracking events of the set by name, attributed or not |
 * | `seen` | `seenRetentionMs`, renewed by each write | written with `maximize` (last-writer-agnostic: a write only ever raises a value): `l\|<flag>\|<variant>` the last time (ms) the flag served `<variant>` (`''`: evaluated without one: disabled, or an error other than FLAG_NOT_FOUND); `s` the earliest of those times, negated (so that raising keeps the earliest): usage is known from then on |
 * | `unknown` | `unknownRetentionMs`, renewed by each write | written with `maximize`: `f\|<flag>` the last time a key the set does not hold was evaluated (FLAG_NOT_FOUND) |
 *
 * `seen` and `unknown` feed the lifecycle report (when each flag was last evaluated, which
 * variants it served lately, which keys code evaluates that nobody defined). Their times are
 * those of the latest evaluation of the flag in a time window, so a variant's time may be up to
 * one window (`windowMs`) later than its last serving; a sink without `maximize` gets neither.
 *
 * Every segment (flag key, cohort, variant, metric) is `encodeURIComponent`-encoded, so `|` and
 * `:` only ever separate. A cohort is the flag's `metricsCohort` metadata value (the rollout
 * controller stamps one per stage; an experiment may set its own), `''` when it has none.
 */

/** Prefix of the metric namespaces; the namespace of a set is `metrics:<set>`. */
export const METRICS_NAMESPACE_PREFIX = 'metrics:';

/** Flag metadata key whose value names the cohort a flag's exposure units are counted in. */
export const COHORT_METADATA = 'metricsCohort';

/**
 * What the aggregator writes to: `ServerState` (`MemoryServerState`, `RedisServerState`)
 * satisfies it; give Redis a user with `redisMetricsAclRules()` (it can add to metric counters
 * and nothing else).
 */
export interface CounterSink {
  increment(
    namespace: string,
    id: string,
    counters: Readonly<Record<string, number>>,
    options?: { ttlMs?: number },
  ): Promise<unknown>;
  /**
   * Raises counters to at least the values given (`ServerState.maximize`): the `seen` and
   * `unknown` records. Optional: without it, those records are not written.
   */
  maximize?(
    namespace: string,
    id: string,
    values: Readonly<Record<string, number>>,
    options?: { ttlMs?: number },
  ): Promise<unknown>;
}

/** What readers of the aggregates need: `ServerState` satisfies it. */
export interface CounterSource {
  counters(namespace: string, id: string): Promise<Record<string, number>>;
}

const enc = encodeURIComponent;

/** The namespace of a flag set's aggregates. */
export function metricsNamespace(flagSet: string): string {
  return `${METRICS_NAMESPACE_PREFIX}${flagSet}`;
}

/** Record ids of the layout. */
export const METRIC_RECORDS = {
  /** Exposure units and their metrics, for one cohort of one flag. */
  units: (flagKey: string, cohort: string) => `u:${enc(flagKey)}:${enc(cohort)}`,
  /** Every evaluation of one flag, since the first. */
  evaluations: (flagKey: string) => `e:${enc(flagKey)}`,
  /** One time window of the set. */
  window: (startMs: number) => `w:${startMs}`,
  /** Tracking events of the set by name, since the first. */
  events: 'events',
  /** When each flag last served each variant (written with `maximize`). */
  seen: 'seen',
  /** When each key the set does not hold was last evaluated (written with `maximize`). */
  unknown: 'unknown',
} as const;

/**
 * A counter name from its kind and parts (each encoded), e.g. `counterName('x', 'on')` for the
 * units of variant `on`, `counterName('u', 'error', 'on')` for its units with an `error`: for
 * writers of the layout other than the aggregator (a stream consumer, a simulation).
 */
export function counterName(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map(enc)].join('|');
}

/** Sums of one metric over one arm's units. */
export interface MetricSums {
  /** Events attributed. */
  readonly events: number;
  /** Units with at least one event. */
  readonly units: number;
  /** Sum of the events' values (events without a value count as 0). */
  readonly sum: number;
  /** Sum of the squares of the values. */
  readonly sumSquares: number;
}

/** One variant's units in one cohort and the metrics attributed to them. */
export interface VariantUnits {
  readonly units: number;
  readonly metrics: ReadonlyMap<string, MetricSums>;
}

/** A parsed `u:<flag>:<cohort>` record: variant → units and metrics. */
export type UnitRecord = ReadonlyMap<string, VariantUnits>;

/** The empty sums of a metric nobody reported. */
export const NO_METRIC: MetricSums = Object.freeze({ events: 0, units: 0, sum: 0, sumSquares: 0 });

function split(name: string): string[] {
  return name.split('|').map((part, i) => (i === 0 ? part : decodeURIComponent(part)));
}

/** Reads a units record (unknown counters are ignored, so the layout can grow). */
export function parseUnitRecord(counters: Readonly<Record<string, number>>): UnitRecord {
  const variants = new Map<
    string,
    { units: number; metrics: Map<string, Record<keyof MetricSums, number>> }
  >();
  const variantOf = (variant: string) => {
    let entry = variants.get(variant);
    if (entry === undefined) {
      entry = { units: 0, metrics: new Map() };
      variants.set(variant, entry);
    }
    return entry;
  };
  const field = { n: 'events', u: 'units', s: 'sum', q: 'sumSquares' } as const;
  for (const [name, value] of Object.entries(counters)) {
    const parts = split(name);
    if (parts[0] === 'x' && parts.length === 2) {
      variantOf(parts[1]!).units += value;
    } else if (parts.length === 3 && Object.hasOwn(field, parts[0]!)) {
      const entry = variantOf(parts[2]!);
      let sums = entry.metrics.get(parts[1]!);
      if (sums === undefined) {
        sums = { events: 0, units: 0, sum: 0, sumSquares: 0 };
        entry.metrics.set(parts[1]!, sums);
      }
      sums[field[parts[0] as keyof typeof field]] += value;
    }
  }
  return variants;
}

/** The sums of `metric` for `variant` in a units record (zeros when absent). */
export function metricOf(record: UnitRecord, variant: string, metric: string): MetricSums {
  return record.get(variant)?.metrics.get(metric) ?? NO_METRIC;
}

/** One flag in one time window. */
export interface WindowFlag {
  /** Evaluations by variant (`''`: none served). */
  readonly evaluations: ReadonlyMap<string, number>;
  readonly errors: number;
  /** Evaluations of the key while the set did not hold it (FLAG_NOT_FOUND). */
  readonly notFound: number;
}

/** A parsed `w:<start>` record. */
export interface WindowRecord {
  readonly flags: ReadonlyMap<string, WindowFlag>;
  /** Tracking events by name. */
  readonly events: ReadonlyMap<string, number>;
}

/** Reads a window record. */
export function parseWindowRecord(counters: Readonly<Record<string, number>>): WindowRecord {
  const flags = new Map<string, { evaluations: Map<string, number>; errors: number; notFound: number }>();
  const events = new Map<string, number>();
  const flagOf = (key: string) => {
    let entry = flags.get(key);
    if (entry === undefined) {
      entry = { evaluations: new Map(), errors: 0, notFound: 0 };
      flags.set(key, entry);
    }
    return entry;
  };
  for (const [name, value] of Object.entries(counters)) {
    const parts = split(name);
    if (parts[0] === 'n' && parts.length === 3) {
      const entry = flagOf(parts[1]!);
      entry.evaluations.set(parts[2]!, (entry.evaluations.get(parts[2]!) ?? 0) + value);
    } else if (parts[0] === 'e' && parts.length === 2) flagOf(parts[1]!).errors += value;
    else if (parts[0] === 'f' && parts.length === 2) flagOf(parts[1]!).notFound += value;
    else if (parts[0] === 't' && parts.length === 2)
      events.set(parts[1]!, (events.get(parts[1]!) ?? 0) + value);
  }
  return { flags, events };
}

/** Reads the `events` record: tracking events by name. */
export function parseEventsRecord(counters: Readonly<Record<string, number>>): ReadonlyMap<string, number> {
  const events = new Map<string, number>();
  for (const [name, value] of Object.entries(counters)) {
    const parts = split(name);
    if (parts[0] === 't' && parts.length === 2) events.set(parts[1]!, (events.get(parts[1]!) ?? 0) + value);
  }
  return events;
}

/** When one flag was last evaluated, and when it last served each variant. */
export interface FlagSeen {
  /** The latest of its variants' times (ms since the epoch). */
  readonly lastEvaluatedAt: number;
  /** Variant → the last time it was served (`''`: evaluated without a variant). */
  readonly variants: ReadonlyMap<string, number>;
}

/** A parsed `seen` record. */
export interface SeenRecord {
  /** The earliest time recorded for the set: usage is known from then on (absent: never). */
  readonly since: number | undefined;
  readonly flags: ReadonlyMap<string, FlagSeen>;
}

/** Reads the `seen` record (unknown counters are ignored, so the layout can grow). */
export function parseSeenRecord(counters: Readonly<Record<string, number>>): SeenRecord {
  const flags = new Map<string, { lastEvaluatedAt: number; variants: Map<string, number> }>();
  let since: number | undefined;
  for (const [name, value] of Object.entries(counters)) {
    const parts = split(name);
    if (parts[0] === 's' && parts.length === 1) since = -value;
    else if (parts[0] === 'l' && parts.length === 3) {
      let flag = flags.get(parts[1]!);
      if (flag === undefined) {
        flag = { lastEvaluatedAt: value, variants: new Map() };
        flags.set(parts[1]!, flag);
      }
      flag.variants.set(parts[2]!, value);
      if (value > flag.lastEvaluatedAt) flag.lastEvaluatedAt = value;
    }
  }
  return { since, flags };
}

/** Reads the `unknown` record: key → the last time it was evaluated while the set lacked it. */
export function parseUnknownRecord(counters: Readonly<Record<string, number>>): ReadonlyMap<string, number> {
  const keys = new Map<string, number>();
  for (const [name, value] of Object.entries(counters)) {
    const parts = split(name);
    if (parts[0] === 'f' && parts.length === 2) keys.set(parts[1]!, value);
  }
  return keys;
}
