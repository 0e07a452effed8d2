/**
 * The dashboard in the server: its built files at `/dashboard/` (strict CSP), sign-in by session
 * cookie with CSRF protection (`/api/v1/session`), the set's change feed pushed as server-sent
 * events, and the few read-only figures it charts. Everything the dashboard changes goes through
 * the ordinary admin API, under the same auth hook, roles and audit as a script's calls.
 */
import type { CounterSource } from '@ensign/hooks';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { KnownFlagSets } from '../flag-sets/known-sets.js';
import { registerRolloutErrors } from '../rollouts/errors.js';
import { DashboardEventStreams } from './events.js';
import { registerMetricRoutes } from './metric-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import type { DashboardSessions } from './sessions.js';
import { registerStaticRoutes } from './static.js';

/** Options of the dashboard (`createServer({ dashboard })`). */
export interface DashboardOptions {
  /**
   * The built dashboard: `DASHBOARD_ASSETS_DIR` of `@ensign/dashboard` (its `dist-ui/` folder,
   * written by `pnpm build`).
   */
  assetsDir: string;
  /** How long a sign-in lasts (less when its token expires or is revoked first). @default 28_800_000 (8 h) */
  sessionTtlMs?: number;
  /**
   * Mark the session cookie `Secure` (and name it `__Host-ensign-session`). @default when the
   * request came over HTTPS or `publicUrl` is `https:`
   */
  secureCookies?: boolean;
}

/** The running dashboard of one server. */
export interface Dashboard {
  /** Ends the open event streams (the server is closing). */
  stop(): void;
}

/** Registers the dashboard's files and routes. */
export async function registerDashboard(
  app: FastifyInstance,
  context: ServerContext,
  options: DashboardOptions,
  sessions: DashboardSessions,
  metrics: CounterSource | undefined,
): Promise<Dashboard> {
  if (typeof options?.assetsDir !== 'string')
    throw new TypeError(
      'createServer: option dashboard.assetsDir is required (DASHBOARD_ASSETS_DIR of @ensign/dashboard)',
    );
  const knownSets = new KnownFlagSets(context.state, context.store);
  const streams = new DashboardEventStreams(context, sessions, knownSets);
  registerStaticRoutes(app, options.assetsDir);
  await app.register(async (scope) => {
    registerRolloutErrors(scope, context.logger);
    registerSessionRoutes(scope, sessions, {
      secureCookies: options.secureCookies,
      publicUrl: context.publicUrl,
    });
    streams.register(scope);
    registerMetricRoutes(
      scope,
      { store: context.store, state: context.state },
      metrics ?? context.state,
      knownSets,
    );
  });
  app.addHook('preClose', async () => streams.closeAll());
  return { stop: () => streams.closeAll() };
}
