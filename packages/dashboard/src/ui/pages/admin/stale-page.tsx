/** Stale flags: the lifecycle report's flags that need a decision, with why, and unknown keys. */
import { loadLifecycle } from '../../api/reads.js';
import { Badge, since } from '../../components/badges.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { href } from '../../state/router.js';

const ACTION: Readonly<Record<string, string>> = {
  stale: 'decide: launch it, extend its expiry, or remove it',
  'ready-for-code-removal': 'remove its code paths',
  'ready-to-archive': 'archive the flag',
};

/** The page. */
export function StalePage({ flagSet }: { readonly flagSet: string }) {
  const live = useLive(flagSet);
  const data = useResource(() => loadLifecycle(flagSet), [flagSet, live.tick]);
  return (
    <section aria-labelledby="stale-title">
      <h1 id="stale-title">Stale flags of {flagSet}</h1>
      <Loaded resource={data}>
        {(report) => {
          if (report === null) return <p>This server has no lifecycle report.</p>;
          const stale = report.flags.filter((f) => ACTION[f.stage] !== undefined);
          return (
            <>
              <p>
                {stale.length} of {report.flags.length} flags need a decision
                {report.usageSince
                  ? `; evaluations recorded since ${report.usageSince.slice(0, 10)}`
                  : '; no evaluations recorded yet'}
                .
              </p>
              {stale.length > 0 && (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Flag</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Owner</th>
                      <th scope="col">Status</th>
                      <th scope="col">To do</th>
                      <th scope="col">Why</th>
                      <th scope="col">Last evaluated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stale.map((f) => (
                      <tr key={f.flagKey} data-flag={f.flagKey}>
                        <th scope="row">
                          <a href={href(flagSet, 'flag', f.flagKey)}>{f.flagKey}</a>
                        </th>
                        <td>{f.kind}</td>
                        <td>{f.owner ?? '—'}</td>
                        <td>
                          <Badge tone="warn">{f.status}</Badge>
                        </td>
                        <td>{ACTION[f.stage]}</td>
                        <td>{f.reasons.map((r) => r.message).join(' ')}</td>
                        <td>{since(f.lastEvaluatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {report.unknownFlags.length > 0 && (
                <>
                  <h2>Evaluated but not defined</h2>
                  <ul>
                    {report.unknownFlags.map((u) => (
                      <li key={u.flagKey}>
                        <code>{u.flagKey}</code>, last {since(u.lastEvaluatedAt)}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
