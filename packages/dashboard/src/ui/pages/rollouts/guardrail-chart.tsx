/**
 * One guardrail of a rollout: the difference between the released and the replaced variant
 * (positive is worse), cohort by cohort as the stages accumulated, with its confidence band, the
 * tolerance line (harm is beyond it) and, for a threshold guardrail, a note of the threshold on
 * the released arm.
 */
import type { GuardrailSeries } from '../../api/types.js';
import { TimeChart } from '../../components/time-chart.js';

type Guardrail = GuardrailSeries['guardrails'][number];

const pct = (v: number) => `${(v * 100).toFixed(2)} pp`;

/** The chart of one guardrail. */
export function GuardrailChart({ guardrail }: { readonly guardrail: Guardrail }) {
  const points = guardrail.points;
  const format = guardrail.kind === 'proportion' ? pct : (v: number) => v.toFixed(2);
  if (points.length === 0) return <p class="muted">{guardrail.metric}: no cohort yet.</p>;
  const last = points[points.length - 1]!;
  return (
    <div class="guardrail" data-metric={guardrail.metric}>
      <TimeChart
        caption={
          <>
            <strong>{guardrail.metric}</strong> (
            {guardrail.direction === 'increase' ? 'harm is an increase' : 'harm is a decrease'}): difference
            released − replaced, oriented so that up is worse; band = confidence sequence; dashed line =
            tolerance
            {guardrail.threshold !== undefined &&
              `; threshold on the released arm: ${format(guardrail.threshold)}`}
            . Now: {last.effect === null ? 'no estimate yet' : format(last.effect)} — {last.verdict}
          </>
        }
        summary={`${guardrail.metric}: effect ${last.effect === null ? 'unknown' : format(last.effect)}, verdict ${last.verdict}, tolerance ${format(guardrail.tolerance)}`}
        x={points.map((p) => p.startedAt / 1000)}
        format={format}
        series={[
          { label: 'effect', values: points.map((p) => p.effect), color: '#1f6feb' },
          {
            label: 'upper bound',
            values: points.map((p) => p.interval?.high ?? null),
            color: '#6e7781',
            dash: [2, 2],
            bandWith: 2,
          },
          {
            label: 'lower bound',
            values: points.map((p) => p.interval?.low ?? null),
            color: '#6e7781',
            dash: [2, 2],
          },
          {
            label: 'tolerance',
            values: points.map(() => guardrail.tolerance),
            color: '#cf222e',
            dash: [8, 4],
          },
        ]}
      />
    </div>
  );
}
