/**
 * The admin API (`/api/v1`): flag sets, flags, history, intent actions, promotion, tokens. Every
 * route declares its permission (checked by the one auth hook) and its schemas (the single source
 * of validation and of the OpenAPI document); handlers are thin over the store and the intents of
 * `@ensign/store`; errors are problem documents.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { KnownFlagSets } from '../flag-sets/known-sets.js';
import type { AdminContext } from './admin-context.js';
import { registerAdminErrors } from './errors.js';
import { registerFlagSetRoutes } from './routes/flag-sets.js';
import { registerFlagRoutes } from './routes/flags.js';
import { registerIntentRoutes } from './routes/intents.js';
import { registerPromoteRoute } from './routes/promote.js';
import { registerTokenRoutes } from './routes/tokens.js';

/** Options of {@link registerAdminRoutes}. */
export interface AdminRoutesOptions {
  /** Flag sets to list from the start (added to the known sets in the server state). */
  flagSets?: readonly string[];
}

/** Registers every admin route. */
export async function registerAdminRoutes(
  app: FastifyInstance,
  context: ServerContext,
  options: AdminRoutesOptions = {},
): Promise<void> {
  const knownSets = new KnownFlagSets(context.state, context.store);
  for (const flagSet of options.flagSets ?? []) await knownSets.add(flagSet, 'server');
  const admin: AdminContext = { ...context, knownSets };
  // One encapsulated scope: the admin error mapping applies to these routes only.
  await app.register(async (scope) => {
    registerAdminErrors(scope, context.logger);
    registerFlagSetRoutes(scope, admin);
    registerFlagRoutes(scope, admin);
    registerIntentRoutes(scope, admin);
    registerPromoteRoute(scope, admin);
    registerTokenRoutes(scope, admin);
  });
}
