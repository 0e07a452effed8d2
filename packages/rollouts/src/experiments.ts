/**
 * Experiment results from the aggregates: one counter record per variant set (the flag's units in
 * one cohort), whatever the number of users, analysed by `analyzeExperiment` with its fixed-horizon
 * and always-valid figures. The flag must be tracked per unit by the `MetricsAggregator` (its
 * metadata `kind: "experiment"`, or a `metricsCohort`).
 */
import type { FlagDefinition } from '@ensign/core';
import {
  COHORT_METADATA,
  type ExperimentAnalysis,
  METRIC_RECORDS,
  analyzeExperiment,
  metricOf,
  metricsNamespace,
  parseEventsRecord,
  parseUnitRecord,
} from '@ensign/hooks';
import { rolloutWeightsOf } from '@ensign/store';
import { RolloutError } from './errors.js';
import type { RolloutContext } from './operations.js';

/** Options of {@link experimentResults}. */
export interface ExperimentResultsOptions {
  /** The tracking event that counts as a conversion. */
  readonly metric: string;
  /** The cohort to analyse. @default the flag's `metricsCohort` now, else `''` (no cohort) */
  readonly cohort?: string;
  /** The control variant. @default the flag's default variant */
  readonly control?: string;
}

/** Experiment results with the cohort they are from. */
export type ExperimentResults = ExperimentAnalysis & { readonly cohort: string };

/** Results of an experiment flag from the aggregates, with the cohort they are from. */
export async function experimentResults(
  context: RolloutContext,
  flagSet: string,
  flagKey: string,
  options: ExperimentResultsOptions,
): Promise<ExperimentResults> {
  const snapshot = await context.store.load(flagSet);
  const flags = snapshot.document.flags as Record<string, FlagDefinition | undefined>;
  const flag = Object.hasOwn(flags, flagKey) ? flags[flagKey] : undefined;
  if (flag === undefined)
    throw new RolloutError(
      'flag-not-found',
      flagSet,
      `flag "${flagKey}" does not exist in flag set "${flagSet}"`,
    );
  const current = flag.metadata?.[COHORT_METADATA];
  const cohort = options.cohort ?? (current === undefined ? '' : String(current));
  const namespace = metricsNamespace(flagSet);
  const metrics = context.metrics ?? context.state;
  const [units, events] = await Promise.all([
    metrics.counters(namespace, METRIC_RECORDS.units(flagKey, cohort)).then(parseUnitRecord),
    metrics.counters(namespace, METRIC_RECORDS.events).then(parseEventsRecord),
  ]);
  const control = options.control ?? flag.defaultVariant ?? Object.keys(flag.variants)[0]!;
  const weights = rolloutWeightsOf(flag);
  const analysis = analyzeExperiment({
    flagKey,
    metric: options.metric,
    control,
    aggregates: [...units].map(([variant, v]) => {
      const sums = metricOf(units, variant, options.metric);
      return { variant, units: v.units, converted: Math.min(sums.units, v.units), events: sums.events };
    }),
    ...(weights !== undefined && { weights }),
    metricEventsInSet: events.get(options.metric) ?? 0,
  });
  return { ...analysis, cohort };
}
