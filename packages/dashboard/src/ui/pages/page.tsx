import type { Route } from '../state/router.js';
/** The page of a route. */
import { AuditPage } from './admin/audit-page.js';
import { StalePage } from './admin/stale-page.js';
import { TokensPage } from './admin/tokens-page.js';
import { WebhooksPage } from './admin/webhooks-page.js';
import { ExperimentsPage } from './experiments/experiments-page.js';
import { FlagDetailPage } from './flag-detail/flag-detail-page.js';
import { FlagsPage } from './flags/flags-page.js';
import { RolloutPage } from './rollouts/rollout-page.js';
import { RolloutsPage } from './rollouts/rollouts-page.js';

/** Props of {@link Page}. */
export interface PageProps {
  readonly route: Route;
  readonly flagSet: string;
  readonly flagSets: readonly string[];
}

/** Picks the page. */
export function Page({ route, flagSet, flagSets }: PageProps) {
  switch (route.page) {
    case 'flag':
      return route.id === undefined ? (
        <FlagsPage flagSet={flagSet} flagSets={flagSets} />
      ) : (
        <FlagDetailPage flagSet={flagSet} flagKey={route.id} />
      );
    case 'rollouts':
      return <RolloutsPage flagSet={flagSet} />;
    case 'rollout':
      return route.id === undefined ? (
        <RolloutsPage flagSet={flagSet} />
      ) : (
        <RolloutPage flagSet={flagSet} plan={route.id} />
      );
    case 'experiments':
      return <ExperimentsPage flagSet={flagSet} flagKey={route.id} />;
    case 'audit':
      return <AuditPage flagSet={flagSet} />;
    case 'stale':
      return <StalePage flagSet={flagSet} />;
    case 'tokens':
      return <TokensPage />;
    case 'webhooks':
      return <WebhooksPage flagSets={flagSets} />;
    default:
      return <FlagsPage flagSet={flagSet} flagSets={flagSets} />;
  }
}
