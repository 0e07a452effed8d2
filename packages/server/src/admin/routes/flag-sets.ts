/**
 * Whole flag sets: list, export (a flagd document with the set's ETag), import (compare-and-set on
 * the set's version), the set's history, and reverting the whole set, its own explicit action.
 */
import type { FlagSetDocument } from '@ensign/core';
import { historyOf } from '@ensign/store';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/authenticate.js';
import { type AdminContext, historyLimit, writeOptions } from '../admin-context.js';
import { setEtag, setPrecondition } from '../preconditions.js';
import { adminRoute } from '../route.js';
import {
  exportedFlagSetSchema,
  flagSetDocumentSchema,
  historyQuery,
  historySchema,
  putHeaders,
  reasonQuery,
  reasonSchema,
  setParams,
  writeHeaders,
} from '../schemas.js';

const FLAGD_SCHEMA = 'https://flagd.dev/schema/v0/flags.json';
const tags = ['flag sets'];

const setWriteSchema = {
  type: 'object',
  required: ['flagSet', 'version', 'etag'],
  properties: {
    flagSet: { type: 'string' },
    version: { type: 'integer', description: "the set's version after the write" },
    etag: { type: 'string', description: "the set's ETag after the write (also the ETag header)" },
  },
  additionalProperties: false,
} as const;

interface SetParams {
  set: string;
}

/** Registers the flag-set routes. */
export function registerFlagSetRoutes(scope: FastifyInstance, context: AdminContext): void {
  const { store, knownSets } = context;

  adminRoute(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets',
    permission: 'read',
    summary: 'List the known flag sets',
    description:
      'Sets written through this API or named at start, with their current versions (a store cannot list its sets).',
    tags,
    responses: {
      200: {
        description: 'The sets, by id',
        schema: {
          type: 'object',
          required: ['flagSets'],
          properties: {
            flagSets: {
              type: 'array',
              items: {
                type: 'object',
                required: ['flagSet', 'version', 'etag', 'createdAt', 'createdBy'],
                properties: {
                  flagSet: { type: 'string' },
                  version: { type: 'integer' },
                  etag: { type: 'string' },
                  createdAt: { type: 'string', format: 'date-time' },
                  createdBy: { type: 'string' },
                },
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        },
      },
    },
    errors: [],
    handler: async () => {
      const records = [...(await knownSets.list())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const versions = await Promise.all(records.map(([id]) => store.version(id)));
      return {
        flagSets: records.map(([flagSet, record], i) => ({
          flagSet,
          version: versions[i]!,
          etag: setEtag(versions[i]!),
          ...record,
        })),
      };
    },
  });

  adminRoute<{ Params: SetParams }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set',
    permission: 'read',
    summary: 'Export a flag set',
    description:
      'The set as a flagd flag-definition document; its ETag header ("v<version>") guards an import.',
    tags,
    params: setParams,
    responses: { 200: { description: 'The flagd document', schema: exportedFlagSetSchema } },
    errors: [404],
    handler: async (request, reply) => {
      await knownSets.require(request.params.set);
      const snapshot = await store.load(request.params.set);
      reply.header('etag', setEtag(snapshot.version));
      return { $schema: FLAGD_SCHEMA, ...snapshot.document };
    },
  });

  adminRoute<{ Params: SetParams; Body: FlagSetDocument; Querystring: { reason?: string } }>(scope, {
    method: 'PUT',
    url: '/api/v1/flag-sets/:set',
    permission: 'write',
    summary: 'Import a flag set (create or replace it whole)',
    description:
      'Replaces every flag, `$evaluators` and the set metadata in one validated, audited write. `If-Match: "v<version>"` (the ETag of the export) replaces exactly that version; `If-None-Match: *` creates a set that was never written.',
    tags,
    params: setParams,
    querystring: reasonQuery,
    headers: putHeaders,
    body: flagSetDocumentSchema,
    responses: {
      200: { description: 'Replaced', schema: setWriteSchema },
      201: { description: 'Created', schema: setWriteSchema },
    },
    errors: [409, 412, 413, 415, 422, 428],
    handler: async (request, reply) => {
      const { set } = request.params;
      const { expectedVersion } = setPrecondition(request, true);
      // `If-Match: *` replaces a set that exists; creating one takes If-None-Match: * (or "v0").
      if (expectedVersion === undefined) await knownSets.require(set);
      const actor = actorOf(request);
      const { version } = await store.replaceFlagSet(set, request.body, {
        ...(expectedVersion !== undefined && { expectedVersion }),
        ...writeOptions(actor, request.query.reason),
      });
      await knownSets.add(set, actor);
      reply.header('etag', setEtag(version));
      return reply.code(version === 1 ? 201 : 200).send({ flagSet: set, version, etag: setEtag(version) });
    },
  });

  adminRoute<{ Params: SetParams; Querystring: { limit?: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/history',
    permission: 'read',
    summary: 'History of a flag set',
    description:
      'Every write, newest first: who, when, why, before and after (a flag, or the whole set for imports, reverts and promotions), and the changes at JSON Pointers of the set.',
    tags,
    params: setParams,
    querystring: historyQuery,
    responses: { 200: { description: 'Newest first', schema: historySchema } },
    errors: [404],
    handler: async (request) => {
      const { set } = request.params;
      await knownSets.require(set);
      return {
        flagSet: set,
        entries: await historyOf(store, set, { limit: historyLimit(request.query.limit) }),
      };
    },
  });

  adminRoute<{ Params: SetParams; Body: { version: number; reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/revert',
    permission: 'write',
    summary: 'Revert the whole flag set to an earlier version',
    description:
      'Every flag, `$evaluators` and the set metadata go back to `version`; recorded as one `revert` write. `If-Match: "v<version>"` of the set is required (or `*`). To revert one flag, use the flag\'s own revert.',
    tags,
    params: setParams,
    headers: writeHeaders,
    body: {
      type: 'object',
      required: ['version'],
      properties: { version: { type: 'integer', minimum: 0 }, reason: reasonSchema },
      additionalProperties: false,
    },
    responses: { 200: { description: 'Reverted', schema: setWriteSchema } },
    errors: [404, 409, 412, 413, 415, 422, 428],
    handler: async (request, reply) => {
      const { set } = request.params;
      const { expectedVersion } = setPrecondition(request);
      await knownSets.require(set);
      const actor = actorOf(request);
      const { version } = await store.revert(set, request.body.version, {
        ...(expectedVersion !== undefined && { expectedVersion }),
        ...writeOptions(actor, request.body.reason),
      });
      reply.header('etag', setEtag(version));
      return { flagSet: set, version, etag: setEtag(version) };
    },
  });
}
