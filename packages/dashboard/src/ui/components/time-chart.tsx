/**
 * A time-series chart on uPlot (small, fast, canvas, no `eval`: it works under the strict CSP;
 * loaded with the first chart, so the flags page does not wait for it),
 * inside a `<figure>` with a caption and the same figures as a table for screen readers and
 * keyboard users, so no figure is only in the picture. Series carry names in the legend, and
 * dashed or dotted lines for reference lines, so colour is never the only way to tell them apart.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

/** One line of the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  /** Dash pattern for reference lines (tolerance, threshold). */
  readonly dash?: readonly number[];
  /** Fill the area between this series and the one at `bandWith` (an interval band). */
  readonly bandWith?: number;
  /** Leave out of the table (a band's edges are shown in their own columns). */
  readonly hideInTable?: boolean;
}

/** Props of {@link TimeChart}. */
export interface TimeChartProps {
  readonly caption: ComponentChildren;
  /** What the chart shows, for assistive technology (the table has the figures). */
  readonly summary: string;
  /** X values in seconds since the epoch. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly format?: (value: number) => string;
  readonly height?: number;
}

/** Colours for variants (named in the legend and the table too). */
export const PALETTE = ['#1f6feb', '#b35900', '#1a7f37', '#8250df', '#cf222e', '#0a7d8c', '#6e7781'];

/** The chart and its table. */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const format = props.format ?? ((v: number) => String(v));
  const draw = (UPlot: typeof uPlot, element: HTMLDivElement): uPlot => {
    const width = Math.max(320, element.clientWidth || 640);
    const data = [props.x, ...props.series.map((s) => s.values)] as unknown as uPlot.AlignedData;
    const bands: uPlot.Band[] = [];
    props.series.forEach((s, i) => {
      if (s.bandWith !== undefined) bands.push({ series: [i + 1, s.bandWith + 1], fill: `${s.color}33` });
    });
    return new UPlot(
      {
        width,
        height: props.height ?? 220,
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            ...(s.dash && { dash: [...s.dash] }),
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
          })),
        ],
        bands,
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(format), size: 70 }],
      },
      data,
      element,
    );
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawn when the figures change, not on every render.
  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    let chart: uPlot | undefined;
    let gone = false;
    import('uplot').then((module) => {
      if (gone) return;
      // uPlot's types say `export =`; its ES module (what the bundle loads) has a default export.
      const loaded = module as unknown as { default?: typeof uPlot };
      chart = draw(loaded.default ?? (module as unknown as typeof uPlot), element);
    });
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [props.x, props.series]);
  const time = (s: number) => new Date(s * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const shown = props.series.filter((s) => !s.hideInTable);
  return (
    <figure class="chart">
      <figcaption>{props.caption}</figcaption>
      <div ref={host} role="img" aria-label={props.summary} />
      <details>
        <summary>Figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              {shown.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.x.map((x, i) => (
              <tr key={x}>
                <th scope="row">{time(x)}</th>
                {shown.map((s) => {
                  const v = s.values[i];
                  return <td key={s.label}>{v === null || v === undefined ? '—' : format(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
