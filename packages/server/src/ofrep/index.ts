/** OFREP (`/ofrep/v1`): single and bulk evaluation, ETags, event streams, CORS for browser clients. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

/** Registers the OFREP routes. */
export async function registerOfrepRoutes(_app: FastifyInstance, _context: ServerContext): Promise<void> {}
