/** The results of one experiment: the warnings first, then the table and the chart of intervals. */
import type { ExperimentResults } from '../../api/types.js';
import { IntervalChart } from './interval-chart.js';

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const p = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : v < 0.0001 ? '< 0.0001' : v.toFixed(4);

/** The results. */
export function ResultsView({ results }: { readonly results: ExperimentResults }) {
  const srm = results.sampleRatio;
  return (
    <div class="results" data-flag={results.flagKey}>
      {srm?.mismatch && (
        <div class="warning" role="alert" data-srm>
          <strong>⚠ Sample-ratio mismatch.</strong> Users did not split as the weights say (p ={' '}
          {p(srm.pValue)}, always-valid p = {p(srm.alwaysValidPValue)}
          {srm.unexpectedVariants.length > 0 &&
            `; users in variants with no weight: ${srm.unexpectedVariants.join(', ')}`}
          ). Do not trust these results until the cause is found (another writer, a cache, bots).
        </div>
      )}
      {results.warnings.map((w) => (
        <p key={w} class="warning">
          ⚠ {w}
        </p>
      ))}
      <p>
        {results.users} users analysed, metric <strong>{results.metric}</strong>, control{' '}
        <strong>{results.control}</strong>
        {results.cohort !== '' && `, cohort ${results.cohort}`}.
      </p>
      <table class="experiment">
        <caption class="visually-hidden">Results per variant</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Exposed users</th>
            <th scope="col">Converted</th>
            <th scope="col">Conversion rate [95% interval]</th>
            <th scope="col">Lift vs control</th>
            <th scope="col">p-value (one look)</th>
            <th scope="col">Always-valid p</th>
          </tr>
        </thead>
        <tbody>
          {results.variants.map((v) => (
            <tr key={v.variant} data-variant={v.variant}>
              <th scope="row">
                {v.variant}
                {v.variant === results.control && <span class="muted"> (control)</span>}
              </th>
              <td data-exposed>{v.exposedUsers}</td>
              <td data-converted>{v.convertedUsers}</td>
              <td data-rate>
                {pct(v.conversionRate)} [{pct(v.ci95.low)}, {pct(v.ci95.high)}]
              </td>
              <td data-lift>
                {v.liftVsControl === null ? '—' : `${v.liftVsControl >= 0 ? '+' : ''}${pct(v.liftVsControl)}`}
              </td>
              <td data-p>{p(v.pValue)}</td>
              <td data-always-valid-p>{p(v.alwaysValid?.pValue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <IntervalChart results={results} />
      <p class="muted">
        The one-look p-value holds only if you decide once, at a size fixed in advance; the always-valid
        p-value holds however often anyone looks.
      </p>
    </div>
  );
}
