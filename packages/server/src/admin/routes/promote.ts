/**
 * Promotion between environments: copy a set's flags (or some of them) into this set, as a plan
 * to read (`dryRun`) and an apply that does exactly that plan or refuses: the apply is one
 * whole-set write, compare-and-set on the target's version (`If-Match`) and, with `fromVersion`,
 * on the source's, so what was reviewed is what gets written.
 */
import { planPromotion, promote } from '@ensign/store';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/authenticate.js';
import { type AdminContext, writeOptions } from '../admin-context.js';
import { setEtag, setPrecondition } from '../preconditions.js';
import { adminRoute } from '../route.js';
import {
  flagKeySchema,
  flagSetIdSchema,
  jsonChangeSchema,
  putHeaders,
  reasonSchema,
  setParams,
} from '../schemas.js';

interface PromoteBody {
  from: string;
  flags?: string[];
  fromVersion?: number;
  dryRun?: boolean;
  reason?: string;
}

const promotionSchema = {
  type: 'object',
  required: ['from', 'fromVersion', 'to', 'toVersion', 'flags', 'changes', 'applied', 'version', 'etag'],
  properties: {
    from: { type: 'string' },
    fromVersion: { type: 'integer', description: 'the source version the plan was made from' },
    to: { type: 'string' },
    toVersion: {
      type: 'integer',
      description: 'the target version the plan was made from (If-Match of the apply)',
    },
    flags: {
      type: 'object',
      required: ['added', 'removed', 'changed'],
      properties: {
        added: { type: 'array', items: { type: 'string' } },
        removed: { type: 'array', items: { type: 'string' } },
        changed: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    },
    changes: {
      type: 'array',
      items: jsonChangeSchema,
      description: 'every change to the target, by JSON Pointer',
    },
    applied: { type: 'boolean', description: 'whether the target was written' },
    version: { type: 'integer', description: "the target's version now" },
    etag: { type: 'string', description: "the target's ETag now" },
  },
  additionalProperties: false,
} as const;

/** Registers `POST /api/v1/flag-sets/{set}/promote`. */
export function registerPromoteRoute(scope: FastifyInstance, context: AdminContext): void {
  const { store, knownSets } = context;
  adminRoute<{ Params: { set: string }; Body: PromoteBody }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/promote',
    permission: 'write',
    summary: 'Promote flags from another flag set into this one',
    description:
      'Copies every flag and `$evaluators` of `from` (flags `from` lacks are removed), or only `flags` and the `$evaluators` they reference; this set\'s metadata is kept. `dryRun: true` answers the plan without writing; the apply needs `If-Match` with the target\'s ETag (`"v<toVersion>"` of the plan; `If-None-Match: *` for a new set) and may pin the source with `fromVersion`.',
    tags: ['flag sets'],
    params: setParams,
    headers: putHeaders,
    body: {
      type: 'object',
      required: ['from'],
      properties: {
        from: flagSetIdSchema,
        flags: { type: 'array', items: flagKeySchema, minItems: 1, maxItems: 1000, uniqueItems: true },
        fromVersion: { type: 'integer', minimum: 0 },
        dryRun: { type: 'boolean', default: false },
        reason: reasonSchema,
      },
      additionalProperties: false,
    },
    responses: { 200: { description: 'The plan, and whether it was applied', schema: promotionSchema } },
    errors: [404, 409, 412, 413, 415, 422, 428],
    handler: async (request, reply) => {
      const { set } = request.params;
      const { from, flags, fromVersion, dryRun, reason } = request.body;
      await knownSets.require(from);
      const pins = {
        ...(flags !== undefined && { flags }),
        ...(fromVersion !== undefined && { fromVersion }),
      };
      if (dryRun === true) {
        const { document: _target, ...plan } = await planPromotion(store, from, set, pins);
        reply.header('etag', setEtag(plan.toVersion));
        return { ...plan, applied: false, version: plan.toVersion, etag: setEtag(plan.toVersion) };
      }
      const { expectedVersion } = setPrecondition(request, true);
      if (expectedVersion !== 0) await knownSets.require(set);
      const actor = actorOf(request);
      const { document: _target, ...result } = await promote(store, from, set, {
        ...pins,
        ...(expectedVersion !== undefined && { expectedVersion }),
        ...writeOptions(actor, reason),
      });
      if (result.applied) await knownSets.add(set, actor);
      reply.header('etag', setEtag(result.version));
      return { ...result, etag: setEtag(result.version) };
    },
  });
}
