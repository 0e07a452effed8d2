/**
 * Archiving through the admin API: archive a flag (it stops being served: callers get their code
 * default, as from flagd for a missing flag), list what is archived, and restore a flag with
 * exactly its definition. The logic is `@ensign/lifecycle`'s; these routes read the request.
 */
import { archiveFlag, listArchived, unarchiveFlag } from '@ensign/lifecycle';
import type { FastifyInstance } from 'fastify';
import { writeOptions } from '../admin/admin-context.js';
import { flagPrecondition, storeIfMatch } from '../admin/preconditions.js';
import { adminRoute } from '../admin/route.js';
import { flagParams, reasonBody, setParams, writeHeaders } from '../admin/schemas.js';
import { actorOf } from '../auth/authenticate.js';
import type { ServerContext } from '../context.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';
import { HttpProblem } from '../http/problem.js';
import { archiveResultSchema, archivedListSchema, unarchiveResultSchema } from './schemas.js';

interface FlagParams {
  set: string;
  key: string;
}

const tags = ['lifecycle'];

/** `If-None-Match: *`, which unarchive needs: the key must not be in the set. */
function requireAbsent(request: Parameters<typeof flagPrecondition>[0]): void {
  if (flagPrecondition(request, true).kind !== 'absent')
    throw new HttpProblem(
      428,
      'precondition-required',
      'This write needs a precondition',
      'send If-None-Match: * (the flag is restored only while the set does not hold its key)',
    );
}

/** Registers archive, unarchive and the list of archived flags. */
export function registerArchiveRoutes(
  scope: FastifyInstance,
  context: ServerContext,
  knownSets: KnownFlagSets,
): void {
  const { store, state } = context;

  adminRoute<{ Params: FlagParams; Body: { reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/archive',
    permission: 'write',
    summary: 'Archive a flag: it is no longer served, and stays restorable',
    description:
      "The flag is removed from the set by an audited write (reason `archived: …`), so every provider evaluates it as flagd evaluates a missing flag: FLAG_NOT_FOUND, the caller's code default. Its exact definition is kept in the server state until it is unarchived. Archiving an archived flag changes nothing (`changed: false`). `If-Match` with the flag's ETag, or `*`.",
    tags,
    params: flagParams,
    headers: writeHeaders,
    body: reasonBody,
    responses: { 200: { description: 'Archived (or already archived)', schema: archiveResultSchema } },
    errors: [404, 409, 412, 413, 415, 428],
    handler: async (request) => {
      const { set, key } = request.params;
      const ifMatch = storeIfMatch(flagPrecondition(request));
      await knownSets.require(set);
      return archiveFlag(store, state, set, key, {
        ...(ifMatch !== undefined && { ifMatch }),
        ...writeOptions(actorOf(request), request.body.reason),
      });
    },
  });

  adminRoute<{ Params: FlagParams; Body: { reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/flags/:key/unarchive',
    permission: 'write',
    summary: 'Restore an archived flag with exactly the definition it had',
    description:
      'An audited write (reason `unarchived: …`) that creates the flag again; its ETag is the one it had. Needs `If-None-Match: *`. 404 when the flag is not archived; 409 when the set holds the key again; 422 when the definition no longer fits the set (e.g. a segment it refers to was removed).',
    tags,
    params: flagParams,
    headers: {
      type: 'object',
      properties: {
        'if-none-match': {
          type: 'string',
          maxLength: 256,
          description: '`*`: required (the key must be free)',
        },
      },
    },
    body: reasonBody,
    responses: { 200: { description: 'Restored', schema: unarchiveResultSchema } },
    errors: [404, 409, 412, 413, 415, 422, 428],
    handler: async (request, reply) => {
      const { set, key } = request.params;
      requireAbsent(request);
      await knownSets.require(set);
      const result = await unarchiveFlag(
        store,
        state,
        set,
        key,
        writeOptions(actorOf(request), request.body.reason),
      );
      reply.header('etag', result.etag);
      return result;
    },
  });

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/archive',
    permission: 'read',
    summary: 'The archived flags of a set, with their definitions',
    tags,
    params: setParams,
    responses: { 200: { description: 'Archived flags, by key', schema: archivedListSchema } },
    errors: [404],
    handler: async (request) => {
      const { set } = request.params;
      await knownSets.require(set);
      return { flagSet: set, flags: [...(await listArchived(store, state, set)).values()] };
    },
  });
}
