/**
 * `MetricsAggregator`: one aggregator for everything that needs counts of evaluations, exposures
 * and tracked outcomes (guarded rollouts, experiment results, the dashboard, the lifecycle
 * report), written as counter increments to the server's state (`layout.ts`), so nobody has to
 * read raw events back. It is an OpenFeature hook (the `finally` stage: every evaluation, errors
 * included) and a tracking sink (`TrackingEvent`s from a `TrackingRecorder`'s pipeline). On the
 * evaluation path it does a few `Map` updates and no I/O; a timer flushes the deltas as one
 * increment per record, concurrently, off the path.
 *
 * Exposure units: a flag is tracked per unit when its metadata names a cohort
 * (`metricsCohort`, stamped by the rollout controller) or its `kind` is `experiment` (or when
 * the `trackUnits` option says so). A unit is a subject (targeting key) exposed to one variant in
 * one cohort, counted once per aggregator (process) while remembered (`maxSubjects`,
 * `unitTtlMs`); its tracking events (`track('purchase')`, `track('error')`, a `value` such as a
 * latency) are attributed to it, and it counts as converted once per metric. Evaluation errors
 * count as an `errorEvent` of the unit (and of the set, in the `events` record). Units are counted per process: a subject served by two
 * processes is two units, in both arms alike, so rates and sample ratios stay unbiased; with
 * sticky routing, a unit is a user.
 *
 * Delivery is at most once: a flush that fails is dropped and counted (`stats().failedRecords`),
 * never retried, because a retried increment that had in fact been applied would count twice.
 *
 * Lifecycle: with a sink that has `maximize` (a `ServerState`), each flush also raises the set's
 * `seen` record (when each flag last served each variant) and `unknown` record (keys evaluated
 * that the set does not hold: typos, deleted or archived flags still called). On the evaluation
 * path that costs one property write.
 *
 * The read side, `totals()`: cumulative in-process counts (and, with a timer, durations) of the
 * evaluations, which OpenTelemetry's observable instruments read (`instrumentEvaluations`)
 * instead of counting evaluations again. Without a `sink` the aggregator keeps only these.
 */
import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import { boundedTargetingKey } from '../event-bounds.js';
import type { AnalyticsEvent, TrackingEvent } from '../events.js';
import { unrefInterval } from '../internal/timers.js';
import type { StructuredLogger } from '../logger.js';
import type { Sink } from '../sinks/sink.js';
import { type MetricsAggregatorOptions, resolveMetricsOptions } from './aggregator-options.js';
import { EvaluationTotals } from './evaluation-totals.js';
import { type LastSeenLimits, lastSeenWrites } from './last-seen.js';
import { COHORT_METADATA, type CounterSink, metricsNamespace } from './layout.js';
import { type MetricDelta, SetDelta, type VariantDelta, add, incrementsOf } from './pending.js';
import { SubjectUnits, type Unit } from './subject-units.js';

/** Counters of an aggregator. */
export interface MetricsAggregatorStats {
  evaluations: number;
  trackingEvents: number;
  /** New exposure units counted. */
  units: number;
  /** Subjects remembered now. */
  subjects: number;
  /** Subjects forgotten because the memory was full. */
  evictions: number;
  flushes: number;
  /** Records incremented successfully. */
  writtenRecords: number;
  /** Records whose increment failed (their deltas are dropped). */
  failedRecords: number;
  /** Evaluations dropped because a set had more than `maxFlagsPerFlush` distinct flags. */
  droppedFlags: number;
  /** Unknown keys left out of the `unknown` record (beyond `maxUnknownFlagsPerFlush`, or too long). */
  droppedUnknownFlags: number;
  /** Failures inside the hook or the sink, swallowed so evaluations never see them. */
  internalErrors: number;
}

/** Increments in flight at once during a flush. */
const FLUSH_CONCURRENCY = 32;

/**
 * Aggregates evaluations, exposure units and tracked metrics per flag set, flag, variant, cohort
 * and time window, and writes them as counter increments.
 * @example
 * const metrics = new MetricsAggregator({ sink: new RedisServerState({ url: metricsUserUrl }) });
 * OpenFeature.addHooks(combineHooks(exposures, metrics));
 * const tracking = new TrackingRecorder({ sinks: [streamSink, metrics] });
 */
export class MetricsAggregator implements Sink {
  readonly name = 'MetricsAggregator';
  private readonly sink: CounterSink | undefined;
  private readonly maxTotalSeries: number;
  private observed: EvaluationTotals | undefined;
  private readonly windowMs: number;
  private readonly windowRetentionMs: number;
  private readonly defaultFlagSet: string;
  private readonly trackUnits: NonNullable<MetricsAggregatorOptions['trackUnits']>;
  private readonly errorEvent: string;
  private readonly maxKeyLength: number;
  private readonly maxFlags: number;
  private readonly lastSeen: LastSeenLimits;
  private readonly now: () => number;
  private readonly logger: StructuredLogger;
  private readonly units: SubjectUnits;
  private pending = new Map<string, SetDelta>();
  /** The cohort each flag of each set was last evaluated in, for events attributed by name only. */
  private readonly cohorts = new Map<string, Map<string, string>>();
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private lastFailure = '';
  private readonly counts = {
    evaluations: 0,
    trackingEvents: 0,
    units: 0,
    flushes: 0,
    writtenRecords: 0,
    failedRecords: 0,
    droppedFlags: 0,
    droppedUnknownFlags: 0,
    internalErrors: 0,
  };

