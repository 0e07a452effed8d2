/**
 * The dashboard: sign-in, then the layout around the page of the route. The session comes from
 * `GET /api/v1/session` (the cookie survives a reload; the CSRF token is handed out again).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken, whenUnauthenticated } from './api/client.js';
import type { FlagSetList, Session } from './api/types.js';
import { Layout } from './layout.js';
import { Page } from './pages/page.js';
import { SignIn } from './pages/sign-in.js';
import { closeLiveFeeds } from './state/live.js';
import { useResource } from './state/resource.js';
import { href, useRoute } from './state/router.js';
import { SessionContext } from './state/session.js';

/** The whole app. */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const signedIn = (next: Session | null) => {
    setCsrfToken(next?.csrfToken ?? null);
    if (next === null) closeLiveFeeds();
    setSession(next);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, at start (signedIn only sets state).
  useEffect(() => {
    whenUnauthenticated(() => signedIn(null));
    // No session (401) or no server: the sign-in form.
    api<Session>('/api/v1/session').then(signedIn, () => signedIn(null));
  }, []);
  if (session === undefined)
    return (
      <p class="muted" aria-busy="true">
        Loading…
      </p>
    );
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  return (
    <SessionContext.Provider value={session}>
      <SignedIn onSignOut={() => signedIn(null)} />
    </SessionContext.Provider>
  );
}

function SignedIn({ onSignOut }: { readonly onSignOut: () => void }) {
  const route = useRoute();
  const sets = useResource(() => api<FlagSetList>('/api/v1/flag-sets'), []);
  const names = sets.data?.flagSets.map((s) => s.flagSet) ?? [];
  const flagSet = route.flagSet ?? names[0];
  useEffect(() => {
    // Land on the first set's flags when the hash names none.
    if (route.flagSet === undefined && flagSet !== undefined) location.replace(href(flagSet, 'flags'));
  }, [route.flagSet, flagSet]);
  return (
    <Layout route={route} flagSets={names} flagSet={flagSet} onSignOut={onSignOut}>
      {flagSet === undefined ? (
        <p>
          {sets.data ? 'No flag set yet: import one with the CLI (ensign apply) or the API.' : 'Loading…'}
        </p>
      ) : (
        <Page route={route} flagSet={flagSet} flagSets={names} />
      )}
    </Layout>
  );
}
