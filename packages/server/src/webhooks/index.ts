/**
 * Webhooks: subscriptions managed through the admin API; each change delivered from the store's
 * audit log (never from the lossy change notices) through a cursor shared by every server
 * instance, so that each change is delivered once however many instances run; signed JSON with
 * an idempotency id and a Slack-compatible `text`; retries with backoff; what could not be
 * delivered is listed, never dropped. A receiver that is down never blocks a write: delivery runs
 * beside the write path, from the log.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { WebhookDispatcher } from './dispatcher.js';
import { type WebhookOptions, resolveWebhookOptions } from './options.js';
import { registerWebhookRoutes } from './routes.js';

/** The running webhook machinery of one server. */
export interface Webhooks {
  /** The dispatcher, when this instance delivers (`dispatch`). */
  readonly dispatcher: WebhookDispatcher | undefined;
  /** Stops delivering and releases this instance's delivery leases. */
  stop(): Promise<void>;
}

/** Registers the webhook routes and, with `dispatch` (the default), starts delivering. */
export async function startWebhooks(
  app: FastifyInstance,
  context: ServerContext,
  options: WebhookOptions,
): Promise<Webhooks> {
  const resolved = resolveWebhookOptions(options);
  registerWebhookRoutes(app, context, resolved);
  const dispatcher = resolved.dispatch ? new WebhookDispatcher(context, resolved) : undefined;
  // Delivery starts once the server is ready, not while routes are still being registered.
  if (dispatcher) app.addHook('onReady', async () => dispatcher.start());
  return {
    dispatcher,
    stop: async () => {
      await dispatcher?.stop();
    },
  };
}

export { WebhookDispatcher } from './dispatcher.js';