  constructor(options: MetricsAggregatorOptions = {}) {
    const resolved = resolveMetricsOptions(options);
    this.sink = resolved.sink;
    this.maxTotalSeries = resolved.maxTotalSeries;
    this.windowMs = resolved.windowMs;
    this.windowRetentionMs = resolved.windowRetentionMs;
    this.defaultFlagSet = resolved.defaultFlagSet;
    this.trackUnits = resolved.trackUnits;
    this.errorEvent = resolved.errorEvent;
    this.maxKeyLength = resolved.maxKeyLength;
    this.maxFlags = resolved.maxFlags;
    this.lastSeen = resolved.lastSeen;
    this.now = resolved.now;
    this.logger = resolved.logger;
    this.units = new SubjectUnits(resolved.maxSubjects, resolved.unitTtlMs);
    if (resolved.autoFlush) this.timer = unrefInterval(() => void this.flush(), resolved.flushIntervalMs);
  }

  /**
   * The read side: cumulative counts of the evaluations seen from the first call on, for
   * observable instruments (see `instrumentEvaluations`). The same object on every call.
   */
  totals(): EvaluationTotals {
    this.observed ??= new EvaluationTotals(this.maxTotalSeries);
    return this.observed;
  }

  /** The OpenFeature `before` stage: only notes the start time, when evaluations are timed. */
  before(hookContext: Readonly<HookContext>): void {
    try {
      this.observed?.start(hookContext);
    } catch {
      this.counts.internalErrors++;
    }
  }

