/**
 * Intent-level actions on one flag, what a person means rather than a JSON patch: kill and
 * restore, set the weights of a percentage rollout, add people or a segment to a rule. The logic
 * lives in `@ensign/store` (shared with the CLI); these routes only read the request.
 */
import {
  type TargetingChange,
  changeTargeting,
  killFlag,
  restoreFlag,
  setRolloutWeights,
} from '@ensign/store';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/authenticate.js';
import { type AdminContext, writeOptions } from '../admin-context.js';
import { flagPrecondition, storeIfMatch } from '../preconditions.js';
import { adminRoute } from '../route.js';
import { flagParams, flagWriteSchema, reasonBody, reasonSchema, writeHeaders } from '../schemas.js';

interface FlagParams {
  set: string;
  key: string;
}

const tags = ['intents'];
const errors = [404, 409, 412, 413, 415, 422, 428];
const valueList = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 256 },
  minItems: 1,
  maxItems: 1000,
  uniqueItems: true,
  description: 'values of the attribute (user ids, emails, organization ids)',
} as const;
const attribute = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  default: 'targetingKey',
  description: 'the context attribute the values match (`{"var": attribute}`)',
} as const;
const segment = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: 'an entry of the set\'s `$evaluators`, referenced with {"$ref": segment}',
} as const;

/** Registers kill, restore, rollout and targeting. */
export function registerIntentRoutes(scope: FastifyInstance, context: AdminContext): void {
  const { store, knownSets } = context;
  const options = (request: Parameters<typeof actorOf>[0], reason: string | undefined) => {
    const ifMatch = storeIfMatch(flagPrecondition(request));
    return { ...(ifMatch !== undefined && { ifMatch }), ...writeOptions(actorOf(request), reason) };
  };

  adminRoute<{ Params: FlagParams; Body: { reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/kill',
    permission: 'write',
    summary: 'Kill a flag: every evaluation returns a known safe value',
    description:
      "With an off variant declared in the flag's metadata (`offVariant`, alias `killSwitchOffVariant`), that variant is served to everyone (`mode: off-variant`); otherwise the flag is DISABLED and callers get their code defaults (`mode: disabled`). The kill is marked in the metadata (`killedAt`, `killedBy`, `killReason`, `killMode`). Killing a killed flag changes nothing (`changed: false`). `If-Match: *` kills whatever the flag is now.",
    tags,
    params: flagParams,
    headers: writeHeaders,
    body: reasonBody,
    responses: {
      200: {
        description: 'Killed (or already killed)',
        schema: flagWriteSchema(
          {
            mode: { type: 'string', enum: ['off-variant', 'disabled'] },
            offVariant: {
              type: 'string',
              description: 'the variant now served to everyone (off-variant mode)',
            },
            note: { type: 'string', description: 'why the mode differs from what the metadata suggests' },
          },
          ['mode'],
        ),
      },
    },
    errors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const write = options(request, request.body.reason);
      await knownSets.require(set);
      const { detail, ...result } = await killFlag(store, set, key, write);
      reply.header('etag', result.etag);
      return { ...result, ...detail };
    },
  });

  adminRoute<{ Params: FlagParams; Body: { reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/restore',
    permission: 'write',
    summary: 'Restore a killed flag to exactly its definition from before the kill',
    description:
      'The definition is taken from the audit log (the write that killed the flag). 409 when the flag is not killed, was changed after the kill, or the log no longer reaches the kill.',
    tags,
    params: flagParams,
    headers: writeHeaders,
    body: reasonBody,
    responses: {
      200: {
        description: 'Restored',
        schema: flagWriteSchema(
          {
            restoredFrom: {
              type: 'object',
              required: ['killVersion', 'killedAt', 'killedBy'],
              properties: {
                killVersion: { type: 'integer', description: 'the version the kill wrote' },
                killedAt: { type: 'string' },
                killedBy: { type: 'string' },
              },
              additionalProperties: false,
            },
          },
          ['restoredFrom'],
        ),
      },
    },
    errors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const write = options(request, request.body.reason);
      await knownSets.require(set);
      const { detail, ...result } = await restoreFlag(store, set, key, write);
      reply.header('etag', result.etag);
      return { ...result, restoredFrom: detail };
    },
  });

  adminRoute<{ Params: FlagParams; Body: { weights: Record<string, number>; reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/rollout',
    permission: 'write',
    summary: "Set the weights of the flag's percentage rollout",
    description:
      'The flag\'s one `fractional` split gets these weights (relative integers: `{"on": 25, "off": 75}` is 25 %), keeping its bucket order so users keep their variant as a rollout grows. 409 unless the targeting has exactly one split of literal buckets; 422 for a variant the flag lacks.',
    tags,
    params: flagParams,
    headers: writeHeaders,
    body: {
      type: 'object',
      required: ['weights'],
      properties: {
        weights: {
          type: 'object',
          minProperties: 1,
          maxProperties: 100,
          additionalProperties: { type: 'integer', minimum: 0, maximum: 2147483647 },
          description: 'variant → weight',
        },
        reason: reasonSchema,
      },
      additionalProperties: false,
    },
    responses: {
      200: {
        description: 'Weights set (or already so: changed false)',
        schema: flagWriteSchema(
          {
            weights: {
              type: 'object',
              additionalProperties: { type: 'integer' },
              description: 'the split now, in bucket order',
            },
          },
          ['weights'],
        ),
      },
    },
    errors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const write = options(request, request.body.reason);
      await knownSets.require(set);
      const { detail, ...result } = await setRolloutWeights(store, set, key, request.body.weights, write);
      reply.header('etag', result.etag);
      return { ...result, weights: detail.weights };
    },
  });

  adminRoute<{ Params: FlagParams; Body: TargetingChange & { reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/targeting',
    permission: 'write',
    summary: 'Add people or a segment to a rule of the flag, or take them out',
    description:
      "`add`: serve `variant` to the listed `values` of `attribute` (default `targetingKey`), or to a `segment` (an entry of the set's `$evaluators`); named values go first in the rule chain, segments after them, and what the flag did before stays the fallback. `remove`: take `values` out of every list, or drop the `segment`'s rule. A change already in effect writes nothing.",
    tags,
    params: flagParams,
    headers: writeHeaders,
    body: {
      type: 'object',
      properties: {
        add: {
          type: 'object',
          required: ['variant'],
          properties: { variant: { type: 'string', minLength: 1 }, values: valueList, attribute, segment },
          oneOf: [{ required: ['values'] }, { required: ['segment'] }],
          additionalProperties: false,
        },
        remove: {
          type: 'object',
          properties: { values: valueList, attribute, segment },
          oneOf: [{ required: ['values'] }, { required: ['segment'] }],
          additionalProperties: false,
        },
        reason: reasonSchema,
      },
      oneOf: [{ required: ['add'] }, { required: ['remove'] }],
      additionalProperties: false,
    },
    responses: { 200: { description: 'Changed (or already so: changed false)', schema: flagWriteSchema() } },
    errors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const { reason, ...change } = request.body;
      const write = options(request, reason);
      await knownSets.require(set);
      const result = await changeTargeting(store, set, key, change as TargetingChange, write);
      reply.header('etag', result.etag);
      const { detail: _none, ...answer } = result;
      return answer;
    },
  });
}
