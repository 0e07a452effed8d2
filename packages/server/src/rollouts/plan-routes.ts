/**
 * `/api/v1/flag-sets/{set}/rollouts`: start a guarded rollout, read it (status, figures, history,
 * the flag as it is now), pause, resume, abort. Reads need `read`; changes need `write` on the
 * set. Plan actions are compare-and-set on the plan (`If-Match: "r<version>"`, or `*`).
 */
import {
  type Requester,
  type RolloutContext,
  type RolloutView,
  abortRollout,
  editRollout,
  getRollout,
  listRollouts,
  pauseRollout,
  resumeRollout,
  startRollout,
} from '@ensign/rollouts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { writeOptions } from '../admin/admin-context.js';
import { adminRoute } from '../admin/route.js';
import { setParams } from '../admin/schemas.js';
import { actorOf } from '../auth/authenticate.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';
import { HttpProblem } from '../http/problem.js';
import {
  actionBody,
  listQuery,
  planBody,
  planHeaders,
  planParams,
  rolloutListSchema,
  rolloutViewSchema,
} from './schemas.js';

const tags = ['rollouts'];
const PLAN_ETAG = /^"r([1-9][0-9]{0,15})"$/;

/** The compare-and-set version of a plan action, from `If-Match` (428 without one). */
export function planPrecondition(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  const value = typeof header === 'string' ? header.trim() : undefined;
  if (value === undefined)
    throw new HttpProblem(
      428,
      'precondition-required',
      'This write needs a precondition',
      'send If-Match with the rollout\'s ETag ("r<version>", as read) or If-Match: * to act on it as it is now',
    );
  if (value === '*') return undefined;
  const match = PLAN_ETAG.exec(value);
  if (!match)
    throw new HttpProblem(
      400,
      'invalid-precondition',
      'The If-Match header is invalid',
      'must be "r<version>" as read, or *',
      {
        errors: [{ pointer: '/if-match', field: 'If-Match', message: 'must be "r<version>" or *' }],
      },
    );
  return Number(match[1]);
}

function answer(reply: FastifyReply, view: RolloutView) {
  reply.header('etag', `"r${view.version}"`);
  return { rollout: view.record, version: view.version, live: view.live };
}

/** Registers the plan routes. */
export function registerPlanRoutes(
  scope: FastifyInstance,
  context: RolloutContext,
  knownSets: KnownFlagSets,
): void {
  const requester = (
    request: FastifyRequest,
    reason: string | undefined,
    expectedVersion?: number,
  ): Requester => ({
    ...writeOptions(actorOf(request), reason),
    ...(expectedVersion !== undefined && { expectedVersion }),
  });

  adminRoute<{ Params: { set: string }; Querystring: { flag?: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/rollouts',
    permission: 'read',
    summary: 'List the rollouts of a flag set (of one flag with ?flag=), newest first',
    tags,
    params: setParams,
    querystring: listQuery,
    responses: { 200: { description: 'The rollouts', schema: rolloutListSchema } },
    errors: [404],
    handler: async (request) => {
      await knownSets.require(request.params.set);
      const plans = await listRollouts(context, request.params.set, request.query.flag);
      return { rollouts: plans.map((p) => ({ rollout: p.record, version: p.version })) };
    },
  });

  adminRoute<{ Params: { set: string }; Body: Record<string, unknown> & { reason?: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/rollouts',
    permission: 'write',
    summary: 'Start a guarded rollout of a flag',
    description:
      'The plan is checked in full (every problem by JSON Pointer: 422) and against the flag (its variants, its one `fractional` split: 404, 409, 422); nothing is written to the flag: the controller makes every step, stage 1 at its next tick, each as an audited write by `rollout:<plan>`. Traffic never advances without a controller.',
    tags,
    params: setParams,
    body: planBody,
    responses: {
      201: {
        description: 'Started (waiting for the controller to apply stage 1)',
        schema: rolloutViewSchema,
      },
    },
    errors: [404, 409, 413, 415, 422],
    handler: async (request, reply) => {
      const { set } = request.params;
      await knownSets.require(set);
      const { reason, ...plan } = request.body;
      const view = await startRollout(context, set, plan, requester(request, reason));
      reply.code(201);
      return answer(reply, view);
    },
  });

  adminRoute<{ Params: { set: string; plan: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/rollouts/:plan',
    permission: 'read',
    summary: 'A rollout: status, stage, last figures per guardrail, history, and the flag now',
    tags,
    params: planParams,
    responses: { 200: { description: 'The rollout (ETag: "r<version>")', schema: rolloutViewSchema } },
    errors: [404],
    handler: async (request, reply) => {
      await knownSets.require(request.params.set);
      return answer(reply, await getRollout(context, request.params.set, request.params.plan));
    },
  });

  adminRoute<{ Params: { set: string; plan: string }; Body: Record<string, unknown> & { reason?: string } }>(
    scope,
    {
      method: 'PUT',
      url: '/api/v1/flag-sets/:set/rollouts/:plan',
      permission: 'write',
      summary: 'Edit a rollout that has not ended',
      description:
        "Before its first step anything but the flag and the two variants; after it, only the stages still to come, `onHarm` and `onInconclusive` (the guardrails, α and minimum sample are what the tests' guarantee was computed for: 422 naming each field). Compare-and-set on the plan (`If-Match`).",
      tags,
      params: planParams,
      headers: planHeaders,
      body: planBody,
      responses: { 200: { description: 'Edited', schema: rolloutViewSchema } },
      errors: [404, 409, 412, 413, 415, 422, 428],
      handler: async (request, reply) => {
        const { set, plan } = request.params;
        const expected = planPrecondition(request);
        await knownSets.require(set);
        const { reason, ...body } = request.body;
        return answer(
          reply,
          await editRollout(context, set, plan, body, requester(request, reason, expected)),
        );
      },
    },
  );

  const action = (
    name: 'pause' | 'resume' | 'abort',
    summary: string,
    description: string,
    run: typeof pauseRollout,
  ) =>
    adminRoute<{ Params: { set: string; plan: string }; Body: { reason?: string } }>(scope, {
      method: 'POST',
      url: `/api/v1/flag-sets/:set/rollouts/:plan/${name}`,
      permission: 'write',
      summary,
      description,
      tags,
      params: planParams,
      headers: planHeaders,
      body: actionBody,
      responses: { 200: { description: 'Done', schema: rolloutViewSchema } },
      errors: [404, 409, 412, 413, 415, 422, 428],
      handler: async (request, reply) => {
        const { set, plan } = request.params;
        const expected = planPrecondition(request);
        await knownSets.require(set);
        return answer(
          reply,
          await run(context, set, plan, requester(request, request.body?.reason, expected)),
        );
      },
    });
  action('pause', 'Pause a running rollout', 'Traffic holds where it is until a resume.', pauseRollout);
  action(
    'resume',
    'Resume a paused rollout',
    'The controller writes the current stage again, as a new cohort, on top of the flag as it is now (409 when the flag no longer fits the plan).',
    resumeRollout,
  );
  action(
    'abort',
    'Abort a rollout: the released variant goes back to its share before the plan',
    "Marked aborted first (no controller advances it), then one audited write by the caller restores the split and removes the plan's marks from the flag. Works without a controller.",
    abortRollout,
  );
}
