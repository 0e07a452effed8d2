/**
 * JSON schemas of the rollout, schedule and experiment routes: requests are checked here for
 * shape, and in full (every problem by JSON Pointer) by `@ensign/rollouts`; answers are described
 * field by field for the OpenAPI document, open to additions (`additionalProperties: true`) where
 * the stored record may grow.
 */
import { flagKeySchema, flagSetIdSchema, reasonSchema } from '../admin/schemas.js';

export const PLAN_ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;

export const planParams = {
  type: 'object',
  required: ['set', 'plan'],
  properties: { set: flagSetIdSchema, plan: PLAN_ID },
  additionalProperties: false,
} as const;

export const scheduleParams = {
  type: 'object',
  required: ['set', 'id'],
  properties: { set: flagSetIdSchema, id: PLAN_ID },
  additionalProperties: false,
} as const;

/** `?flag=` of the list of rollouts. */
export const listQuery = {
  type: 'object',
  properties: { flag: flagKeySchema },
  additionalProperties: false,
} as const;

/** `?metric=&cohort=&control=` of experiment results. */
export const experimentQuery = {
  type: 'object',
  required: ['metric'],
  properties: {
    metric: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'the tracking event that counts as a conversion',
    },
    cohort: {
      type: 'string',
      maxLength: 256,
      description: "the cohort to analyse (default: the flag's `metricsCohort` now)",
    },
    control: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: "the control variant (default: the flag's default variant)",
    },
  },
  additionalProperties: false,
} as const;

/** The plan as sent: its shape is checked in full by `parsePlanSpec`, which names every problem. */
export const planBody = {
  type: 'object',
  required: ['flagKey', 'release', 'replace', 'stages', 'guardrails'],
  properties: {
    id: PLAN_ID,
    flagKey: flagKeySchema,
    release: { type: 'string', description: 'the variant being released' },
    replace: { type: 'string', description: 'the variant it replaces (the control arm)' },
    stages: {
      type: 'array',
      description:
        'strictly increasing percentages: `{ percent, minDuration ("30m", "2h", "1d"), minUnitsPerArm }`',
      items: { type: 'object' },
    },
    guardrails: {
      type: 'array',
      description:
        '`{ metric, kind: "proportion" | "mean", direction: "increase" | "decrease", tolerance?, threshold?, sequential?, requireEvents? }`',
      items: { type: 'object' },
    },
    onHarm: { type: 'string', enum: ['rollback', 'kill'] },
    onInconclusive: { type: 'string', enum: ['hold', 'proceed'] },
    alpha: { type: 'number', description: 'the false-rollback rate over the whole rollout (default 0.05)' },
    minUnitsForTests: { type: 'integer' },
    reason: reasonSchema,
  },
  additionalProperties: false,
} as const;

/** Body of pause, resume, abort. */
export const actionBody = {
  type: 'object',
  properties: { reason: reasonSchema },
  additionalProperties: false,
} as const;

/** `If-Match: "r<version>"` (or `*`) of a plan action. */
export const planHeaders = {
  type: 'object',
  properties: {
    'if-match': {
      type: 'string',
      maxLength: 64,
      description:
        'the plan\'s ETag (`"r<version>"`, as read) or `*` to act on whatever it is now. Required (428 without).',
    },
  },
} as const;

const interval = {
  type: ['object', 'null'],
  properties: { low: { type: 'number' }, high: { type: 'number' } },
} as const;

const guardrailReport = {
  type: 'object',
  required: ['metric', 'verdict', 'pValue'],
  properties: {
    metric: { type: 'string' },
    kind: { type: 'string' },
    direction: { type: 'string' },
    release: { type: 'object', properties: { n: { type: 'number' }, value: { type: ['number', 'null'] } } },
    replace: { type: 'object', properties: { n: { type: 'number' }, value: { type: ['number', 'null'] } } },
    effect: { type: ['number', 'null'], description: 'in the harm orientation: positive is worse' },
    interval,
    pValue: { type: 'number', description: 'always-valid, one-sided' },
    fixedHorizonP: {
      type: ['number', 'null'],
      description: 'for comparison only: not valid under repeated looks',
    },
    verdict: { type: 'string', enum: ['harm', 'safe', 'inconclusive', 'waiting', 'threshold-breached'] },
    eventsInSet: { type: 'number' },
  },
  additionalProperties: true,
} as const;

