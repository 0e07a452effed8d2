/**
 * Reading what the metric aggregates say about evaluations (`MetricsAggregator` of
 * `@ensign/hooks` writes them): for each flag of a set, when it was last evaluated and when it
 * last served each variant; since when evaluations are recorded; and the keys evaluated that the
 * set did not hold (FLAG_NOT_FOUND: a typo, or a deleted or archived flag still called).
 */
import {
  type CounterSource,
  type FlagSeen,
  METRIC_RECORDS,
  metricsNamespace,
  parseSeenRecord,
  parseUnknownRecord,
} from '@ensign/hooks';

/** A set's evaluations, as the aggregates record them. */
export interface FlagUsage {
  /** Since when evaluations are recorded (ms); absent: none ever were. */
  readonly since?: number;
  /** Flag key → its last evaluation and the variants it served. */
  readonly flags: ReadonlyMap<string, FlagSeen>;
  /** Key evaluated while the set lacked it → the last time (ms). */
  readonly unknown: ReadonlyMap<string, number>;
}

/** Reads a set's usage from the aggregates (two counter records). */
export async function readFlagUsage(source: CounterSource, flagSet: string): Promise<FlagUsage> {
  const namespace = metricsNamespace(flagSet);
  const [seen, unknown] = await Promise.all([
    source.counters(namespace, METRIC_RECORDS.seen).then(parseSeenRecord),
    source.counters(namespace, METRIC_RECORDS.unknown).then(parseUnknownRecord),
  ]);
  return { ...(seen.since !== undefined && { since: seen.since }), flags: seen.flags, unknown };
}
