/**
 * One guarded rollout: its stages as a timeline (done, current, to come), the released variant's
 * share now, per guardrail the chart of the difference between variants with its band and the
 * tolerance, the last look's figures, and pause, resume, abort (each confirmed, compare-and-set on
 * the plan's ETag). Re-read when the set changes (every controller step is a flag write, pushed by
 * the live feed) and every 15 s for figures and pauses, which write nothing to the flag.
 */
import { useEffect, useState } from 'preact/hooks';
import { path, api, request } from '../../api/client.js';
import type { GuardrailSeries, RolloutView } from '../../api/types.js';
import { since } from '../../components/badges.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { href } from '../../state/router.js';
import { canWrite, useSession } from '../../state/session.js';
import { GuardrailChart } from './guardrail-chart.js';
import { StageTimeline } from './stage-timeline.js';
import { StatusBadge } from './status-badge.js';

/** How often figures are re-read while the page is open, in ms (they change without a flag write). */
export const FIGURES_REFRESH_MS = 15_000;

type Action = 'pause' | 'resume' | 'abort';

/** The page. */
export function RolloutPage({ flagSet, plan }: { readonly flagSet: string; readonly plan: string }) {
  const session = useSession();
  const live = useLive(flagSet);
  const [beat, setBeat] = useState(0);
  const [action, setAction] = useState<Action | undefined>();
  useEffect(() => {
    const timer = setInterval(() => setBeat((b) => b + 1), FIGURES_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const data = useResource(async () => {
    const [view, series] = await Promise.all([
      request<RolloutView>(path('flag-sets', flagSet, 'rollouts', plan)),
      api<GuardrailSeries>(path('flag-sets', flagSet, 'rollouts', plan, 'guardrails')),
    ]);
    return { view: view.body, etag: view.etag ?? '*', series };
  }, [flagSet, plan, live.tick, beat]);
  const writable = canWrite(session, flagSet);
  return (
    <article aria-labelledby="rollout-title">
      <p>
        <a href={href(flagSet, 'rollouts')}>← All rollouts of {flagSet}</a>
      </p>
      <h1 id="rollout-title">Rollout {plan}</h1>
      <Loaded resource={data}>
        {({ view, etag, series }) => {
          const { rollout, live: now } = view;
          const ended = ['completed', 'rolled-back', 'aborted'].includes(rollout.status);
          return (
            <>
              <dl class="summary">
                <dt>Flag</dt>
                <dd>
                  <a href={href(flagSet, 'flag', rollout.spec.flagKey)}>{rollout.spec.flagKey}</a>: “
                  {rollout.spec.release}” replacing “{rollout.spec.replace}”
                </dd>
                <dt>Status</dt>
                <dd data-status={rollout.status}>
                  <StatusBadge status={rollout.status} />
                  {rollout.reason && <> — {rollout.reason}</>}
                </dd>
                <dt>Released now</dt>
                <dd data-percent={now?.releasedPercent ?? ''}>
                  {now?.releasedPercent === null || now === null ? '—' : `${now.releasedPercent}%`}
                  {now && !now.asPlanned && ' (someone changed the flag outside the plan)'}
                </dd>
              </dl>
              {writable && !ended && (
                <p class="actions">
                  {rollout.status === 'running' && (
                    <button type="button" onClick={() => setAction('pause')}>
                      Pause…
                    </button>
                  )}
                  {rollout.status === 'paused' && (
                    <button type="button" onClick={() => setAction('resume')}>
                      Resume…
                    </button>
                  )}
                  <button type="button" class="danger" onClick={() => setAction('abort')}>
                    Abort…
                  </button>
                </p>
              )}
              <section aria-labelledby="stages-title">
                <h2 id="stages-title">Stages</h2>
                <StageTimeline rollout={rollout} />
              </section>
              <section aria-labelledby="guardrails-title">
                <h2 id="guardrails-title">Guardrails</h2>
                {series.guardrails.map((g) => (
                  <GuardrailChart key={g.metric} guardrail={g} />
                ))}
                {rollout.lastReport && (
                  <table>
                    <caption>Last look, {since(rollout.lastReport.at)}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Metric</th>
                        <th scope="col">Released</th>
                        <th scope="col">Replaced</th>
                        <th scope="col">Effect [interval]</th>
                        <th scope="col">Always-valid p</th>
                        <th scope="col">Verdict</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rollout.lastReport.guardrails.map((g) => (
                        <tr key={g.metric}>
                          <th scope="row">{g.metric}</th>
                          <td>
                            {g.release.value === null ? '—' : g.release.value.toFixed(4)} (n={g.release.n})
                          </td>
                          <td>
                            {g.replace.value === null ? '—' : g.replace.value.toFixed(4)} (n={g.replace.n})
                          </td>
                          <td>
                            {g.effect === null ? '—' : g.effect.toFixed(4)}
                            {g.interval && ` [${g.interval.low.toFixed(4)}, ${g.interval.high.toFixed(4)}]`}
                          </td>
                          <td>{g.pValue.toPrecision(3)}</td>
                          <td>{g.verdict}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
              <section aria-labelledby="events-title">
                <h2 id="events-title">History</h2>
                <ol class="history">
                  {[...rollout.events].reverse().map((event) => (
                    <li key={`${event.at}-${event.action}`} data-action={event.action}>
                      <strong>{event.action}</strong> by {event.actor}, {since(event.at)}: {event.detail}
                    </li>
                  ))}
                </ol>
              </section>
              {action && (
                <ConfirmDialog
                  title={`${action[0]!.toUpperCase()}${action.slice(1)} rollout ${plan}`}
                  confirmLabel={`${action[0]!.toUpperCase()}${action.slice(1)} rollout`}
                  reason={action === 'resume' ? 'optional' : 'required'}
                  danger={action === 'abort'}
                  onClose={() => setAction(undefined)}
                  onConfirm={async (reason) => {
                    await api(path('flag-sets', flagSet, 'rollouts', plan, action), {
                      method: 'POST',
                      headers: { 'if-match': etag },
                      body: reason === '' ? {} : { reason },
                    });
                    data.reload();
                  }}
                >
                  <p>
                    {action === 'pause' && 'Traffic holds where it is until a resume.'}
                    {action === 'resume' && 'The controller writes the current stage again, as a new cohort.'}
                    {action === 'abort' &&
                      `“${rollout.spec.release}” goes back to its share before the plan, at once.`}
                  </p>
                </ConfirmDialog>
              )}
            </>
          );
        }}
      </Loaded>
    </article>
  );
}
