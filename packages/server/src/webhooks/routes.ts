/**
 * The webhook routes (`/api/v1/webhooks`, admin tokens only): create (the secret is answered this
 * once), list and read (never a secret), delete, the latest deliveries, the failures (what could
 * not be delivered, with attempts and the last error), and redelivery or dismissal of a failure.
 * Handlers are thin over the server state; the dispatcher does the delivering.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { adminRoute } from '../admin/route.js';
import { actorOf } from '../auth/authenticate.js';
import type { ServerContext } from '../context.js';
import { HttpProblem } from '../http/problem.js';
import { deliverWithRetries } from './deliver.js';
import type { WebhookEvent } from './events.js';
import type { ResolvedWebhookOptions } from './options.js';
import { settleDelivery } from './outcomes.js';
import { newWebhookSecret } from './payload.js';
import {
  type DeliveryRecord,
  type FailureRecord,
  WEBHOOKS,
  WEBHOOK_DELIVERIES,
  WEBHOOK_SECRETS,
  WEBHOOK_STATS,
  type WebhookRecord,
  failuresOf,
  joinCursor,
  leaveCursor,
  listWebhooks,
} from './records.js';
import {
  createWebhookBody,
  createdWebhookSchema,
  deliveryListSchema,
  failureListSchema,
  failureParams,
  redeliveryResultSchema,
  webhookIdParams,
  webhookListSchema,
  webhookSchema,
} from './schemas.js';

interface CreateBody {
  url: string;
  flagSets: string[];
  events: (WebhookEvent | '*')[];
  description?: string;
  secret?: string;
}

const tags = ['webhooks'];

/** Registers the webhook routes. */
export function registerWebhookRoutes(
  app: FastifyInstance,
  context: ServerContext,
  options: ResolvedWebhookOptions,
): void {
  const { state, store } = context;

  const view = async (record: WebhookRecord, withFailures = false) => {
    const counters = await state.counters(WEBHOOK_STATS, record.id);
    return {
      ...record,
      stats: {
        delivered: counters.delivered ?? 0,
        failed: counters.failed ?? 0,
        attempts: counters.attempts ?? 0,
      },
      ...(withFailures && { pendingFailures: (await state.list(failuresOf(record.id))).size }),
    };
  };
  const find = async (id: string): Promise<WebhookRecord> => {
    const doc = await state.get<WebhookRecord>(WEBHOOKS, id);
    if (!doc)
      throw new HttpProblem(404, 'webhook-not-found', 'No such webhook', `no webhook "${id}"`, {
        webhookId: id,
      });
    return doc.value;
  };

  adminRoute<{ Body: CreateBody }>(app, {
    method: 'POST',
    url: '/api/v1/webhooks',
    permission: 'admin',
    tags,
    summary: 'Subscribe a URL to the changes of flag sets',
    description:
      'Each change is POSTed as signed JSON with a Slack-compatible `text`. The signing secret is answered this once and never again.',
    body: createWebhookBody,
    responses: { 201: { description: 'Created; `secret` is shown only now', schema: createdWebhookSchema } },
    errors: [],
    handler: async (request, reply) => {
      const { body } = request;
      let url: URL;
      try {
        url = new URL(body.url);
      } catch {
        throw new HttpProblem(
          400,
          'invalid-request',
          'The request body is invalid',
          'body/url: is not a URL',
          {
            errors: [{ pointer: '/url', message: 'is not a URL' }],
          },
        );
      }
      const id = `wh_${randomBytes(8).toString('hex')}`;
      const record: WebhookRecord = {
        id,
        url: url.href,
        events: body.events,
        flagSets: body.flagSets,
        ...(body.description !== undefined && { description: body.description }),
        createdAt: new Date().toISOString(),
        createdBy: actorOf(request),
      };
      const secret = body.secret ?? newWebhookSecret();
      // The secret first: a subscription is never visible to the dispatcher without it.
      await state.put(WEBHOOK_SECRETS, id, { secret }, { expectedVersion: 0 });
      await state.put(WEBHOOKS, id, record, { expectedVersion: 0 });
      try {
        for (const flagSet of body.flagSets)
          await joinCursor(state, flagSet, id, async () => {
            const snapshot = await store.load(flagSet);
            return { position: snapshot.position, version: snapshot.version };
          });
      } catch (error) {
        await state.delete(WEBHOOKS, id).catch(() => {});
        await state.delete(WEBHOOK_SECRETS, id).catch(() => {});
        throw error;
      }
      return reply.code(201).send({ webhook: await view(record), secret });
    },
  });

  adminRoute(app, {
    method: 'GET',
    url: '/api/v1/webhooks',
    permission: 'admin',
    tags,
    summary: 'Every webhook, with its delivery counts (never a secret)',
    responses: { 200: { description: 'The webhooks', schema: webhookListSchema } },
    errors: [],
    handler: async () => ({
      webhooks: await Promise.all([...(await listWebhooks(state)).values()].map((r) => view(r))),
    }),
  });

  adminRoute<{ Params: { id: string } }>(app, {
    method: 'GET',
    url: '/api/v1/webhooks/:id',
    permission: 'admin',
    tags,
    summary: 'One webhook, with its delivery counts and pending failures (never its secret)',
    params: webhookIdParams,
    responses: { 200: { description: 'The webhook', schema: webhookSchema } },
    errors: [404],
    handler: async (request) => view(await find(request.params.id), true),
  });

  adminRoute<{ Params: { id: string } }>(app, {
    method: 'DELETE',
    url: '/api/v1/webhooks/:id',
    permission: 'admin',
    tags,
    summary: 'Delete a webhook, its secret, its failures and its delivery history',
    params: webhookIdParams,
    responses: { 204: { description: 'Deleted', schema: null } },
    errors: [404],
    handler: async (request, reply) => {
      const record = await find(request.params.id);
      // The record first: from then on nothing is delivered to it.
      await state.delete(WEBHOOKS, record.id);
      await state.delete(WEBHOOK_SECRETS, record.id);
      for (const flagSet of record.flagSets) await leaveCursor(state, flagSet, record.id);
      for (const deliveryId of (await state.list(failuresOf(record.id))).keys())
        await state.delete(failuresOf(record.id), deliveryId);
      await state.delete(WEBHOOK_DELIVERIES, record.id);
      return reply.code(204).send();
    },
  });

  adminRoute<{ Params: { id: string } }>(app, {
    method: 'GET',
    url: '/api/v1/webhooks/:id/deliveries',
    permission: 'admin',
    tags,
    summary: 'The latest deliveries of a webhook, delivered or failed, newest first',
    params: webhookIdParams,
    responses: { 200: { description: 'The deliveries', schema: deliveryListSchema } },
    errors: [404],
    handler: async (request) => {
      const record = await find(request.params.id);
      const doc = await state.get<{ recent: DeliveryRecord[] }>(WEBHOOK_DELIVERIES, record.id);
      return { deliveries: doc?.value.recent ?? [] };
    },
  });

  adminRoute<{ Params: { id: string } }>(app, {
    method: 'GET',
    url: '/api/v1/webhooks/:id/failures',
    permission: 'admin',
    tags,
    summary: 'What could not be delivered to a webhook, with attempts and the last error',
    params: webhookIdParams,
    responses: { 200: { description: 'The failures, oldest first', schema: failureListSchema } },
    errors: [404],
    handler: async (request) => {
      const record = await find(request.params.id);
      const failures = [...(await state.list<FailureRecord>(failuresOf(record.id))).values()]
        .map((doc) => ({ ...doc.value, redeliverable: doc.value.body !== undefined }))
        .sort((a, b) => (a.flagSet === b.flagSet ? a.version - b.version : a.flagSet < b.flagSet ? -1 : 1));
      return { failures };
    },
  });

  adminRoute<{ Params: { id: string; deliveryId: string } }>(app, {
    method: 'POST',
    url: '/api/v1/webhooks/:id/failures/:deliveryId/redeliver',
    permission: 'admin',
    tags,
    summary: 'Send a failed delivery again, once, as it was (same body, signature and delivery id)',
    description:
      'Answers what came of it: a delivered failure leaves the list; a failed one stays, with one more attempt and its new error.',
    params: failureParams,
    responses: { 200: { description: 'What came of the attempt', schema: redeliveryResultSchema } },
    errors: [404, 409],
    handler: async (request) => {
      const record = await find(request.params.id);
      const failure = (await state.get<FailureRecord>(failuresOf(record.id), request.params.deliveryId))
        ?.value;
      if (!failure)
        throw new HttpProblem(
          404,
          'failure-not-found',
          'No such failure',
          `webhook ${record.id} has no failure "${request.params.deliveryId}"`,
        );
      if (failure.body === undefined)
        throw new HttpProblem(
          409,
          'not-redeliverable',
          'This failure cannot be redelivered',
          failure.lastError,
        );
      const secret = (await state.get<{ secret: string }>(WEBHOOK_SECRETS, record.id))?.value.secret;
      if (secret === undefined)
        throw new HttpProblem(409, 'webhook-without-secret', 'The webhook has no secret any more');
      const outcome = await deliverWithRetries(
        { url: record.url, body: failure.body, secret, deliveryId: failure.deliveryId, event: failure.event },
        { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1, timeoutMs: options.timeoutMs },
        // Nothing stops a redelivery but its own timeout.
        { stopping: new AbortController().signal, abort: new AbortController().signal },
      );
      context.metrics?.webhook(outcome.delivered ? 'delivered' : 'failed', outcome.attempts, 'redelivery');
      await settleDelivery(
        state,
        {
          subscriptionId: record.id,
          deliveryId: failure.deliveryId,
          event: failure.event,
          flagSet: failure.flagSet,
          version: failure.version,
          ...(failure.flagKey !== undefined && { flagKey: failure.flagKey }),
          body: failure.body,
          outcome,
          redelivered: true,
        },
        options.deliveryHistory,
      );
      return {
        delivered: outcome.delivered,
        attempts: outcome.attempts,
        ...(outcome.status !== undefined && { responseStatus: outcome.status }),
        ...(outcome.error !== undefined && !outcome.delivered && { error: outcome.error }),
      };
    },
  });

  adminRoute<{ Params: { id: string; deliveryId: string } }>(app, {
    method: 'DELETE',
    url: '/api/v1/webhooks/:id/failures/:deliveryId',
    permission: 'admin',
    tags,
    summary: 'Dismiss a failure: it leaves the list and will not be delivered',
    params: failureParams,
    responses: { 204: { description: 'Dismissed', schema: null } },
    errors: [404],
    handler: async (request, reply) => {
      const record = await find(request.params.id);
      if (!(await state.delete(failuresOf(record.id), request.params.deliveryId)))
        throw new HttpProblem(
          404,
          'failure-not-found',
          'No such failure',
          `webhook ${record.id} has no failure "${request.params.deliveryId}"`,
        );
      return reply.code(204).send();
    },
  });
}