  /** The OpenFeature `finally` stage: counts the evaluation. Never throws, never does I/O. */
  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    try {
      this.counts.evaluations++;
      this.observed?.record(hookContext, details);
      if (this.sink === undefined) return;
      const metadata = (details.flagMetadata ?? {}) as Readonly<Record<string, unknown>>;
      const flagSet = typeof metadata.flagSetId === 'string' ? metadata.flagSetId : this.defaultFlagSet;
      const flagKey = details.flagKey ?? hookContext.flagKey;
      const delta = this.setDelta(flagSet);
      if (!delta.flags.has(flagKey) && delta.flags.size >= this.maxFlags) {
        this.counts.droppedFlags++;
        return;
      }
      const now = this.now();
      const flag = delta.flagWindow(now - (now % this.windowMs), flagKey);
      flag.lastAt = now;
      const variant = details.variant ?? '';
      const failed = details.errorCode !== undefined;
      add(flag.evaluations, variant);
      if (failed) {
        add(flag.errors, variant);
        if (details.errorCode === 'FLAG_NOT_FOUND') flag.notFound++;
        // An evaluation error is an occurrence of the error event for the set as a whole too.
        delta.event(now - (now % this.windowMs), this.errorEvent);
      }
      if (variant === '' || !this.trackUnits(flagKey, metadata)) return;
      const cohortValue = metadata[COHORT_METADATA];
      const cohort = cohortValue === undefined ? '' : String(cohortValue);
      this.noteCohort(flagSet, flagKey, cohort);
      const targetingKey = hookContext.context?.targetingKey;
      if (typeof targetingKey !== 'string' || targetingKey === '') return;
      const subject = this.subjectOf(flagSet, targetingKey);
      const unit = this.units.expose(subject, flagKey, variant, cohort, now);
      if (unit !== undefined) {
        this.counts.units++;
        delta.variant(flagKey, cohort, variant).units++;
      }
      if (failed) {
        const target = unit ?? this.units.unitsOf(subject, flagKey, now)[0];
        if (target !== undefined) this.attribute(delta, target, this.errorEvent, undefined);
      }
    } catch {
      this.counts.internalErrors++;
    }
  }

  /**
   * The sink stage: tracking events (from a `TrackingRecorder`'s pipeline) are counted and
   * attributed to the subject's units; exposure events are ignored (the hook stage already
   * counted every evaluation). Never throws.
   */
  write(batch: readonly AnalyticsEvent[]): void {
    for (const event of batch) if (event.type === 'tracking') this.track(event);
  }

  /** Counts one tracking event and attributes it to the subject's units. Never throws. */
  track(event: TrackingEvent): void {
    try {
      this.counts.trackingEvents++;
      if (this.sink === undefined) return;
      const flagSet = event.flagSetId ?? this.defaultFlagSet;
      const delta = this.setDelta(flagSet);
      const now = this.now();
      delta.event(now - (now % this.windowMs), event.eventName);
      const value = typeof event.value === 'number' && Number.isFinite(event.value) ? event.value : undefined;
      if (event.targetingKey === undefined || event.targetingKey === '') return;
      const subject = this.subjectOf(flagSet, event.targetingKey);
      const known = this.units.unitsOf(subject, event.flagKey, now);
      const units =
        event.variant === undefined ? known : known.filter((unit) => unit.variant === event.variant);
      for (const unit of units) this.attribute(delta, unit, event.eventName, value);
      if (known.length === 0 && event.flagKey !== undefined && event.variant !== undefined) {
        // Attributed by the caller to a subject this process never exposed to the flag (another
        // process did): the events and values count (in the flag's current cohort), the
        // unit-level conversion cannot. A variant that contradicts a known unit counts nowhere.
        const cohort = this.cohorts.get(flagSet)?.get(event.flagKey);
        if (cohort !== undefined)
          addEvent(delta.variant(event.flagKey, cohort, event.variant), event.eventName, value, false);
      }
    } catch {
      this.counts.internalErrors++;
    }
  }

  /**
   * Forgets one subject (right to erasure): the aggregator keeps no trace of the targeting key,
   * while the counts it already added stay (they hold no identifier).
   */
  forgetSubject(targetingKey: string, flagSet = this.defaultFlagSet): boolean {
    return this.units.forget(this.subjectOf(flagSet, targetingKey));
  }

  /** Writes every delta recorded so far. Never rejects; failures are counted and logged. */
  flush(): Promise<void> {
    if (this.flushing !== undefined) return this.flushing.then(() => this.flush());
    this.flushing = this.writeOut().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.flush();
  }

  stats(): MetricsAggregatorStats {
    return { ...this.counts, subjects: this.units.size, evictions: this.units.evictions };
  }

  private setDelta(flagSet: string): SetDelta {
    let delta = this.pending.get(flagSet);
    if (delta === undefined) {
      delta = new SetDelta();
      this.pending.set(flagSet, delta);
    }
    return delta;
  }

  private noteCohort(flagSet: string, flagKey: string, cohort: string): void {
    let flags = this.cohorts.get(flagSet);
    if (flags === undefined) {
      flags = new Map();
      this.cohorts.set(flagSet, flags);
    }
    if (flags.get(flagKey) !== cohort) flags.set(flagKey, cohort);
  }

  private subjectOf(flagSet: string, targetingKey: string): number {
    return this.units.keyOf(flagSet, boundedTargetingKey(targetingKey, this.maxKeyLength));
  }

  private attribute(delta: SetDelta, unit: Unit, metric: string, value: number | undefined): void {
    const first = unit.metrics === undefined || !unit.metrics.has(metric);
    if (first) {
      unit.metrics ??= new Set();
      unit.metrics.add(metric);
    }
    addEvent(delta.variant(unit.flagKey, unit.cohort, unit.variant), metric, value, first);
  }

  private async writeOut(): Promise<void> {
    const pending = this.pending;
    const sink = this.sink;
    if (pending.size === 0 || sink === undefined) return;
    this.pending = new Map();
    this.counts.flushes++;
    const work: {
      namespace: string;
      id: string;
      counters: Record<string, number>;
      ttlMs?: number;
      maximize?: true;
    }[] = [];
    const canRaise = typeof sink.maximize === 'function';
    for (const [flagSet, delta] of pending) {
      const namespace = metricsNamespace(flagSet);
      for (const increment of incrementsOf(delta, this.windowRetentionMs))
        work.push({ namespace, ...increment });
      if (!canRaise) continue;
      const { writes, droppedUnknown } = lastSeenWrites(delta, this.lastSeen);
      this.counts.droppedUnknownFlags += droppedUnknown;
      for (const { id, values, ttlMs } of writes)
        work.push({ namespace, id, counters: values, ttlMs, maximize: true });
    }
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const item = work[next++]!;
        try {
          const options = item.ttlMs === undefined ? undefined : { ttlMs: item.ttlMs };
          if (item.maximize) await sink.maximize!(item.namespace, item.id, item.counters, options);
          else await sink.increment(item.namespace, item.id, item.counters, options);
          this.counts.writtenRecords++;
          this.lastFailure = '';
        } catch (error) {
          this.counts.failedRecords++;
          const detail = (error as Error)?.message ?? String(error);
          if (detail !== this.lastFailure) {
            this.lastFailure = detail;
            this.logger.warn(
              { error: detail, namespace: item.namespace },
              'MetricsAggregator: writing metric aggregates failed; those counts are dropped',
            );
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(FLUSH_CONCURRENCY, work.length) }, worker));
  }
}

function addEvent(
  variant: VariantDelta,
  metric: string,
  value: number | undefined,
  firstForUnit: boolean,
): void {
  let sums: MetricDelta | undefined = variant.metrics.get(metric);
  if (sums === undefined) {
    sums = { events: 0, units: 0, sum: 0, sumSquares: 0 };
    variant.metrics.set(metric, sums);
  }
  sums.events++;
  if (firstForUnit) sums.units++;
  if (value !== undefined) {
    sums.sum += value;
    sums.sumSquares += value * value;
  }
}
