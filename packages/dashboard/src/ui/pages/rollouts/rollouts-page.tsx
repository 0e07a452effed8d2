/** Rollouts: every guarded rollout of the set, newest first, with its status and current share. */
import { path, api } from '../../api/client.js';
import type { Rollout } from '../../api/types.js';
import { since } from '../../components/badges.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { href } from '../../state/router.js';
import { StatusBadge } from './status-badge.js';

/** The page. */
export function RolloutsPage({ flagSet }: { readonly flagSet: string }) {
  const live = useLive(flagSet);
  const data = useResource(
    () => api<{ rollouts: { rollout: Rollout; version: number }[] }>(path('flag-sets', flagSet, 'rollouts')),
    [flagSet, live.tick],
  );
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts of {flagSet}</h1>
      <Loaded resource={data}>
        {({ rollouts }) =>
          rollouts.length === 0 ? (
            <p>
              No guarded rollout yet: start one with <code>ensign rollout start</code> or the API.
            </p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">Flag</th>
                  <th scope="col">Status</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {rollouts.map(({ rollout }) => (
                  <tr key={rollout.spec.id} data-plan={rollout.spec.id}>
                    <th scope="row">
                      <a href={href(flagSet, 'rollout', rollout.spec.id)}>{rollout.spec.id}</a>
                    </th>
                    <td>{rollout.spec.flagKey}</td>
                    <td>
                      <StatusBadge status={rollout.status} />
                    </td>
                    <td>
                      {rollout.stage < 0
                        ? 'waiting for the controller'
                        : `${rollout.stage + 1} of ${rollout.spec.stages.length} (${rollout.spec.stages[rollout.stage]?.percent}%)`}
                    </td>
                    <td>{since(rollout.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
