/**
 * The JSON schemas of the OFREP routes: what fastify validates requests against and what the
 * server's OpenAPI document (`/api/v1/openapi.json`) publishes. They follow OFREP v0.3
 * (`open-feature/protocol`, `service/openapi.yaml`); where we are stricter or looser it says so.
 * Answers are pre-serialised strings, so the response schemas document, they do not serialise.
 */
import type { EvaluationContext } from '@ensign/core';

/** The body of both evaluation routes. */
export interface EvaluationRequest {
  context: EvaluationContext;
}

const TAGS = ['OFREP'];

const metadata = {
  type: 'object',
  description: 'Set metadata (flagSetId, version, …) overlaid with the flag’s own.',
  additionalProperties: { type: ['string', 'number', 'boolean'] },
} as const;

const errorDetails = { type: 'string', description: 'What went wrong, for logs.' } as const;

const context = {
  type: 'object',
  description:
    'The evaluation context. `targetingKey` is optional (as in flagd): rules that bucket by it ' +
    'fall back to the default variant without it. Nested at most 32 levels, at most 10,000 values, ' +
    'no `__proto__` keys (400 INVALID_CONTEXT).',
  properties: { targetingKey: { type: 'string' } },
  additionalProperties: true,
} as const;

const evaluationRequest = {
  type: 'object',
  required: ['context'],
  properties: { context },
  additionalProperties: true,
} as const;

const evaluationSuccess = {
  type: 'object',
  description: 'A result. Without `value` the caller’s default applies (DISABLED, or no default variant).',
  required: ['key', 'reason'],
  properties: {
    key: { type: 'string' },
    value: { description: 'boolean, string, number or object' },
    reason: {
      type: 'string',
      description: 'flagd’s reason table: STATIC, TARGETING_MATCH, DEFAULT or DISABLED.',
    },
    variant: { type: 'string' },
    metadata,
  },
} as const;

const evaluationFailure = {
  type: 'object',
  required: ['key', 'errorCode'],
  properties: {
    key: { type: 'string' },
    errorCode: {
      type: 'string',
      enum: ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL'],
    },
    errorDetails,
    metadata,
  },
} as const;

const flagNotFound = {
  type: 'object',
  required: ['key', 'errorCode'],
  properties: {
    key: { type: 'string' },
    errorCode: { type: 'string', enum: ['FLAG_NOT_FOUND'] },
    errorDetails,
  },
} as const;

const bulkEvaluationFailure = {
  type: 'object',
  required: ['errorCode'],
  properties: {
    errorCode: { type: 'string', enum: ['PARSE_ERROR', 'INVALID_CONTEXT', 'GENERAL'] },
    errorDetails,
  },
} as const;

const eventStream = {
  type: 'object',
  required: ['type', 'url'],
  properties: {
    type: { type: 'string', enum: ['sse'] },
    url: {
      type: 'string',
      format: 'uri',
      description: 'The event stream (`GET /ofrep/v1/events`); it carries the token: never log it.',
    },
    inactivityDelaySec: { type: 'integer', minimum: 1 },
  },
} as const;

const bulkEvaluationSuccess = {
  type: 'object',
  required: ['flags'],
  properties: {
    flags: {
      type: 'array',
      description: 'Every flag the token may see, sorted by key.',
      items: { anyOf: [evaluationSuccess, evaluationFailure] },
    },
    metadata,
    eventStreams: { type: 'array', items: eventStream },
  },
} as const;

const bare = (description: string) => ({ type: 'null', description }) as const;
const generalError = { type: 'object', properties: { errorDetails } } as const;

const REFUSALS = {
  401: bare('No token, or an unknown, revoked or expired one.'),
  403: bare('The token may not do this (or a client token from an origin it does not allow).'),
  429: {
    type: 'null',
    description: 'The token’s rate limit was reached.',
    headers: { 'Retry-After': { type: 'integer', description: 'Seconds to wait.' } },
  },
  500: generalError,
} as const;

/** `POST /ofrep/v1/evaluate/flags/{key}`. */
export const SINGLE_SCHEMA = {
  tags: TAGS,
  summary: 'Evaluate one flag (server tokens)',
  operationId: 'ofrepEvaluateFlag',
  params: { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1 } } },
  body: evaluationRequest,
  response: {
    200: evaluationSuccess,
    400: evaluationFailure,
    404: flagNotFound,
    ...REFUSALS,
  },
} as const;

/** `POST /ofrep/v1/evaluate/flags`. */
export const BULK_SCHEMA = {
  tags: TAGS,
  summary: 'Evaluate every flag the token may see',
  description:
    'Server tokens see every flag; client tokens the flags marked clientSide; widget tokens ' +
    'their own client-side flags, evaluated with the context sealed in the token (the request’s ' +
    'context is ignored).',
  operationId: 'ofrepEvaluateFlagsBulk',
  querystring: {
    type: 'object',
    properties: {
      flagConfigEtag: {
        type: 'string',
        maxLength: 64,
        description: 'The `etag` of the change notice that triggered this request (ADR-0008).',
      },
      flagConfigLastModified: {
        type: 'string',
        pattern: '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))$',
        description: 'The `lastModified` of that notice: seconds since the epoch or an ISO 8601 date-time.',
      },
    },
  },
  body: evaluationRequest,
  response: {
    200: {
      ...bulkEvaluationSuccess,
      headers: { ETag: { type: 'string', description: 'A hash of the body.' } },
    },
    304: bare('`If-None-Match` names the current ETag.'),
    400: bulkEvaluationFailure,
    ...REFUSALS,
  },
} as const;

/** `GET /ofrep/v1/events`. */
export const EVENTS_SCHEMA = {
  tags: TAGS,
  summary: 'Change notices of the token’s flag set (server-sent events, ADR-0008)',
  description:
    'Opened from the `eventStreams` link of a bulk answer. Sends `event: message` with ' +
    '`data: {"type":"refetchEvaluation","etag":…,"lastModified":…}` and `id` (the set version) ' +
    'on every change of a flag the token may see, and a comment every 15 s.',
  operationId: 'ofrepEvents',
  querystring: {
    type: 'object',
    properties: {
      token: { type: 'string', description: 'The token (EventSource cannot send headers).' },
      since: {
        type: 'string',
        pattern: '^\\d{1,15}$',
        description: 'The version the bulk answer was made at: a notice is sent at once if the set moved on.',
      },
    },
  },
  response: {
    200: {
      description: 'A stream of server-sent events.',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
    ...REFUSALS,
  },
} as const;
