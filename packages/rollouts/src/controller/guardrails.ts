/**
 * One look at a rollout's guardrails, from the aggregates alone: for each guardrail, the
 * anytime-valid one-sided harm test over the plan's cohorts (stratified, so a changing split
 * cannot fake an effect), its confidence sequence, the SLO-style threshold, and the sample-ratio
 * check over the cohorts; plus what is missing (no units, a metric nobody emits).
 *
 * α: the plan's `alpha` is split evenly across the guardrails with a sequential test
 * (Bonferroni), and each test is valid under continuous monitoring, so the chance that a release
 * without true harm is ever rolled back by a test, over the whole rollout and however often the
 * controller looks, is at most `alpha`. Thresholds are plain limits, with no such guarantee: they
 * are for flags whose traffic no test can use.
 */
import {
  type EffectEstimate,
  type MeanCounts,
  type ProportionCounts,
  type UnitRecord,
  alwaysValidPValue,
  compareSequentially,
  metricOf,
  optimalMixtureRho,
  sequentialSampleRatio,
  stratumEffect,
} from '@ensign/hooks';
import type { GuardrailSpec, RolloutPlanSpec } from '../plan/spec.js';
import type { CohortRecord, GuardrailReport, RolloutRecord } from '../state/record.js';

/** Below this p-value of the sequential sample-ratio test, the data is not trusted. */
export const SRM_THRESHOLD = 0.001;

/** What one look found. */
export interface GuardrailLook {
  readonly reports: readonly GuardrailReport[];
  /** The first guardrail showing harm, and why. */
  readonly harm: { readonly metric: string; readonly why: string } | undefined;
  /** Every guardrail rules out harm (or has met its threshold with enough units). */
  readonly allSafe: boolean;
  readonly sampleRatio: { readonly pValue: number; readonly mismatch: boolean };
  /** Units per arm in the current cohort. */
  readonly current: { readonly release: number; readonly replace: number };
  /** Units per arm over all cohorts. */
  readonly total: { readonly release: number; readonly replace: number };
  /** Updated running state of the tests (to store with the plan). */
  readonly rho: Record<string, number>;
  readonly maxEvidence: Record<string, number>;
}

function proportionArm(record: UnitRecord, variant: string, metric: string): ProportionCounts {
  return { units: record.get(variant)?.units ?? 0, successes: metricOf(record, variant, metric).units };
}

function meanArm(record: UnitRecord, variant: string, metric: string): MeanCounts {
  const sums = metricOf(record, variant, metric);
  return { count: sums.events, sum: sums.sum, sumSquares: sums.sumSquares };
}

/** Per-unit (or per-event) variance of an arm, smoothed, for tuning the mixture. */
function unitVariance(kind: GuardrailSpec['kind'], arm: ProportionCounts | MeanCounts): number {
  if (kind === 'proportion') {
    const { units, successes } = arm as ProportionCounts;
    const p = (successes + 0.5) / (units + 1);
    return p * (1 - p);
  }
  const { count, sum, sumSquares } = arm as MeanCounts;
  if (count < 2) return 1;
  const mean = sum / count;
  return Math.max((sumSquares - count * mean * mean) / (count - 1), 1e-12 * Math.max(1, mean * mean));
}

function add<T extends ProportionCounts | MeanCounts>(a: T, b: T): T {
  if ('units' in a) {
    const x = a as ProportionCounts;
    const y = b as ProportionCounts;
    return { units: x.units + y.units, successes: x.successes + y.successes } as T;
  }
  const x = a as MeanCounts;
  const y = b as MeanCounts;
  return { count: x.count + y.count, sum: x.sum + y.sum, sumSquares: x.sumSquares + y.sumSquares } as T;
}

const sizeOf = (arm: ProportionCounts | MeanCounts) => ('units' in arm ? arm.units : arm.count);
const armValue = (arm: ProportionCounts | MeanCounts) =>
  'units' in arm
    ? arm.units > 0
      ? arm.successes / arm.units
      : null
    : arm.count > 0
      ? arm.sum / arm.count
      : null;

