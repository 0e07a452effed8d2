/**
 * Experiments: pick an experiment flag and its metric; per variant the exposed users, conversion
 * rate with its interval, lift, the fixed-horizon p-value and the always-valid one, a chart of
 * the intervals, and a visible warning on sample-ratio mismatch. Figures from
 * `GET …/flags/{key}/experiment?metric=` (`analyzeExperiment` over the aggregates).
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { path, api } from '../../api/client.js';
import { loadFlags } from '../../api/reads.js';
import type { ExperimentResults } from '../../api/types.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { href } from '../../state/router.js';
import { ResultsView } from './results-view.js';

/** The page. */
export function ExperimentsPage({
  flagSet,
  flagKey,
}: { readonly flagSet: string; readonly flagKey: string | undefined }) {
  const live = useLive(flagSet);
  const [metric, setMetric] = useState<string | undefined>();
  const ids = { flag: useId(), metric: useId() };
  const choices = useResource(async () => {
    const [flags, metrics] = await Promise.all([
      loadFlags(flagSet),
      api<{ metrics: { metric: string; events: number }[] }>(path('flag-sets', flagSet, 'metrics')),
    ]);
    return {
      experiments: flags.flags.filter((f) => f.flag.metadata?.kind === 'experiment').map((f) => f.key),
      metrics: metrics.metrics.map((m) => m.metric),
    };
  }, [flagSet]);
  const experiments = choices.data?.experiments ?? [];
  const metrics = choices.data?.metrics ?? [];
  const selected = flagKey ?? experiments[0];
  const chosenMetric = metric ?? metrics.find((m) => m !== 'error') ?? metrics[0];
  // A metric of another set means nothing here.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the set changes.
  useEffect(() => setMetric(undefined), [flagSet]);
  const results = useResource(
    async () =>
      selected === undefined || chosenMetric === undefined
        ? undefined
        : api<ExperimentResults>(
            `${path('flag-sets', flagSet, 'flags', selected, 'experiment')}?metric=${encodeURIComponent(chosenMetric)}`,
          ),
    [flagSet, selected, chosenMetric, live.tick],
  );
  return (
    <section aria-labelledby="experiments-title">
      <h1 id="experiments-title">Experiments in {flagSet}</h1>
      <Loaded resource={choices}>
        {() =>
          experiments.length === 0 ? (
            <p>No flag of kind “experiment” in this set.</p>
          ) : (
            <>
              <form class="filters" onSubmit={(e) => e.preventDefault()}>
                <span class="field inline">
                  <label for={ids.flag}>Experiment</label>
                  <select
                    id={ids.flag}
                    value={selected}
                    onChange={(e) => {
                      location.hash = href(flagSet, 'experiments', e.currentTarget.value);
                    }}
                  >
                    {experiments.map((key) => (
                      <option key={key} value={key}>
                        {key}
                      </option>
                    ))}
                  </select>
                </span>
                <span class="field inline">
                  <label for={ids.metric}>Metric</label>
                  <select
                    id={ids.metric}
                    value={chosenMetric}
                    onChange={(e) => setMetric(e.currentTarget.value)}
                  >
                    {metrics.map((m) => (
                      <option key={m} value={m}>
                        {m}
                      </option>
                    ))}
                  </select>
                </span>
              </form>
              {chosenMetric === undefined ? (
                <p>No tracking event recorded in this set yet: results need a metric (track() in the app).</p>
              ) : (
                <Loaded resource={results}>{(r) => (r ? <ResultsView results={r} /> : null)}</Loaded>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}
