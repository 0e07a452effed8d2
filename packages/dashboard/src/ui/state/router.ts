/**
 * Hash routes (`#/<set>/<page>/<id>`), so a link names a page of a set and the server serves one
 * file: `#/fitness-production/flags`, `#/fitness-production/flag/bookings-enabled`.
 */
import { useEffect, useState } from 'preact/hooks';

/** The pages. */
export type PageName =
  | 'flags'
  | 'flag'
  | 'rollouts'
  | 'rollout'
  | 'experiments'
  | 'audit'
  | 'stale'
  | 'tokens'
  | 'webhooks';

const PAGES: readonly PageName[] = [
  'flags',
  'flag',
  'rollouts',
  'rollout',
  'experiments',
  'audit',
  'stale',
  'tokens',
  'webhooks',
];

/** Where the page is. */
export interface Route {
  readonly flagSet: string | undefined;
  readonly page: PageName;
  readonly id: string | undefined;
}

/** The route of a hash. */
export function parseRoute(hash: string): Route {
  const [set, page, ...rest] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const name = PAGES.includes(page as PageName) ? (page as PageName) : 'flags';
  return { flagSet: set || undefined, page: name, id: rest.length > 0 ? rest.join('/') : undefined };
}

/** The hash of a route. */
export function href(flagSet: string, page: PageName, id?: string): string {
  const parts = [flagSet, page, ...(id === undefined ? [] : [id])];
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
