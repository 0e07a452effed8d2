/**
 * `/api/v1/flag-sets/{set}/schedules`: changes scheduled for a time ("turn this on at 09:00 on
 * Monday"), run by the rollout controller as audited writes by `schedule:<id>`; and
 * `/api/v1/flag-sets/{set}/flags/{key}/experiment`: experiment results from the aggregates.
 */
import {
  type RolloutContext,
  cancelSchedule,
  createSchedule,
  experimentResults,
  listSchedules,
} from '@ensign/rollouts';
import type { FastifyInstance } from 'fastify';
import { writeOptions } from '../admin/admin-context.js';
import { adminRoute } from '../admin/route.js';
import { flagParams, reasonSchema, setParams } from '../admin/schemas.js';
import { actorOf } from '../auth/authenticate.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';
import { planPrecondition } from './plan-routes.js';
import {
  experimentQuery,
  experimentSchema,
  scheduleBody,
  scheduleListSchema,
  scheduleParams,
  scheduleViewSchema,
} from './schemas.js';

const tags = ['schedules'];

/** Registers the schedule and experiment routes. */
export function registerScheduleRoutes(
  scope: FastifyInstance,
  context: RolloutContext,
  knownSets: KnownFlagSets,
): void {
  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/schedules',
    permission: 'read',
    summary: 'List the scheduled changes of a flag set, by time (pending, done, failed, cancelled)',
    tags,
    params: setParams,
    responses: { 200: { description: 'The schedules', schema: scheduleListSchema } },
    errors: [404],
    handler: async (request) => {
      await knownSets.require(request.params.set);
      const schedules = await listSchedules(context, request.params.set);
      return { schedules: schedules.map((s) => ({ schedule: s.record, version: s.version })) };
    },
  });

  adminRoute<{ Params: { set: string }; Body: Record<string, unknown> }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/schedules',
    permission: 'write',
    summary: 'Schedule a change of a flag: enable, disable, kill, restore, or weights',
    description:
      'Run once when due by the rollout controller, as an audited write by `schedule:<id>` with the reason given; one that comes due while no controller runs is run when one does, and records how late it was.',
    tags,
    params: setParams,
    body: scheduleBody,
    responses: { 201: { description: 'Scheduled', schema: scheduleViewSchema } },
    errors: [404, 409, 413, 415, 422],
    handler: async (request, reply) => {
      await knownSets.require(request.params.set);
      const { record, version } = await createSchedule(
        context,
        request.params.set,
        request.body,
        writeOptions(actorOf(request), undefined),
      );
      reply.code(201);
      return { schedule: record, version };
    },
  });

  adminRoute<{ Params: { set: string; id: string }; Querystring: { reason?: string } }>(scope, {
    method: 'DELETE',
    url: '/api/v1/flag-sets/:set/schedules/:id',
    permission: 'write',
    summary: 'Cancel a pending scheduled change',
    tags,
    params: scheduleParams,
    querystring: { type: 'object', properties: { reason: reasonSchema }, additionalProperties: false },
    responses: { 200: { description: 'Cancelled', schema: scheduleViewSchema } },
    errors: [404, 409, 412, 428],
    handler: async (request) => {
      const expectedVersion = planPrecondition(request);
      await knownSets.require(request.params.set);
      const { record, version } = await cancelSchedule(context, request.params.set, request.params.id, {
        ...writeOptions(actorOf(request), request.query.reason),
        ...(expectedVersion !== undefined && { expectedVersion }),
      });
      return { schedule: record, version };
    },
  });

  adminRoute<{
    Params: { set: string; key: string };
    Querystring: { metric: string; cohort?: string; control?: string };
  }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/flags/:key/experiment',
    permission: 'read',
    summary: 'Experiment results of a flag from the metric aggregates (no raw events read)',
    description:
      'Per variant: exposure units, converted units, rate with a 95% Wilson interval, lift, the fixed-horizon z-test (valid at one planned look) and beside it the always-valid p-value and confidence sequence of the difference (valid however often anyone looks); the sample-ratio check. The flag must be tracked per unit by the apps\' MetricsAggregator (metadata `kind: "experiment"` or a `metricsCohort`).',
    tags: ['experiments'],
    params: flagParams,
    querystring: experimentQuery,
    responses: { 200: { description: 'The results', schema: experimentSchema } },
    errors: [404],
    handler: async (request) => {
      const { set, key } = request.params;
      await knownSets.require(set);
      return experimentResults(context, set, key, request.query);
    },
  });
}
