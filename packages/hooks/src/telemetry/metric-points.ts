/**
 * Metric values computed from state that is read at collection time: a provider's sync status
 * (flag set, sync, kill switches) and an event pipeline's counters. Pure functions, so the
 * OpenTelemetry instruments of this package and the server's Prometheus endpoint produce the
 * same series from the same state.
 */
import type { PipelineStats } from '../event-pipeline.js';
import type { EvaluationTotal, EvaluationTotals } from '../metrics/evaluation-totals.js';
import { METRIC_ATTRIBUTES as A, ENSIGN_METRICS, type MetricDefinition } from './metric-names.js';

/** Attribute values of a point. */
export type PointAttributes = Readonly<Record<string, string | number | boolean>>;

/** One value of one metric. */
export interface MetricPoint {
  readonly metric: MetricDefinition;
  readonly attributes: PointAttributes;
  readonly value: number;
}

/**
 * What the flag-set metrics read: the status of an Ensign provider (`StoreProvider.syncStatus()`
 * of `@ensign/store`, described here by shape so that this package needs no import of it).
 */
export interface FlagSetStatus {
  readonly flagSet: string;
  readonly providerName: string;
  /** `idle`, `syncing`, `live`, `stale` or `closed`. */
  readonly state: string;
  readonly version: number;
  readonly flagCount: number;
  /** ms since the epoch; `undefined` before any flags were served. */
  readonly lastChangeAt: number | undefined;
  /** ms since the epoch; `undefined` unless stale now. */
  readonly staleSince: number | undefined;
  readonly counters: {
    readonly entries: Readonly<Record<string, number>>;
    readonly reloads: Readonly<Record<string, number>>;
    readonly reloadFailures: number;
    readonly checkFailures: number;
    readonly interruptions: number;
    readonly handEdits: number;
  };
  readonly killSwitches: readonly {
    readonly flagKey: string;
    /** ms since the epoch. */
    readonly since: number;
    readonly kind: string | undefined;
  }[];
}

/** Anything that reports a {@link FlagSetStatus}: an Ensign `StoreProvider` or `RedisProvider`. */
export interface FlagSetStatusSource {
  syncStatus(now?: number): FlagSetStatus;
}

/** The sync states reported as a state set. */
export const SYNC_STATES: readonly string[] = ['idle', 'syncing', 'live', 'stale', 'closed'];

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** The flag-set, sync and kill-switch points of one provider's status at `now` (ms). */
export function flagSetPoints(status: FlagSetStatus, now: number): MetricPoint[] {
  const M = ENSIGN_METRICS;
  const base = { [A.flagSet]: status.flagSet, [A.providerName]: status.providerName };
  const points: MetricPoint[] = [
    { metric: M.flagSetVersion, attributes: base, value: status.version },
    { metric: M.flagSetFlags, attributes: base, value: status.flagCount },
    { metric: M.syncReady, attributes: base, value: status.state === 'live' ? 1 : 0 },
    { metric: M.syncStale, attributes: base, value: status.state === 'stale' ? 1 : 0 },
    {
      metric: M.staleDuration,
      attributes: base,
      value: status.staleSince === undefined ? 0 : seconds(now - status.staleSince),
    },
  ];
  for (const state of SYNC_STATES)
    points.push({
      metric: M.syncState,
      attributes: { ...base, [A.syncState]: state },
      value: status.state === state ? 1 : 0,
    });
  if (status.lastChangeAt !== undefined)
    points.push({ metric: M.changeAge, attributes: base, value: seconds(now - status.lastChangeAt) });
  const { counters } = status;
  for (const [outcome, value] of Object.entries(counters.entries))
    points.push({ metric: M.syncEntries, attributes: { ...base, [A.entryOutcome]: outcome }, value });
  for (const [cause, value] of Object.entries(counters.reloads))
    points.push({ metric: M.syncReloads, attributes: { ...base, [A.reloadCause]: cause }, value });
  const failures: [string, number][] = [
    ['reload', counters.reloadFailures],
    ['version_check', counters.checkFailures],
    ['feed_interruption', counters.interruptions],
  ];
  for (const [kind, value] of failures)
    points.push({ metric: M.syncFailures, attributes: { ...base, [A.failureKind]: kind }, value });
  points.push({ metric: M.syncHandEdits, attributes: base, value: counters.handEdits });
  for (const killSwitch of status.killSwitches) {
    const attributes = {
      ...base,
      [A.flagKey]: killSwitch.flagKey,
      ...(killSwitch.kind !== undefined && { [A.killSwitchKind]: killSwitch.kind }),
    };
    points.push({ metric: M.killSwitchActive, attributes, value: 1 });
    points.push({ metric: M.killSwitchDuration, attributes, value: seconds(now - killSwitch.since) });
  }
  return points;
}

/** The points of one event pipeline (exposures or tracking), named `pipeline`. */
export function pipelinePoints(stats: PipelineStats, pipeline: string): MetricPoint[] {
  const M = ENSIGN_METRICS;
  const base = { [A.pipeline]: pipeline };
  const points: MetricPoint[] = [
    { metric: M.eventsEnqueued, attributes: base, value: stats.enqueued },
    { metric: M.eventsQueued, attributes: base, value: stats.queued },
  ];
  const drops: [string, number][] = [
    ['queue_full', stats.dropped.queueFull],
    ['sink_failed', stats.dropped.sinkFailed],
    ['closed', stats.dropped.closed],
  ];
  for (const [reason, value] of drops)
    points.push({ metric: M.eventsDropped, attributes: { ...base, [A.dropReason]: reason }, value });
  for (const [sink, sinkStats] of Object.entries(stats.sinks)) {
    const attributes = { ...base, [A.sink]: sink };
    points.push({ metric: M.eventsDelivered, attributes, value: sinkStats.delivered });
    points.push({ metric: M.eventsFailed, attributes, value: sinkStats.failed });
  }
  return points;
}

/** The semconv attributes of one evaluation count (reason and error type in lower snake case). */
export function evaluationAttributes(total: EvaluationTotal): PointAttributes {
  if (total.overflow) return { [A.overflow]: true };
  const { series } = total;
  const attributes: Record<string, string | boolean> = {
    [A.flagKey]: series.flagKey ?? '',
    // OpenFeature's TARGETING_MATCH → the conventions' targeting_match.
    [A.reason]: total.reason.toLowerCase(),
  };
  if (total.variant !== undefined) attributes[A.variant] = total.variant;
  if (total.errorCode !== undefined) attributes[A.errorType] = total.errorCode.toLowerCase();
  if (series.providerName !== '') attributes[A.providerName] = series.providerName;
  if (series.flagSet !== undefined) attributes[A.flagSet] = series.flagSet;
  return attributes;
}

/** The `feature_flag.evaluations` points of a set of totals (for an exposition of their own). */
export function evaluationPoints(totals: EvaluationTotals): MetricPoint[] {
  const points: MetricPoint[] = [];
  totals.forEach((total) =>
    points.push({
      metric: ENSIGN_METRICS.evaluations,
      attributes: evaluationAttributes(total),
      value: total.count,
    }),
  );
  return points;
}
