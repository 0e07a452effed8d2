/** Evaluations of the flag per hour by variant (the aggregates' time windows). */
import { path, api } from '../../api/client.js';
import type { EvaluationWindows } from '../../api/types.js';
import { Loaded } from '../../components/status.js';
import { PALETTE, TimeChart } from '../../components/time-chart.js';
import { useResource } from '../../state/resource.js';

/** The chart of the last 48 hours. */
export function ExposureChart({
  flagSet,
  flagKey,
  tick,
}: { readonly flagSet: string; readonly flagKey: string; readonly tick: number }) {
  const data = useResource(
    () => api<EvaluationWindows>(`${path('flag-sets', flagSet, 'flags', flagKey, 'evaluations')}?hours=48`),
    [flagSet, flagKey, tick],
  );
  return (
    <Loaded resource={data}>
      {({ windows }) => {
        const variants = [...new Set(windows.flatMap((w) => Object.keys(w.variants)))].sort();
        const total = windows.reduce(
          (sum, w) => sum + Object.values(w.variants).reduce((a, b) => a + b, 0),
          0,
        );
        if (total === 0)
          return (
            <p class="muted">
              No evaluations recorded in the last 48 hours (apps report them through the MetricsAggregator).
            </p>
          );
        return (
          <TimeChart
            caption="Evaluations per hour by variant, last 48 hours"
            summary={`Evaluations per hour by variant: ${variants.map((v) => `${v || '(default)'} ${windows.reduce((s, w) => s + (w.variants[v] ?? 0), 0)}`).join(', ')}`}
            x={windows.map((w) => w.start / 1000)}
            series={variants.map((v, i) => ({
              label: v === '' ? '(caller default)' : v,
              values: windows.map((w) => w.variants[v] ?? 0),
              color: PALETTE[i % PALETTE.length]!,
              ...(i % 2 === 1 && { dash: [6, 3] }),
            }))}
          />
        );
      }}
    </Loaded>
  );
}
