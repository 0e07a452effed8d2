/**
 * Conversion rate per variant with its 95% interval, drawn as SVG (a few marks, no canvas
 * needed): a dot for the rate, a bar for the interval, the control's rate as a dashed line; the
 * figures are in the table beside it.
 */
import type { ExperimentResults } from '../../api/types.js';

const WIDTH = 560;
const ROW = 34;
const LEFT = 120;
const RIGHT = 24;

/** The chart. */
export function IntervalChart({ results }: { readonly results: ExperimentResults }) {
  const variants = results.variants;
  if (variants.length === 0) return null;
  const max = Math.max(0.01, ...variants.map((v) => v.ci95.high)) * 1.1;
  const x = (value: number) => LEFT + (value / max) * (WIDTH - LEFT - RIGHT);
  const height = variants.length * ROW + 30;
  const control = variants.find((v) => v.variant === results.control);
  const ticks = [0, max / 4, max / 2, (3 * max) / 4, max];
  return (
    <figure class="chart">
      <figcaption>Conversion rate with its 95% interval; dashed line: the control’s rate</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        role="img"
        aria-label={variants
          .map(
            (v) =>
              `${v.variant}: ${(v.conversionRate * 100).toFixed(2)}% (${(v.ci95.low * 100).toFixed(2)}–${(v.ci95.high * 100).toFixed(2)}%)`,
          )
          .join('; ')}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={0} y2={height - 24} class="grid" />
            <text x={x(t)} y={height - 8} text-anchor="middle" class="tick">
              {(t * 100).toFixed(1)}%
            </text>
          </g>
        ))}
        {control && (
          <line
            x1={x(control.conversionRate)}
            x2={x(control.conversionRate)}
            y1={0}
            y2={height - 24}
            class="control-line"
          />
        )}
        {variants.map((v, i) => {
          const y = i * ROW + ROW / 2 + 4;
          return (
            <g key={v.variant}>
              <text x={LEFT - 8} y={y + 4} text-anchor="end" class="label">
                {v.variant}
              </text>
              <line x1={x(v.ci95.low)} x2={x(v.ci95.high)} y1={y} y2={y} class="interval" />
              <line x1={x(v.ci95.low)} x2={x(v.ci95.low)} y1={y - 6} y2={y + 6} class="interval" />
              <line x1={x(v.ci95.high)} x2={x(v.ci95.high)} y1={y - 6} y2={y + 6} class="interval" />
              <circle cx={x(v.conversionRate)} cy={y} r={5} class="point" />
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