/** A stored rollout (`RolloutRecord`). */
export const rolloutRecordSchema = {
  type: 'object',
  required: ['flagSet', 'spec', 'status', 'stage', 'cohorts', 'events'],
  properties: {
    flagSet: { type: 'string' },
    spec: { type: 'object', additionalProperties: true, description: 'the plan, with its defaults' },
    status: { type: 'string', enum: ['running', 'paused', 'completed', 'rolled-back', 'aborted'] },
    stage: { type: 'integer', description: 'index of the stage in effect; -1 before the first write' },
    stageStartedAt: { type: 'number' },
    step: { type: 'integer' },
    cohorts: { type: 'array', items: { type: 'object', additionalProperties: true } },
    reason: { type: 'string', description: 'why it is paused, rolled back, or holding' },
    lastReport: {
      type: 'object',
      properties: { at: { type: 'number' }, guardrails: { type: 'array', items: guardrailReport } },
      additionalProperties: true,
    },
    events: {
      type: 'array',
      description:
        "the plan's history, oldest first: who did what (actor `rollout:<plan>` for the controller)",
      items: {
        type: 'object',
        properties: {
          at: { type: 'number' },
          actor: { type: 'string' },
          action: { type: 'string' },
          detail: { type: 'string' },
          flagVersion: { type: 'integer' },
        },
        additionalProperties: true,
      },
    },
  },
  additionalProperties: true,
} as const;

/** One rollout with its version and the flag as it is now. */
export const rolloutViewSchema = {
  type: 'object',
  required: ['rollout', 'version', 'live'],
  properties: {
    rollout: rolloutRecordSchema,
    version: { type: 'integer', description: 'compare-and-set version (`ETag: "r<version>"`)' },
    live: {
      type: ['object', 'null'],
      properties: {
        weights: { type: ['object', 'null'], additionalProperties: { type: 'integer' } },
        releasedPercent: { type: ['number', 'null'] },
        asPlanned: { type: 'boolean', description: 'false when someone else changed the flag' },
      },
    },
  },
  additionalProperties: false,
} as const;

export const rolloutListSchema = {
  type: 'object',
  required: ['rollouts'],
  properties: {
    rollouts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rollout', 'version'],
        properties: { rollout: rolloutRecordSchema, version: { type: 'integer' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** A schedule as sent. */
export const scheduleBody = {
  type: 'object',
  required: ['flagKey', 'at', 'action'],
  properties: {
    id: PLAN_ID,
    flagKey: flagKeySchema,
    at: {
      anyOf: [{ type: 'string' }, { type: 'integer' }],
      description: 'when: ISO-8601 with its offset ("2026-03-31T09:00:00+02:00") or ms since the epoch',
    },
    action: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string', enum: ['enable', 'disable', 'kill', 'restore', 'weights'] },
        weights: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
      },
      additionalProperties: false,
    },
    reason: reasonSchema,
  },
  additionalProperties: false,
} as const;

export const scheduleRecordSchema = {
  type: 'object',
  required: ['id', 'flagKey', 'at', 'action', 'status'],
  properties: {
    id: { type: 'string' },
    flagSet: { type: 'string' },
    flagKey: { type: 'string' },
    at: { type: 'number' },
    action: { type: 'object', additionalProperties: true },
    reason: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'done', 'failed', 'cancelled'] },
    createdBy: { type: 'string' },
    createdAt: { type: 'number' },
    result: {
      type: 'object',
      additionalProperties: true,
      description: 'when it ran, how late, the version written',
    },
    error: { type: 'string' },
    cancelledBy: { type: 'string' },
  },
  additionalProperties: true,
} as const;

export const scheduleViewSchema = {
  type: 'object',
  required: ['schedule', 'version'],
  properties: { schedule: scheduleRecordSchema, version: { type: 'integer' } },
  additionalProperties: false,
} as const;

export const scheduleListSchema = {
  type: 'object',
  required: ['schedules'],
  properties: { schedules: { type: 'array', items: scheduleViewSchema } },
  additionalProperties: false,
} as const;

/** Experiment results (`ExperimentAnalysis` and the cohort). */
export const experimentSchema = {
  type: 'object',
  required: ['flagKey', 'metric', 'control', 'cohort', 'variants', 'users', 'warnings', 'method'],
  properties: {
    flagKey: { type: 'string' },
    metric: { type: 'string' },
    control: { type: 'string' },
    cohort: { type: 'string' },
    users: { type: 'number', description: 'exposure units analysed' },
    usersInSeveralVariants: { type: 'number' },
    variants: { type: 'array', items: { type: 'object', additionalProperties: true } },
    sampleRatio: { type: ['object', 'null'], additionalProperties: true },
    warnings: { type: 'array', items: { type: 'string' } },
    method: { type: 'object', additionalProperties: true },
  },
  additionalProperties: false,
} as const;
