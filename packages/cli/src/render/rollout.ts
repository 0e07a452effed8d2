/**
 * Rollouts, schedules and experiment results as people read them in 80 columns: where a rollout
 * stands and why, its guardrails' figures (effect, interval, always-valid p), its history; the
 * experiment table with both the fixed-horizon and the always-valid p-values.
 */
import type { ExperimentResults, GuardrailReport, RolloutRecord, ScheduleRecord } from '@ensign/rollouts';
import { table } from './text.js';

/** A rollout as the API answers it. */
export interface RolloutAnswer {
  readonly rollout: RolloutRecord;
  readonly version: number;
  readonly live: {
    weights: Record<string, number> | null;
    releasedPercent: number | null;
    asPlanned: boolean;
  } | null;
}

const number = new Intl.NumberFormat('en-US');
const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

function stageLine(record: RolloutRecord): string {
  const { stages } = record.spec;
  if (record.stage < 0) return 'not started (the controller applies stage 1 at its next tick)';
  const stage = stages[record.stage]!;
  return `stage ${record.stage + 1}/${stages.length} (${stage.percent}%) since ${time(record.stageStartedAt ?? record.createdAt)}`;
}

function effectText(report: GuardrailReport): [string, string] {
  if (report.effect === null || report.interval === null) return ['-', '-'];
  const scale = report.kind === 'proportion' ? 100 : 1;
  const unit = report.kind === 'proportion' ? ' pp' : '';
  // Shown in the metric's own direction: released minus replaced.
  const sign = report.direction === 'increase' ? 1 : -1;
  const f = (x: number) => `${x * sign * scale >= 0 ? '+' : ''}${(x * sign * scale).toPrecision(3)}`;
  const [a, b] = [report.interval.low * sign, report.interval.high * sign].sort((x, y) => x - y);
  return [`${f(report.effect)}${unit}`, `[${f(a! * sign)}, ${f(b! * sign)}]`];
}

/** `ensign rollout status|start|pause|resume|abort` for people. */
export function rolloutText(answer: RolloutAnswer): string {
  const r = answer.rollout;
  const { spec } = r;
  const lines = [
    `Rollout ${spec.id} of flag ${spec.flagKey} (${r.flagSet}): ${r.status}, ${stageLine(r)}`,
    `  ${spec.release} replaces ${spec.replace}: ${spec.stages.map((s) => `${s.percent}%`).join(' → ')}; on harm: ${spec.onHarm}; α = ${spec.alpha}`,
  ];
  if (answer.live === null) lines.push('  The flag no longer exists.');
  else if (answer.live.releasedPercent !== null)
    lines.push(
      `  Now: ${spec.release} at ${answer.live.releasedPercent.toFixed(2)}%${answer.live.asPlanned ? '' : ' (changed by someone else since the plan last wrote it)'}`,
    );
  if (r.reason !== undefined) lines.push(`  Why: ${r.reason}`);
  const reports = r.lastReport?.guardrails ?? [];
  if (reports.length > 0) {
    lines.push('', `Guardrails (last look ${time(r.lastReport!.at)}):`);
    const rows = reports.map((g) => {
      const [effect, interval] = effectText(g);
      return [
        g.metric,
        g.verdict,
        effect,
        interval,
        g.pValue.toPrecision(2),
        `${number.format(g.release.n)} / ${number.format(g.replace.n)}`,
      ];
    });
    lines.push(
      table(
        ['metric', 'verdict', 'effect', 'interval', 'p', `units ${spec.release} / ${spec.replace}`],
        rows,
        [16, 18, 12, 20, 6],
        '  ',
      ),
    );
  }
  if (r.events.length > 0) {
    lines.push('', 'History:');
    lines.push(
      table(
        ['when', 'who', 'what', 'detail'],
        r.events.slice(-10).map((e) => [time(e.at), e.actor, e.action, e.detail]),
        [16, 22, 11],
        '  ',
      ),
    );
  }
  return lines.join('\n');
}

/** A list of rollouts (`ensign rollout status` without a flag). */
export function rolloutListText(rollouts: readonly { rollout: RolloutRecord }[]): string {
  if (rollouts.length === 0) return 'No rollouts.';
  return table(
    ['plan', 'flag', 'status', 'stage', 'why'],
    rollouts.map(({ rollout: r }) => [
      r.spec.id,
      r.spec.flagKey,
      r.status,
      r.stage < 0 ? '-' : `${r.spec.stages[r.stage]!.percent}%`,
      r.reason ?? '',
    ]),
    [20, 20, 11, 5],
  );
}

/** `ensign experiment results` for people. */
export function experimentText(results: ExperimentResults): string {
  const lines = [
    `Experiment ${results.flagKey}, metric "${results.metric}", control ${results.control}${results.cohort === '' ? '' : `, cohort ${results.cohort}`}: ${number.format(results.users)} units`,
  ];
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const rows = results.variants.map((v) => [
    v.variant,
    number.format(v.exposedUsers),
    `${pct(v.conversionRate)} [${pct(v.ci95.low)}, ${pct(v.ci95.high)}]`,
    v.liftVsControl === null
      ? '-'
      : `${v.liftVsControl >= 0 ? '+' : ''}${(100 * v.liftVsControl).toFixed(1)}%`,
    v.pValue === null ? '-' : v.pValue.toPrecision(2),
    v.alwaysValid === null ? '-' : v.alwaysValid.pValue.toPrecision(2),
  ]);
  lines.push(
    table(
      ['variant', 'units', 'rate [95% CI]', 'lift', 'p fixed', 'p always-valid'],
      rows,
      [16, 10, 26, 8, 8],
    ),
  );
  if (results.sampleRatio !== null)
    lines.push(
      `Sample ratio: p = ${results.sampleRatio.pValue.toPrecision(2)} (always-valid ${results.sampleRatio.alwaysValidPValue.toPrecision(2)})${results.sampleRatio.mismatch ? ': MISMATCH, do not trust these results' : ''}`,
    );
  lines.push(
    'The fixed-horizon p-value holds for one look planned in advance; the always-valid one holds however often you look.',
  );
  for (const warning of results.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

/** Schedules for people. */
export function scheduleText(schedules: readonly { schedule: ScheduleRecord }[]): string {
  if (schedules.length === 0) return 'No scheduled changes.';
  return table(
    ['id', 'at (UTC)', 'flag', 'action', 'status'],
    schedules.map(({ schedule: s }) => [
      s.id,
      time(s.at),
      s.flagKey,
      s.action.type === 'weights'
        ? `weights ${Object.entries(s.action.weights)
            .map(([k, w]) => `${k}=${w}`)
            .join(' ')}`
        : s.action.type,
      s.status === 'done' && s.result !== undefined && s.result.lateByMs > 60_000
        ? `done ${Math.round(s.result.lateByMs / 60_000)} min late`
        : s.status === 'failed'
          ? `failed: ${s.error ?? ''}`
          : s.status,
    ]),
    [16, 16, 20, 18],
  );
}
