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
import { FLAG_SET_ID_PATTERN } from './schemas.js';

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
  for (const [i, flagSet] of (options.flagSets ?? []).entries()) {
    // A set the API cannot address would be listed but unreachable: refuse it at start.
    if (typeof flagSet !== 'string' || !new RegExp(FLAG_SET_ID_PATTERN).test(flagSet)) {
      throw new TypeError(
        `createServer: option flagSets[${i}] ${JSON.stringify(flagSet)} is not a flag-set id (letters, digits, ".", "_" and "-", at most 128 characters)`,
      );
    }
    await knownSets.add(flagSet, 'server');
  }
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
