/** Webhooks (admins): subscriptions with their delivery counts, subscribe (secret shown once), delete. */
import { useId, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { WebhookRecord } from '../../api/types.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Loaded } from '../../components/status.js';
import { useResource } from '../../state/resource.js';

/** The page. */
export function WebhooksPage({ flagSets }: { readonly flagSets: readonly string[] }) {
  const data = useResource(() => api<{ webhooks: WebhookRecord[] }>('/api/v1/webhooks'), []);
  const [url, setUrl] = useState('');
  const [sets, setSets] = useState<string[]>([]);
  const [secret, setSecret] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<WebhookRecord | undefined>();
  const urlId = useId();
  const create = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      const answer = await api<{ secret: string }>('/api/v1/webhooks', {
        method: 'POST',
        body: { url, flagSets: sets },
      });
      setSecret(answer.secret);
      setUrl('');
      data.reload();
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <form class="create" onSubmit={create}>
        <h2>New subscription</h2>
        <span class="field inline">
          <label for={urlId}>URL</label>
          <input id={urlId} type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        </span>
        <fieldset>
          <legend>Flag sets</legend>
          {flagSets.map((set) => (
            <label key={set} class="check">
              <input
                type="checkbox"
                checked={sets.includes(set)}
                onChange={(e) =>
                  setSets(e.currentTarget.checked ? [...sets, set] : sets.filter((s) => s !== set))
                }
              />{' '}
              {set}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={sets.length === 0}>
          Subscribe
        </button>
        {failure && (
          <p class="error" role="alert">
            {failure}
          </p>
        )}
        {secret && (
          <output>
            Signing secret, shown once: <code>{secret}</code>
          </output>
        )}
      </form>
      <Loaded resource={data}>
        {({ webhooks }) =>
          webhooks.length === 0 ? (
            <p>No subscription.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Flag sets</th>
                  <th scope="col">Events</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Failed</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {webhooks.map((w) => (
                  <tr key={w.id} data-webhook={w.id}>
                    <th scope="row">{w.url}</th>
                    <td>{w.flagSets.join(', ')}</td>
                    <td>{w.events.join(', ')}</td>
                    <td>{w.stats.delivered}</td>
                    <td>{w.stats.failed}</td>
                    <td>
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Delete webhook ${w.url}`}
                        onClick={() => setDeleting(w)}
                      >
                        Delete…
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {deleting && (
        <ConfirmDialog
          title="Delete webhook"
          confirmLabel="Delete webhook"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api(`/api/v1/webhooks/${encodeURIComponent(deleting.id)}`, { method: 'DELETE' });
            data.reload();
          }}
        >
          <p>Deliveries to {deleting.url} stop; its secret, failures and history are removed.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