/** Evaluates every guardrail of `record` on the cohorts' unit records (same order as `record.cohorts`). */
export function lookAtGuardrails(
  record: RolloutRecord,
  cohorts: readonly UnitRecord[],
  eventsInSet: ReadonlyMap<string, number>,
): GuardrailLook {
  const spec = record.spec;
  const sequentialCount = spec.guardrails.filter((g) => g.sequential).length;
  const alpha = sequentialCount > 0 ? spec.alpha / sequentialCount : spec.alpha;
  const rho = { ...record.rho };
  const maxEvidence = { ...record.maxEvidence };
  const stage = spec.stages[Math.max(0, record.stage)]!;
  const reports: GuardrailReport[] = [];
  let harm: GuardrailLook['harm'];
  let allSafe = true;
  let totalRelease = 0;
  let totalReplace = 0;
  for (const unitRecord of cohorts) {
    totalRelease += unitRecord.get(spec.release)?.units ?? 0;
    totalReplace += unitRecord.get(spec.replace)?.units ?? 0;
  }
  const last = cohorts[cohorts.length - 1];
  const current = {
    release: last?.get(spec.release)?.units ?? 0,
    replace: last?.get(spec.replace)?.units ?? 0,
  };
  for (const guardrail of spec.guardrails) {
    const arms = cohorts.map((unitRecord) =>
      guardrail.kind === 'proportion'
        ? {
            control: proportionArm(unitRecord, spec.replace, guardrail.metric),
            treatment: proportionArm(unitRecord, spec.release, guardrail.metric),
          }
        : {
            control: meanArm(unitRecord, spec.replace, guardrail.metric),
            treatment: meanArm(unitRecord, spec.release, guardrail.metric),
          },
    );
    const empty =
      guardrail.kind === 'proportion' ? { units: 0, successes: 0 } : { count: 0, sum: 0, sumSquares: 0 };
    const control = arms.reduce<ProportionCounts | MeanCounts>((sum, a) => add(sum, a.control), empty);
    const treatment = arms.reduce<ProportionCounts | MeanCounts>((sum, a) => add(sum, a.treatment), empty);
    const effects: (EffectEstimate | undefined)[] = arms.map((a) =>
      guardrail.kind === 'proportion'
        ? stratumEffect(
            'proportion',
            a as { control: ProportionCounts; treatment: ProportionCounts },
            guardrail.direction,
          )
        : stratumEffect('mean', a as { control: MeanCounts; treatment: MeanCounts }, guardrail.direction),
    );
    const active = totalRelease >= spec.minUnitsForTests && totalReplace >= spec.minUnitsForTests;
    let comparison: ReturnType<typeof compareSequentially> | undefined;
    if (active && guardrail.sequential) {
      if (rho[guardrail.metric] === undefined) {
        // Tuned for the first stage's planned size, from the variances seen now; fixed from here
        // on (it must not follow the effect it tests).
        const n0 = Math.max(spec.stages[0]!.minUnitsPerArm, spec.minUnitsForTests);
        const target =
          1 / ((unitVariance(guardrail.kind, control) + unitVariance(guardrail.kind, treatment)) / n0);
        rho[guardrail.metric] = optimalMixtureRho(target, alpha, 1);
      }
      comparison = compareSequentially(effects, {
        alpha,
        rho: rho[guardrail.metric]!,
        tolerance: guardrail.tolerance,
      });
      maxEvidence[guardrail.metric] = Math.max(maxEvidence[guardrail.metric] ?? 0, comparison.logEvidence);
    }
    const evidence = maxEvidence[guardrail.metric] ?? 0;
    const seqHarm = comparison !== undefined && evidence >= Math.log(1 / alpha);
    const releaseValue = armValue(treatment);
    const thresholdUnits = Math.max(stage.minUnitsPerArm, 30);
    const breached =
      guardrail.threshold !== undefined &&
      releaseValue !== null &&
      sizeOf(treatment) >= thresholdUnits &&
      (guardrail.direction === 'increase'
        ? releaseValue > guardrail.threshold
        : releaseValue < guardrail.threshold);
    const thresholdMet =
      guardrail.threshold === undefined || (releaseValue !== null && sizeOf(treatment) >= thresholdUnits);
    const safe = !breached && thresholdMet && (guardrail.sequential ? comparison?.safe === true : true);
    const verdict: GuardrailReport['verdict'] = seqHarm
      ? 'harm'
      : breached
        ? 'threshold-breached'
        : !active && guardrail.sequential
          ? 'waiting'
          : safe
            ? 'safe'
            : 'inconclusive';
    if (!safe) allSafe = false;
    if (harm === undefined && (seqHarm || breached)) {
      harm = {
        metric: guardrail.metric,
        why: seqHarm
          ? `the anytime-valid test shows harm beyond the tolerance (p ≤ ${alpha.toPrecision(2)})`
          : `the released arm is beyond the threshold ${guardrail.threshold}`,
      };
    }
    reports.push({
      metric: guardrail.metric,
      kind: guardrail.kind,
      direction: guardrail.direction,
      release: { n: sizeOf(treatment), value: releaseValue },
      replace: { n: sizeOf(control), value: armValue(control) },
      effect: comparison?.estimate ?? null,
      interval: comparison?.estimate === null || comparison === undefined ? null : comparison.interval,
      pValue: alwaysValidPValue(evidence),
      fixedHorizonP:
        comparison?.estimate === null || comparison === undefined ? null : comparison.fixedHorizon.pValue,
      verdict,
      eventsInSet: Math.max(
        0,
        (eventsInSet.get(guardrail.metric) ?? 0) - (record.eventsAtStart[guardrail.metric] ?? 0),
      ),
    });
  }
  const strata = record.cohorts
    .map((cohort: CohortRecord, i) => ({ cohort, unitRecord: cohorts[i] }))
    .filter(
      ({ cohort, unitRecord }) => !cohort.contaminated && cohort.percent < 100 && unitRecord !== undefined,
    )
    .map(({ cohort, unitRecord }) => ({
      counts: [unitRecord!.get(spec.release)?.units ?? 0, unitRecord!.get(spec.replace)?.units ?? 0],
      expected: [cohort.percent, 100 - cohort.percent],
    }));
  const srm = sequentialSampleRatio(strata, { threshold: SRM_THRESHOLD });
  return {
    reports,
    harm,
    allSafe,
    sampleRatio: { pValue: srm.pValue, mismatch: srm.mismatch },
    current,
    total: { release: totalRelease, replace: totalReplace },
    rho,
    maxEvidence,
  };
}

/** Whether the plan lacks data it cannot do without (so it must say so rather than wait forever). */
export function missingData(
  spec: RolloutPlanSpec,
  reports: readonly GuardrailReport[],
  total: { release: number; replace: number },
): string | undefined {
  // Without guardrails nothing needs the aggregates (stages then advance on time and units alone).
  if (spec.guardrails.length > 0 && total.release + total.replace === 0) {
    return `no exposure units of flag "${spec.flagKey}" reached the aggregates: register a MetricsAggregator as an OpenFeature hook in the app (and give it a state the controller reads)`;
  }
  const silent = spec.guardrails
    .filter((g, i) => g.requireEvents && reports[i]!.eventsInSet === 0)
    .map((g) => g.metric);
  if (silent.length > 0) {
    const names = silent.map((m) => `"${m}"`).join(', ');
    return `no ${names} events reached the aggregates since the plan started: does the app call track(${names}), and is a MetricsAggregator its tracking sink? (a guardrail whose metric may stay at zero takes requireEvents: false)`;
  }
  return undefined;
}
