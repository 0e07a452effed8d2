/** The audit log of the set (its last 1,000 writes), filterable by actor and flag, with each diff. */
import { useId, useState } from 'preact/hooks';
import { path, api } from '../../api/client.js';
import type { History } from '../../api/types.js';
import { ChangeList } from '../../components/change-list.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { href } from '../../state/router.js';

/** The page. */
export function AuditPage({ flagSet }: { readonly flagSet: string }) {
  const live = useLive(flagSet);
  const [actor, setActor] = useState('');
  const [flag, setFlag] = useState('');
  const ids = { actor: useId(), flag: useId() };
  const data = useResource(
    () => api<History>(`${path('flag-sets', flagSet, 'history')}?limit=1000`),
    [flagSet, live.tick],
  );
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log of {flagSet}</h1>
      <Loaded resource={data}>
        {({ entries }) => {
          const actors = [...new Set(entries.map((e) => e.actor))].sort();
          const flags = [
            ...new Set(entries.flatMap((e) => (e.flagKey === undefined ? [] : [e.flagKey]))),
          ].sort();
          const shown = entries.filter(
            (e) => (actor === '' || e.actor === actor) && (flag === '' || e.flagKey === flag),
          );
          return (
            <>
              <form class="filters" onSubmit={(e) => e.preventDefault()}>
                <span class="field inline">
                  <label for={ids.actor}>Actor</label>
                  <select id={ids.actor} value={actor} onChange={(e) => setActor(e.currentTarget.value)}>
                    <option value="">Everyone</option>
                    {actors.map((a) => (
                      <option key={a} value={a}>
                        {a}
                      </option>
                    ))}
                  </select>
                </span>
                <span class="field inline">
                  <label for={ids.flag}>Flag</label>
                  <select id={ids.flag} value={flag} onChange={(e) => setFlag(e.currentTarget.value)}>
                    <option value="">Every flag</option>
                    {flags.map((f) => (
                      <option key={f} value={f}>
                        {f}
                      </option>
                    ))}
                  </select>
                </span>
                <output>
                  {shown.length} of {entries.length} entries
                </output>
              </form>
              <ol class="history audit">
                {shown.map((entry) => (
                  <li
                    key={entry.version}
                    data-version={entry.version}
                    data-actor={entry.actor}
                    data-flag={entry.flagKey}
                  >
                    <p class="entry-head">
                      <strong>v{entry.version}</strong>{' '}
                      <time dateTime={entry.at}>{entry.at.replace('T', ' ').slice(0, 19)}</time> {entry.actor}
                      : {entry.operation}{' '}
                      {entry.flagKey ? (
                        <a href={href(flagSet, 'flag', entry.flagKey)}>{entry.flagKey}</a>
                      ) : (
                        'the whole set'
                      )}
                      {entry.reason && <> — “{entry.reason}”</>}
                    </p>
                    <ChangeList changes={entry.changes} />
                  </li>
                ))}
              </ol>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
