/**
 * The read-only figures the dashboard charts, from the metric aggregates (`@ensign/hooks`'
 * layout) that the apps' `MetricsAggregator`s write; none reads a raw event:
 *
 * - `GET …/flags/{key}/evaluations?hours=`: evaluations per time window by variant (the `w:`
 *   records), for "exposures over time";
 * - `GET …/metrics`: the tracking events of the set by name (the `events` record), to pick an
 *   experiment's metric;
 * - `GET …/rollouts/{plan}/guardrails`: per guardrail, the effect and its confidence sequence as
 *   the plan's cohorts accumulated (the controller's own `lookAtGuardrails` over the first k
 *   cohorts, for k = 1…n), beside the tolerance and the threshold.
 */
import {
  type CounterSource,
  METRICS_DEFAULTS,
  METRIC_RECORDS,
  metricsNamespace,
  parseEventsRecord,
  parseUnitRecord,
  parseWindowRecord,
} from '@ensign/hooks';
import { type RolloutContext, getRollout, lookAtGuardrails } from '@ensign/rollouts';
import type { FastifyInstance } from 'fastify';
import { adminRoute } from '../admin/route.js';
import { flagParams, setParams } from '../admin/schemas.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';
import { planParams } from '../rollouts/schemas.js';

const tags = ['dashboard'];
/** Most windows one request reads (a week of hourly windows). */
export const MAX_WINDOWS = 168;

