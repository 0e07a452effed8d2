/**
 * The frame of every page: a skip link, the header (flag set, live status in words, who is signed
 * in, sign out), the navigation, and the page in `<main>`.
 */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { api } from './api/client.js';
import { useLive } from './state/live.js';
import { type PageName, type Route, href } from './state/router.js';
import { useSession } from './state/session.js';

const NAV: readonly { page: PageName; label: string; admin?: boolean; also?: PageName }[] = [
  { page: 'flags', label: 'Flags', also: 'flag' },
  { page: 'rollouts', label: 'Rollouts', also: 'rollout' },
  { page: 'experiments', label: 'Experiments' },
  { page: 'audit', label: 'Audit log' },
  { page: 'stale', label: 'Stale flags' },
  { page: 'tokens', label: 'Tokens', admin: true },
  { page: 'webhooks', label: 'Webhooks', admin: true },
];

/** Props of {@link Layout}. */
export interface LayoutProps {
  readonly route: Route;
  readonly flagSets: readonly string[];
  readonly flagSet: string | undefined;
  readonly onSignOut: () => void;
  readonly children: ComponentChildren;
}

/** The frame. */
export function Layout(props: LayoutProps) {
  const session = useSession();
  const live = useLive(props.flagSet);
  const selectId = useId();
  const signOut = async () => {
    await api('/api/v1/session', { method: 'DELETE' }).catch(() => undefined);
    props.onSignOut();
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Ensign</span>
        <span class="field inline">
          <label for={selectId}>Flag set</label>
          <select
            id={selectId}
            value={props.flagSet}
            onChange={(event) => {
              location.hash = href(
                event.currentTarget.value,
                props.route.page === 'flag' ? 'flags' : props.route.page,
              );
            }}
          >
            {props.flagSets.map((set) => (
              <option key={set} value={set}>
                {set}
              </option>
            ))}
          </select>
        </span>
        <span class="live" data-connected={live.connected ? 'true' : 'false'} aria-live="polite">
          {live.connected ? `● Live (v${live.version})` : '○ Reconnecting…'}
        </span>
        <span class="who">
          {session.name} <span class="role">({session.role})</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Pages">
        <ul>
          {NAV.filter((item) => !item.admin || session.role === 'admin').map((item) => {
            const current = props.route.page === item.page || props.route.page === item.also;
            return (
              <li key={item.page}>
                <a href={href(props.flagSet ?? '', item.page)} aria-current={current ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
