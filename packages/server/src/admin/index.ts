/** The admin API (`/api/v1`): flag sets, flags, history, intent actions, promotion, tokens. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

/** Registers every admin route. */
export async function registerAdminRoutes(_app: FastifyInstance, _context: ServerContext): Promise<void> {}
