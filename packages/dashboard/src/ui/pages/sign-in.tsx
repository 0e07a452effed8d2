/**
 * Sign-in with an API token (admin, editor or viewer). The token is posted once to
 * `POST /api/v1/session` and dropped: the server answers with an HttpOnly session cookie the page
 * cannot read, and the CSRF token the page sends with its writes.
 */
import { useId, useState } from 'preact/hooks';
import { ApiError, request } from '../api/client.js';
import type { Session } from '../api/types.js';

/** The sign-in form. */
export function SignIn({ onSignedIn }: { readonly onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const hintId = useId();
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const answer = await request<Session>('/api/v1/session', {
        method: 'POST',
        body: { token: token.trim() },
        signingIn: true,
      });
      setToken('');
      onSignedIn(answer.body);
    } catch (error) {
      setFailure(error instanceof ApiError ? error.title : 'The server could not be reached');
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <h1>Ensign</h1>
      <p>Feature flags, rollouts and experiments.</p>
      <form onSubmit={submit}>
        <p class="field">
          <label for={inputId}>API token</label>
          <input
            id={inputId}
            type="password"
            autocomplete="off"
            spellcheck={false}
            aria-describedby={hintId}
            required
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
          <span id={hintId} class="hint">
            An admin, editor or viewer token (<code>ens_…</code>). It is exchanged for a session cookie and
            not kept by the browser.
          </span>
        </p>
        {failure && (
          <p class="error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}
