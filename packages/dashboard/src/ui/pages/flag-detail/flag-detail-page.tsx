/**
 * One flag: its state and kill switch, variants, the targeting rule in words with its editor,
 * "test a context", evaluations over time per variant, and its history with diffs and revert.
 * Re-read on every change pushed for the set.
 */
import type { FlagDefinition, FlagSetDocument, TargetingRule } from '@ensign/core';
import { useState } from 'preact/hooks';
import { path, api, request } from '../../api/client.js';
import type { History } from '../../api/types.js';
import { ServingBadge } from '../../components/badges.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { href } from '../../state/router.js';
import { canWrite, useSession } from '../../state/session.js';
import { KillControl } from '../flags/kill-control.js';
import { ExposureChart } from './exposure-chart.js';
import { HistoryList } from './history-list.js';
import { RuleEditor } from './rule-editor.js';
import { TestContext } from './test-context.js';

/** The page. */
export function FlagDetailPage({ flagSet, flagKey }: { readonly flagSet: string; readonly flagKey: string }) {
  const session = useSession();
  const live = useLive(flagSet);
  const writable = canWrite(session, flagSet);
  const [draft, setDraft] = useState<TargetingRule | undefined>(undefined);
  const data = useResource(async () => {
    const [flag, document, history] = await Promise.all([
      request<FlagDefinition>(path('flag-sets', flagSet, 'flags', flagKey)),
      api<FlagSetDocument>(path('flag-sets', flagSet)),
      api<History>(`${path('flag-sets', flagSet, 'flags', flagKey, 'history')}?limit=50`),
    ]);
    return { flag: flag.body, etag: flag.etag ?? '*', document, history };
  }, [flagSet, flagKey, live.tick]);
  return (
    <article aria-labelledby="flag-title">
      <p>
        <a href={href(flagSet, 'flags')}>← All flags of {flagSet}</a>
      </p>
      <h1 id="flag-title">{flagKey}</h1>
      <Loaded resource={data}>
        {({ flag, etag, document, history }) => {
          const tested: FlagDefinition = draft === undefined ? flag : { ...flag, targeting: draft };
          return (
            <>
              <section aria-labelledby="summary-title" class="summary">
                <h2 id="summary-title" class="visually-hidden">
                  Summary
                </h2>
                <dl>
                  <dt>State</dt>
                  <dd data-state>
                    <ServingBadge flag={flag} />
                  </dd>
                  <dt>Kind</dt>
                  <dd>{String(flag.metadata?.kind ?? '—')}</dd>
                  <dt>Owner</dt>
                  <dd>{String(flag.metadata?.owner ?? '—')}</dd>
                  <dt>Default variant</dt>
                  <dd>{flag.defaultVariant ?? '(caller default)'}</dd>
                  {flag.metadata?.killReason !== undefined && (
                    <>
                      <dt>Killed</dt>
                      <dd>
                        by {String(flag.metadata.killedBy)}: {String(flag.metadata.killReason)}
                      </dd>
                    </>
                  )}
                </dl>
                {writable && (
                  <KillControl flagSet={flagSet} entry={{ key: flagKey, etag, flag }} onDone={data.reload} />
                )}
              </section>
              <section aria-labelledby="variants-title">
                <h2 id="variants-title">Variants</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Variant</th>
                      <th scope="col">Value</th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(flag.variants).map(([name, value]) => (
                      <tr key={name}>
                        <th scope="row">
                          {name}
                          {name === flag.defaultVariant && <span class="muted"> (default)</span>}
                        </th>
                        <td>
                          <code>{JSON.stringify(value)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="targeting-title">
                <h2 id="targeting-title">Targeting</h2>
                <RuleEditor
                  flagSet={flagSet}
                  flagKey={flagKey}
                  flag={flag}
                  etag={etag}
                  document={document}
                  writable={writable}
                  onSaved={data.reload}
                  onDraft={setDraft}
                />
              </section>
              <section aria-labelledby="test-title">
                <h2 id="test-title">Test a context</h2>
                <TestContext
                  flagKey={flagKey}
                  flag={tested}
                  document={document}
                  draft={draft !== undefined}
                />
              </section>
              <section aria-labelledby="exposures-title">
                <h2 id="exposures-title">Evaluations over time</h2>
                <ExposureChart flagSet={flagSet} flagKey={flagKey} tick={live.tick} />
              </section>
              <section aria-labelledby="history-title">
                <h2 id="history-title">History</h2>
                <HistoryList
                  flagSet={flagSet}
                  flagKey={flagKey}
                  etag={etag}
                  entries={history.entries}
                  writable={writable}
                  onReverted={data.reload}
                />
              </section>
            </>
          );
        }}
      </Loaded>
    </article>
  );
}
