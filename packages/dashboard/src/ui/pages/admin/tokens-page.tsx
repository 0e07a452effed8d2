/** Tokens (admins): the records, create (the token shown once), revoke (confirmed). */
import { useId, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { TokenRecord } from '../../api/types.js';
import { Badge, since } from '../../components/badges.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Loaded } from '../../components/status.js';
import { useResource } from '../../state/resource.js';

const ROLES = ['admin', 'editor', 'viewer', 'server', 'client'] as const;

/** The page. */
export function TokensPage() {
  const data = useResource(() => api<{ tokens: TokenRecord[] }>('/api/v1/tokens'), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('viewer');
  const [sets, setSets] = useState('');
  const [created, setCreated] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [revoking, setRevoking] = useState<TokenRecord | undefined>();
  const ids = { name: useId(), role: useId(), sets: useId() };
  const create = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    const flagSets = sets
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    try {
      const answer = await api<{ token: string }>('/api/v1/tokens', {
        method: 'POST',
        body: { name, role, ...(flagSets.length > 0 && { flagSets }) },
      });
      setCreated(answer.token);
      setName('');
      data.reload();
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Tokens</h1>
      <form class="create" onSubmit={create}>
        <h2>New token</h2>
        <span class="field inline">
          <label for={ids.name}>Name</label>
          <input
            id={ids.name}
            required
            maxLength={128}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </span>
        <span class="field inline">
          <label for={ids.role}>Role</label>
          <select
            id={ids.role}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as (typeof ROLES)[number])}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </span>
        <span class="field inline">
          <label for={ids.sets}>Flag sets (comma-separated; editor, server, client)</label>
          <input id={ids.sets} value={sets} onInput={(e) => setSets(e.currentTarget.value)} />
        </span>
        <button type="submit" class="primary">
          Create token
        </button>
        {failure && (
          <p class="error" role="alert">
            {failure}
          </p>
        )}
        {created && (
          <output class="created">
            Copy it now, it is not shown again: <code data-created-token>{created}</code>
          </output>
        )}
      </form>
      <Loaded resource={data}>
        {({ tokens }) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Role</th>
                <th scope="col">Flag sets</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id} data-token={t.id}>
                  <th scope="row">{t.name}</th>
                  <td>
                    <code>{t.id}</code> <span class="muted">{t.hint}</span>
                  </td>
                  <td>{t.role}</td>
                  <td>{t.flagSets.join(', ')}</td>
                  <td>
                    {since(t.createdAt)} by {t.createdBy}
                  </td>
                  <td>
                    {t.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}
                  </td>
                  <td>
                    {!t.revokedAt && (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke ${t.name}`}
                        onClick={() => setRevoking(t)}
                      >
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}`}
          confirmLabel="Revoke token"
          danger
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await api(`/api/v1/tokens/${encodeURIComponent(revoking.id)}`, { method: 'DELETE' });
            data.reload();
          }}
        >
          <p>Every request with this token is refused from now on, and its dashboard sessions end.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
