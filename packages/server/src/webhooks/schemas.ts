/**
 * JSON schemas of the webhook routes: the single source of their validation and of their part of
 * the OpenAPI document. Response schemas also shape what is sent (fields not listed are dropped),
 * so no answer can carry a stored secret or failure body by accident.
 */
import { WEBHOOK_EVENTS } from './events.js';

const flagSetId = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^{}]+$' } as const;

export const webhookIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^wh_[0-9a-f]{16}$' } },
} as const;

export const failureParams = {
  type: 'object',
  required: ['id', 'deliveryId'],
  properties: {
    id: { type: 'string', pattern: '^wh_[0-9a-f]{16}$' },
    deliveryId: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

export const createWebhookBody = {
  type: 'object',
  required: ['url', 'flagSets'],
  additionalProperties: false,
  properties: {
    url: {
      type: 'string',
      minLength: 10,
      maxLength: 2048,
      pattern: '^https?://',
      description: 'Where deliveries are POSTed; a Slack incoming-webhook URL works as it is',
    },
    flagSets: { type: 'array', items: flagSetId, minItems: 1, maxItems: 100, uniqueItems: true },
    events: {
      type: 'array',
      items: { type: 'string', enum: ['*', ...WEBHOOK_EVENTS] },
      minItems: 1,
      uniqueItems: true,
      default: ['*'],
      description: 'The events delivered; `*` (the default) for all',
    },
    description: { type: 'string', maxLength: 500 },
    secret: {
      type: 'string',
      minLength: 32,
      maxLength: 256,
      description: 'A signing secret of your own (at least 32 characters); one is generated when absent',
    },
  },
} as const;

const stats = {
  type: 'object',
  properties: { delivered: { type: 'number' }, failed: { type: 'number' }, attempts: { type: 'number' } },
  required: ['delivered', 'failed', 'attempts'],
} as const;

export const webhookSchema = {
  type: 'object',
  required: ['id', 'url', 'flagSets', 'events', 'createdAt', 'createdBy', 'stats'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    flagSets: { type: 'array', items: { type: 'string' } },
    events: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    stats: { ...stats, description: 'Deliveries made, failed, and attempts in all, since creation' },
    pendingFailures: {
      type: 'integer',
      description: 'Failures listed under …/failures (single webhook only)',
    },
  },
} as const;

export const createdWebhookSchema = {
  type: 'object',
  required: ['webhook', 'secret'],
  additionalProperties: false,
  properties: {
    webhook: webhookSchema,
    secret: {
      type: 'string',
      description:
        'The signing secret: shown this once. Deliveries carry `X-Ensign-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`',
    },
  },
} as const;

export const webhookListSchema = {
  type: 'object',
  required: ['webhooks'],
  additionalProperties: false,
  properties: { webhooks: { type: 'array', items: webhookSchema } },
} as const;

const where = {
  deliveryId: { type: 'string', description: 'As sent in `X-Ensign-Delivery`: `<set>:<version>:<webhook>`' },
  event: { type: 'string' },
  flagSet: { type: 'string' },
  version: { type: 'integer' },
  flagKey: { type: 'string' },
} as const;

export const deliveryListSchema = {
  type: 'object',
  required: ['deliveries'],
  additionalProperties: false,
  properties: {
    deliveries: {
      type: 'array',
      description: 'The latest deliveries, newest first',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...where,
          status: { type: 'string', enum: ['delivered', 'failed'] },
          attempts: { type: 'integer' },
          responseStatus: { type: 'integer' },
          error: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          redelivered: { type: 'boolean' },
        },
      },
    },
  },
} as const;

export const failureListSchema = {
  type: 'object',
  required: ['failures'],
  additionalProperties: false,
  properties: {
    failures: {
      type: 'array',
      description: 'What could not be delivered, oldest first; kept until redelivered or dismissed',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...where,
          attempts: { type: 'integer' },
          firstAttemptAt: { type: 'string', format: 'date-time' },
          lastAttemptAt: { type: 'string', format: 'date-time' },
          lastError: { type: 'string' },
          responseStatus: { type: 'integer' },
          redeliverable: { type: 'boolean' },
        },
      },
    },
  },
} as const;

export const redeliveryResultSchema = {
  type: 'object',
  required: ['delivered', 'attempts'],
  additionalProperties: false,
  properties: {
    delivered: { type: 'boolean' },
    attempts: { type: 'integer' },
    responseStatus: { type: 'integer' },
    error: { type: 'string' },
  },
} as const;
