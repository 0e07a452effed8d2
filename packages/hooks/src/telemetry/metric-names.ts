/**
 * The names, units and attributes of every metric Ensign emits, in one table: the OpenTelemetry
 * instruments of this package and the server's Prometheus endpoint use the same definitions, so
 * one set of dashboards and alert rules covers both. Names follow OpenTelemetry's feature-flag
 * semantic conventions where they exist (the attributes of the `feature_flag.evaluation` event);
 * the conventions define no metrics yet, so the metric names are ours (`feature_flag.*` for what
 * any provider could emit, `ensign.*` for what is specific to Ensign).
 */
import { FEATURE_FLAG_ATTRIBUTES } from '../sinks/opentelemetry-sink.js';

/** The instrument a metric is recorded with. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** One metric. */
export interface MetricDefinition {
  /** OpenTelemetry instrument name (dotted). */
  readonly name: string;
  readonly kind: MetricKind;
  /** UCUM unit; `{…}` annotations carry no unit (they add no Prometheus suffix). */
  readonly unit: string;
  readonly description: string;
}

/** Attribute names: the semantic conventions' where they exist, `ensign.*` otherwise. */
export const METRIC_ATTRIBUTES = {
  flagKey: FEATURE_FLAG_ATTRIBUTES.key,
  variant: FEATURE_FLAG_ATTRIBUTES.variant,
  reason: FEATURE_FLAG_ATTRIBUTES.reason,
  providerName: FEATURE_FLAG_ATTRIBUTES.providerName,
  flagSet: FEATURE_FLAG_ATTRIBUTES.setId,
  errorType: FEATURE_FLAG_ATTRIBUTES.errorType,
  /** OpenTelemetry SDKs' marker of the series that collects what exceeded the cardinality limit. */
  overflow: 'otel.metric.overflow',
  syncState: 'ensign.sync.state',
  entryOutcome: 'ensign.sync.entry.outcome',
  reloadCause: 'ensign.sync.reload.cause',
  failureKind: 'ensign.sync.failure.kind',
  killSwitchKind: 'ensign.kill_switch.kind',
  pipeline: 'ensign.pipeline.name',
  sink: 'ensign.sink.name',
  dropReason: 'ensign.drop.reason',
} as const;

const metric = (name: string, kind: MetricKind, unit: string, description: string): MetricDefinition =>
  Object.freeze({ name, kind, unit, description });

/** Every metric, by role. */
export const ENSIGN_METRICS = {
  evaluations: metric(
    'feature_flag.evaluations',
    'counter',
    '{evaluation}',
    'Flag evaluations, by flag, variant, reason and error type',
  ),
  evaluationDuration: metric(
    'feature_flag.evaluation.duration',
    'histogram',
    's',
    'Time from the before to the finally stage of an evaluation through the OpenFeature SDK',
  ),
  flagSetVersion: metric(
    'ensign.flag_set.version',
    'gauge',
    '{version}',
    'Store version of the flags served',
  ),
  flagSetFlags: metric('ensign.flag_set.flags', 'gauge', '{flag}', 'Flags in the set served'),
  syncReady: metric(
    'ensign.flag_set.sync.ready',
    'gauge',
    '{state}',
    '1 while the provider follows its store (live), else 0',
  ),
  syncStale: metric(
    'ensign.flag_set.sync.stale',
    'gauge',
    '{state}',
    '1 while the provider cannot follow its store and serves its last good flags, else 0',
  ),
  syncState: metric(
    'ensign.flag_set.sync.state',
    'gauge',
    '{state}',
    'The sync state as a state set: 1 for the current state, 0 for the others',
  ),
  staleDuration: metric(
    'ensign.flag_set.sync.stale.duration',
    'gauge',
    's',
    'How long the provider has been stale (0 while live)',
  ),
  changeAge: metric(
    'ensign.flag_set.change.age',
    'gauge',
    's',
    'Time since the served flags last changed (an applied change, a reload that changed them)',
  ),
  syncEntries: metric(
    'ensign.flag_set.sync.entries',
    'counter',
    '{entry}',
    'Change-feed entries received, by outcome (applied, duplicate, dropped, gap, rejected)',
  ),
  syncReloads: metric(
    'ensign.flag_set.sync.reloads',
    'counter',
    '{reload}',
    'Full reloads (resyncs), by cause',
  ),
  syncFailures: metric(
    'ensign.flag_set.sync.failures',
    'counter',
    '{failure}',
    'Failed reloads and version checks, and change-feed interruptions',
  ),
  syncHandEdits: metric(
    'ensign.flag_set.sync.hand_edits',
    'counter',
    '{change}',
    'Content found changed at an unchanged version (edited around the write path)',
  ),
  killSwitchActive: metric(
    'ensign.kill_switch.active',
    'gauge',
    '{flag}',
    '1 for each kill switch in force (a killed flag, or a kill-switch flag that is DISABLED)',
  ),
  killSwitchDuration: metric(
    'ensign.kill_switch.active.duration',
    'gauge',
    's',
    'How long each kill switch in force has been on',
  ),
  eventsEnqueued: metric(
    'ensign.events.enqueued',
    'counter',
    '{event}',
    'Exposure and tracking events accepted',
  ),
  eventsDropped: metric('ensign.events.dropped', 'counter', '{event}', 'Events dropped, by reason'),
  eventsDelivered: metric('ensign.events.delivered', 'counter', '{event}', 'Events delivered, by sink'),
  eventsFailed: metric('ensign.events.failed', 'counter', '{event}', 'Events a sink failed to take, by sink'),
  eventsQueued: metric('ensign.events.queued', 'gauge', '{event}', 'Events waiting for delivery'),
} as const;

const UNIT_SUFFIXES: Readonly<Record<string, string>> = {
  s: 'seconds',
  ms: 'milliseconds',
  By: 'bytes',
  '1': 'ratio',
};

/** An attribute name as a Prometheus label (`feature_flag.key` → `feature_flag_key`). */
export function prometheusLabel(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * A metric's Prometheus name, as OpenTelemetry's Prometheus compatibility rules (and the
 * Collector's Prometheus exporters) derive it: dots to underscores, the unit as a suffix
 * (`_seconds`; `{…}` annotations add none), `_total` for counters.
 * @example prometheusName(ENSIGN_METRICS.evaluations) // 'feature_flag_evaluations_total'
 */
export function prometheusName(definition: MetricDefinition): string {
  let name = definition.name.replace(/[^a-zA-Z0-9_:]/g, '_');
  const suffix = UNIT_SUFFIXES[definition.unit];
  if (suffix !== undefined && !name.endsWith(`_${suffix}`)) name += `_${suffix}`;
  if (definition.kind === 'counter') name += '_total';
  return name;
}