const evaluationsSchema = {
  type: 'object',
  required: ['flagSet', 'flagKey', 'windowMs', 'windows'],
  properties: {
    flagSet: { type: 'string' },
    flagKey: { type: 'string' },
    windowMs: { type: 'integer' },
    windows: {
      type: 'array',
      description: 'oldest first, one per window (empty windows included)',
      items: {
        type: 'object',
        required: ['start', 'variants', 'errors'],
        properties: {
          start: { type: 'integer', description: 'window start (ms since the epoch)' },
          variants: {
            type: 'object',
            additionalProperties: { type: 'number' },
            description: 'evaluations by variant (`""`: none served: disabled, or an error)',
          },
          errors: { type: 'number' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const pointSchema = {
  type: 'object',
  required: ['cohort', 'stage', 'percent', 'startedAt', 'effect', 'interval', 'verdict'],
  properties: {
    cohort: { type: 'string' },
    stage: { type: 'integer' },
    percent: { type: 'number' },
    startedAt: { type: 'number' },
    effect: { type: ['number', 'null'], description: 'released minus replaced, positive is worse' },
    interval: {
      type: ['object', 'null'],
      properties: { low: { type: 'number' }, high: { type: 'number' } },
    },
    release: { type: 'object', additionalProperties: true },
    replace: { type: 'object', additionalProperties: true },
    verdict: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const guardrailSeriesSchema = {
  type: 'object',
  required: ['flagSet', 'plan', 'guardrails'],
  properties: {
    flagSet: { type: 'string' },
    plan: { type: 'string' },
    guardrails: {
      type: 'array',
      items: {
        type: 'object',
        required: ['metric', 'kind', 'direction', 'tolerance', 'points'],
        properties: {
          metric: { type: 'string' },
          kind: { type: 'string' },
          direction: { type: 'string' },
          tolerance: { type: 'number' },
          threshold: { type: 'number' },
          points: { type: 'array', items: pointSchema, description: 'one per cohort, cumulative' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** Registers the figures routes. */
export function registerMetricRoutes(
  scope: FastifyInstance,
  rollouts: RolloutContext,
  metrics: CounterSource,
  knownSets: KnownFlagSets,
): void {
  adminRoute<{ Params: { set: string; key: string }; Querystring: { hours?: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/flags/:key/evaluations',
    permission: 'read',
    summary: 'Evaluations of a flag per time window, by variant',
    description:
      "From the aggregates' hourly window records (`w:<start>`), newest window last; windows older than the aggregates keep (35 days) are empty.",
    tags,
    params: flagParams,
    querystring: {
      type: 'object',
      properties: {
        hours: {
          type: 'string',
          pattern: '^([1-9]|[1-9][0-9]|1[0-5][0-9]|16[0-8])$',
          description: 'windows to read, newest last (1 to 168; default 48)',
        },
      },
      additionalProperties: false,
    },
    responses: { 200: { description: 'The windows', schema: evaluationsSchema } },
    errors: [404],
    handler: async (request) => {
      const { set, key } = request.params;
      await knownSets.require(set);
      const windowMs = METRICS_DEFAULTS.windowMs;
      const count = Math.min(MAX_WINDOWS, Number(request.query.hours ?? 48));
      const newest = Date.now() - (Date.now() % windowMs);
      const namespace = metricsNamespace(set);
      const starts = Array.from({ length: count }, (_, i) => newest - (count - 1 - i) * windowMs);
      const windows = await Promise.all(
        starts.map(async (start) => {
          const record = parseWindowRecord(await metrics.counters(namespace, METRIC_RECORDS.window(start)));
          const flag = record.flags.get(key);
          return {
            start,
            variants: Object.fromEntries(flag?.evaluations ?? []),
            errors: flag?.errors ?? 0,
          };
        }),
      );
      return { flagSet: set, flagKey: key, windowMs, windows };
    },
  });

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/metrics',
    permission: 'read',
    summary: 'Tracking events of a set by name (the metrics an experiment can use)',
    tags,
    params: setParams,
    responses: {
      200: {
        description: 'Events by name, most frequent first',
        schema: {
          type: 'object',
          required: ['flagSet', 'metrics'],
          properties: {
            flagSet: { type: 'string' },
            metrics: {
              type: 'array',
              items: {
                type: 'object',
                required: ['metric', 'events'],
                properties: { metric: { type: 'string' }, events: { type: 'number' } },
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
      const events = parseEventsRecord(await metrics.counters(metricsNamespace(set), METRIC_RECORDS.events));
      return {
        flagSet: set,
        metrics: [...events]
          .map(([metric, count]) => ({ metric, events: count }))
          .sort((a, b) => b.events - a.events || (a.metric < b.metric ? -1 : 1)),
      };
    },
  });

  adminRoute<{ Params: { set: string; plan: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/rollouts/:plan/guardrails',
    permission: 'read',
    summary: "A rollout's guardrails as its cohorts accumulated: effect, interval, verdict",
    description:
      "For each guardrail, one point per cohort: the controller's figures over the cohorts up to that one (inverse-variance weighted effect, its confidence sequence), read from the aggregates now; with the tolerance and the threshold to draw beside them.",
    tags,
    params: planParams,
    responses: { 200: { description: 'The series', schema: guardrailSeriesSchema } },
    errors: [404],
    handler: async (request) => {
      const { set, plan } = request.params;
      await knownSets.require(set);
      const { record } = await getRollout(rollouts, set, plan);
      const namespace = metricsNamespace(set);
      const [units, events] = await Promise.all([
        Promise.all(
          record.cohorts.map(async (c) =>
            parseUnitRecord(
              await metrics.counters(namespace, METRIC_RECORDS.units(record.spec.flagKey, c.cohort)),
            ),
          ),
        ),
        metrics.counters(namespace, METRIC_RECORDS.events).then(parseEventsRecord),
      ]);
      const looks = record.cohorts.map((cohort, i) =>
        // The look as it stood with the first i + 1 cohorts: the stage and tests of that time.
        lookAtGuardrails({ ...record, stage: cohort.stage, maxEvidence: {} }, units.slice(0, i + 1), events),
      );
      return {
        flagSet: set,
        plan,
        guardrails: record.spec.guardrails.map((guardrail, g) => ({
          metric: guardrail.metric,
          kind: guardrail.kind,
          direction: guardrail.direction,
          tolerance: guardrail.tolerance,
          ...(guardrail.threshold !== undefined && { threshold: guardrail.threshold }),
          points: record.cohorts.map((cohort, i) => {
            const report = looks[i]!.reports[g]!;
            return {
              cohort: cohort.cohort,
              stage: cohort.stage,
              percent: cohort.percent,
              startedAt: cohort.startedAt,
              effect: report.effect,
              interval: report.interval,
              release: report.release,
              replace: report.replace,
              verdict: report.verdict,
            };
          }),
        })),
      };
    },
  });
}
