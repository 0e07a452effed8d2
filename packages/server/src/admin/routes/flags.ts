/**
 * Flags of a set: list, read (with the flag's ETag), create or replace, patch, delete, the flag's
 * history and reverting the flag alone to an earlier version. Every write is compare-and-set on
 * the flag's own ETag, so an edit of one flag never fails because another flag changed.
 */
import type { FlagDefinition } from '@ensign/core';
import { type FlagPatch, MissingFlagError, flagEtag, historyOf, own, revertFlag } from '@ensign/store';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/authenticate.js';
import { type AdminContext, historyLimit, writeOptions } from '../admin-context.js';
import { flagPrecondition, storeIfMatch } from '../preconditions.js';
import { adminRoute } from '../route.js';
import {
  flagParams,
  flagPatchSchema,
  flagSchema,
  flagWriteSchema,
  historyQuery,
  historySchema,
  putHeaders,
  reasonQuery,
  reasonSchema,
  setParams,
  storedFlagSchema,
  writeHeaders,
} from '../schemas.js';

interface FlagParams {
  set: string;
  key: string;
}

const tags = ['flags'];
const writeErrors = [404, 409, 412, 413, 415, 422, 428];

/** Registers the flag routes. */
export function registerFlagRoutes(scope: FastifyInstance, context: AdminContext): void {
  const { store, knownSets } = context;

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/flags',
    permission: 'read',
    summary: 'List the flags of a set',
    tags,
    params: setParams,
    responses: {
      200: {
        description: 'Every flag with its ETag, by key',
        schema: {
          type: 'object',
          required: ['flagSet', 'version', 'flags'],
          properties: {
            flagSet: { type: 'string' },
            version: { type: 'integer' },
            flags: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'etag', 'flag'],
                properties: { key: { type: 'string' }, etag: { type: 'string' }, flag: storedFlagSchema },
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        },
      },
    },
    errors: [404],
    handler: async (request) => {
      const { set } = request.params;
      await knownSets.require(set);
      const snapshot = await store.load(set);
      const flags = Object.entries(snapshot.document.flags)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, flag]) => ({ key, etag: flagEtag(flag), flag }));
      return { flagSet: set, version: snapshot.version, flags };
    },
  });

  adminRoute<{ Params: FlagParams }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/flags/:key',
    permission: 'read',
    summary: 'Read a flag',
    description: "The flag's definition; its ETag header guards the next write to it.",
    tags,
    params: flagParams,
    responses: { 200: { description: 'The flag', schema: storedFlagSchema } },
    errors: [404],
    handler: async (request, reply) => {
      const { set, key } = request.params;
      await knownSets.require(set);
      const snapshot = await store.load(set);
      const flag = own(snapshot.document.flags, key);
      if (flag === undefined) throw new MissingFlagError(set, key);
      reply.header('etag', flagEtag(flag));
      return flag;
    },
  });

  adminRoute<{ Params: FlagParams; Body: FlagDefinition; Querystring: { reason?: string } }>(scope, {
    method: 'PUT',
    url: '/api/v1/flag-sets/:set/flags/:key',
    permission: 'write',
    summary: 'Create or replace a flag',
    description:
      "`If-Match` with the flag's ETag replaces exactly what was read; `If-Match: *` replaces whatever is there (the flag must exist); `If-None-Match: *` creates only.",
    tags,
    params: flagParams,
    querystring: reasonQuery,
    headers: putHeaders,
    body: flagSchema,
    responses: {
      200: { description: 'Replaced', schema: flagWriteSchema() },
      201: { description: 'Created', schema: flagWriteSchema() },
    },
    errors: writeErrors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const precondition = flagPrecondition(request, true);
      await knownSets.require(set);
      if (precondition.kind === 'exists') {
        // `If-Match: *` means "the flag exists" (RFC 9110), never "create it".
        const snapshot = await store.load(set);
        if (own(snapshot.document.flags, key) === undefined) throw new MissingFlagError(set, key);
      }
      const ifMatch = storeIfMatch(precondition);
      const { version } = await store.putFlag(set, key, request.body, {
        ...(ifMatch !== undefined && { ifMatch }),
        ...writeOptions(actorOf(request), request.query.reason),
      });
      const etag = flagEtag(request.body);
      reply.header('etag', etag);
      return reply
        .code(precondition.kind === 'absent' ? 201 : 200)
        .send({ flagSet: set, flagKey: key, changed: true, version, etag, flag: request.body });
    },
  });

  adminRoute<{ Params: FlagParams; Body: FlagPatch; Querystring: { reason?: string } }>(scope, {
    method: 'PATCH',
    url: '/api/v1/flag-sets/:set/flags/:key',
    permission: 'write',
    summary: 'Change fields of a flag',
    description:
      "Each field given replaces the stored one; `null` removes `defaultVariant`, `targeting` or `metadata`. Needs `If-Match` (the flag's ETag, or `*`).",
    tags,
    params: flagParams,
    querystring: reasonQuery,
    headers: writeHeaders,
    body: flagPatchSchema,
    responses: { 200: { description: 'Changed', schema: flagWriteSchema() } },
    errors: writeErrors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const ifMatch = storeIfMatch(flagPrecondition(request));
      await knownSets.require(set);
      const { version } = await store.patchFlag(set, key, request.body, {
        ...(ifMatch !== undefined && { ifMatch }),
        ...writeOptions(actorOf(request), request.query.reason),
      });
      // The flag as this write left it (the patch merged into what was stored): the audit entry of
      // this very version, not a later read that another write may have changed meanwhile.
      const entries = await store.history(set, { flagKey: key, limit: 20 });
      const entry = entries.find((e) => e.version === version);
      const flag = entry
        ? (entry.after as FlagDefinition)
        : own((await store.load(set)).document.flags, key)!;
      const etag = flagEtag(flag);
      reply.header('etag', etag);
      return { flagSet: set, flagKey: key, changed: true, version, etag, flag };
    },
  });

  adminRoute<{ Params: FlagParams; Querystring: { reason?: string } }>(scope, {
    method: 'DELETE',
    url: '/api/v1/flag-sets/:set/flags/:key',
    permission: 'write',
    summary: 'Delete a flag',
    description: "Needs `If-Match` (the flag's ETag, or `*`).",
    tags,
    params: flagParams,
    querystring: reasonQuery,
    headers: writeHeaders,
    responses: { 200: { description: 'Deleted', schema: flagWriteSchema() } },
    errors: [404, 409, 412, 428],
    handler: async (request) => {
      const { set, key } = request.params;
      const ifMatch = storeIfMatch(flagPrecondition(request));
      await knownSets.require(set);
      const { version } = await store.deleteFlag(set, key, {
        ...(ifMatch !== undefined && { ifMatch }),
        ...writeOptions(actorOf(request), request.query.reason),
      });
      return { flagSet: set, flagKey: key, changed: true, version, etag: flagEtag(undefined), flag: null };
    },
  });

  adminRoute<{ Params: FlagParams; Querystring: { limit?: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/flags/:key/history',
    permission: 'read',
    summary: 'History of a flag',
    description:
      'Every write that changed the flag, newest first (whole-set writes narrowed to it): who, when, why, before, after and the changes at JSON Pointers.',
    tags,
    params: flagParams,
    querystring: historyQuery,
    responses: { 200: { description: 'Newest first', schema: historySchema } },
    errors: [404],
    handler: async (request) => {
      const { set, key } = request.params;
      await knownSets.require(set);
      const entries = await historyOf(store, set, { flagKey: key, limit: historyLimit(request.query.limit) });
      return { flagSet: set, flagKey: key, entries };
    },
  });

  adminRoute<{ Params: FlagParams; Body: { version: number; reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/revert',
    permission: 'write',
    summary: 'Revert one flag to its definition at an earlier version',
    description:
      'Only this flag changes (removed if it did not exist at `version`); compare-and-set on its ETag (`If-Match`, or `*`). 409 when the audit log no longer reaches `version`.',
    tags,
    params: flagParams,
    headers: writeHeaders,
    body: {
      type: 'object',
      required: ['version'],
      properties: { version: { type: 'integer', minimum: 0 }, reason: reasonSchema },
      additionalProperties: false,
    },
    responses: {
      200: {
        description: 'Reverted (or already so: changed false)',
        schema: flagWriteSchema({ toVersion: { type: 'integer' } }, ['toVersion']),
      },
    },
    errors: writeErrors,
    handler: async (request, reply) => {
      const { set, key } = request.params;
      const ifMatch = storeIfMatch(flagPrecondition(request));
      await knownSets.require(set);
      const result = await revertFlag(store, set, key, request.body.version, {
        ...(ifMatch !== undefined && { ifMatch }),
        ...writeOptions(actorOf(request), request.body.reason),
      });
      reply.header('etag', result.etag);
      return result;
    },
  });
}
