/**
 * What the controller does with one look at a running plan, as a pure function: harm first
 * (roll back or kill), then data it cannot trust (a sample-ratio mismatch) or cannot do without
 * (no units, a metric nobody emits): pause and say why; then the stage's clock and sample; then
 * the tests (`onInconclusive`: proceed, or hold until harm is ruled out).
 */
import { formatDuration } from '../plan/spec.js';
import type { GuardrailReport, RolloutRecord } from '../state/record.js';
import { type GuardrailLook, missingData } from './guardrails.js';

/** The controller's next move. */
export type Decision =
  | { readonly kind: 'stage'; readonly stage: number; readonly reason: string }
  | { readonly kind: 'complete'; readonly stage: number; readonly reason: string }
  | { readonly kind: 'harm'; readonly reason: string }
  | { readonly kind: 'pause'; readonly reason: string }
  | { readonly kind: 'hold'; readonly reason: string };

const number = new Intl.NumberFormat('en-US');

/** One guardrail in a few words: `error +0.92 pp [+0.41, +1.43] p=0.003 (1,204 vs 22,873)`. */
export function describeGuardrail(report: GuardrailReport): string {
  const scale = report.kind === 'proportion' ? 100 : 1;
  const unit = report.kind === 'proportion' ? ' pp' : '';
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * scale).toPrecision(3)}`;
  // Reported in the metric's own direction (treatment minus control), not the harm orientation.
  const raw = (x: number) => (report.direction === 'increase' ? x : -x);
  const effect =
    report.effect === null
      ? 'no estimate yet'
      : `${signed(raw(report.effect))}${unit}${
          report.interval === null
            ? ''
            : ` [${signed(Math.min(raw(report.interval.low), raw(report.interval.high)))}, ${signed(
                Math.max(raw(report.interval.low), raw(report.interval.high)),
              )}]`
        } p=${report.pValue.toPrecision(2)}`;
  const values =
    report.release.value === null || report.replace.value === null
      ? ''
      : `, ${(report.release.value * scale).toPrecision(3)}${report.kind === 'proportion' ? '%' : ''} vs ${(
          report.replace.value * scale
        ).toPrecision(3)}${report.kind === 'proportion' ? '%' : ''}`;
  return `${report.metric} ${effect} (${number.format(report.release.n)} vs ${number.format(report.replace.n)}${values})`;
}

/** The figures of every guardrail, for reasons and notifications. */
export function describeLook(look: GuardrailLook): string {
  return look.reports.length === 0 ? 'no guardrails' : look.reports.map(describeGuardrail).join('; ');
}

/** Decides the next move of a running plan whose flag is as the plan last left it. */
export function decide(record: RolloutRecord, look: GuardrailLook, now: number): Decision {
  const { spec } = record;
  const stages = spec.stages;
  const label = (i: number) => `stage ${i + 1}/${stages.length} (${stages[i]!.percent}%)`;
  if (record.stage < 0 || record.reapply) {
    const stage = Math.max(0, record.stage);
    return {
      kind: stage === stages.length - 1 && stages[stage]!.percent === 100 ? 'complete' : 'stage',
      stage,
      reason: record.reapply ? `${label(stage)} applied again after a resume` : `start: ${label(stage)}`,
    };
  }
  if (look.harm !== undefined) {
    return {
      kind: 'harm',
      reason: `${look.harm.metric}: ${look.harm.why} at ${label(record.stage)}: ${describeLook(look)}`,
    };
  }
  if (look.sampleRatio.mismatch) {
    return {
      kind: 'pause',
      reason: `sample ratio mismatch (p = ${look.sampleRatio.pValue.toPrecision(2)}): the units per arm do not follow the split, so the comparison cannot be trusted (another writer of the flag? a cache? bots?); ${number.format(look.current.release)} vs ${number.format(look.current.replace)} units in this stage`,
    };
  }
  const stage = stages[record.stage]!;
  const elapsed = now - (record.stageStartedAt ?? now);
  const firstStageOver = record.stage > 0 || elapsed >= stages[0]!.minDurationMs;
  const missing = firstStageOver ? missingData(spec, look.reports, look.total) : undefined;
  if (missing !== undefined) return { kind: 'pause', reason: missing };
  const waits: string[] = [];
  if (elapsed < stage.minDurationMs) waits.push(`${formatDuration(stage.minDurationMs - elapsed)} more`);
  const short = Math.max(
    stage.minUnitsPerArm - look.current.release,
    stage.minUnitsPerArm - look.current.replace,
  );
  if (short > 0) waits.push(`${number.format(short)} more units per arm`);
  if (waits.length > 0)
    return { kind: 'hold', reason: `${label(record.stage)} needs ${waits.join(' and ')}` };
  if (!look.allSafe && spec.onInconclusive === 'hold') {
    return {
      kind: 'hold',
      reason: `${label(record.stage)} is inconclusive (harm not ruled out; onInconclusive: hold): ${describeLook(look)}`,
    };
  }
  const next = record.stage + 1;
  const verdict = look.allSafe
    ? 'no harm beyond tolerance'
    : 'no harm found (inconclusive; onInconclusive: proceed)';
  if (next >= stages.length || stages[next]!.percent === 100) {
    return {
      kind: 'complete',
      stage: next >= stages.length ? record.stage : next,
      reason: `${verdict} after ${label(record.stage)}: ${describeLook(look)}`,
    };
  }
  return {
    kind: 'stage',
    stage: next,
    reason: `${label(record.stage)} → ${stages[next]!.percent}%: ${verdict}: ${describeLook(look)}`,
  };
}
