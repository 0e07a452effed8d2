import { MAX_FLAG_KEY_LENGTH } from '@ensign/core';
/**
 * JSON schemas of the lifecycle routes: the report, archive records, the code-scan summary, the
 * weekly report's deliveries and the OpenFeature CLI manifest. They validate requests and are
 * the OpenAPI document's description of every answer.
 */
import { FLAG_KINDS, FLAG_STATUSES, LIFECYCLE_STAGES } from '@ensign/lifecycle';
import { storedFlagSchema } from '../admin/schemas.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const text = { type: 'string' } as const;
const counts = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } as const;

const reasonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: text, message: text },
  additionalProperties: false,
} as const;

/** One flag of the report. */
export const flagLifecycleSchema = {
  type: 'object',
  required: ['flagKey', 'kind', 'temporary', 'lifetimeDays', 'recentVariants', 'status', 'stage', 'reasons'],
  properties: {
    flagKey: text,
    kind: { type: 'string', description: 'the kind its lifecycle follows (declared, or the policy default)' },
    declaredKind: { type: 'string', description: 'the `kind` metadata as written, when it differs' },
    temporary: { type: 'boolean' },
    lifetimeDays: {
      type: ['integer', 'number', 'null'],
      description: 'expected lifetime; null for permanent kinds',
    },
    owner: text,
    description: text,
    expiresAt: dateTime,
    createdAt: dateTime,
    existsSince: { ...dateTime, description: 'created before the audit log begins: at least this old' },
    lastChangedAt: dateTime,
    ageDays: { type: 'integer', minimum: 0 },
    lastEvaluatedAt: dateTime,
    recentVariants: {
      type: 'array',
      items: text,
      description: 'outcomes served within launchedAfterDays ("" is the code default)',
    },
    status: { type: 'string', enum: [...FLAG_STATUSES] },
    stage: { type: 'string', enum: [...LIFECYCLE_STAGES] },
    reasons: { type: 'array', items: reasonSchema },
    codeReferences: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;

const byName = (names: readonly string[]) => ({
  type: 'object',
  required: [...names],
  properties: Object.fromEntries(names.map((n) => [n, { type: 'integer', minimum: 0 }])),
  additionalProperties: false,
});

const lifetimes = {
  type: 'object',
  properties: Object.fromEntries(FLAG_KINDS.map((k) => [k, { type: ['number', 'null'] }])),
  additionalProperties: false,
} as const;

/** The report of a set. */
export const lifecycleReportSchema = {
  type: 'object',
  required: ['flagSet', 'version', 'generatedAt', 'policy', 'summary', 'flags', 'unknownFlags', 'archived'],
  properties: {
    flagSet: text,
    version: { type: 'integer' },
    generatedAt: dateTime,
    policy: {
      type: 'object',
      required: ['lifetimeDays', 'defaultKind', 'newForDays', 'launchedAfterDays', 'inactiveAfterDays'],
      properties: {
        lifetimeDays: lifetimes,
        defaultKind: { type: 'string', enum: [...FLAG_KINDS] },
        newForDays: { type: 'number' },
        launchedAfterDays: { type: 'number' },
        inactiveAfterDays: { type: 'number' },
      },
      additionalProperties: false,
    },
    usageSince: { ...dateTime, description: 'since when evaluations are recorded; absent: never' },
    codeScan: {
      type: 'object',
      required: ['scannedAt'],
      properties: { scannedAt: dateTime, source: text, revision: text },
      additionalProperties: false,
    },
    summary: {
      type: 'object',
      required: ['flags', 'byStatus', 'byStage', 'unknownFlags', 'archived'],
      properties: {
        flags: { type: 'integer' },
        byStatus: byName(FLAG_STATUSES),
        byStage: byName(LIFECYCLE_STAGES),
        unknownFlags: { type: 'integer' },
        archived: { type: 'integer' },
      },
      additionalProperties: false,
    },
    flags: { type: 'array', items: flagLifecycleSchema, description: 'every flag, most urgent stage first' },
    unknownFlags: {
      type: 'array',
      description: 'keys evaluated while the set lacked them (FLAG_NOT_FOUND), not archived',
      items: {
        type: 'object',
        required: ['flagKey', 'lastEvaluatedAt'],
        properties: { flagKey: text, lastEvaluatedAt: dateTime, codeReferences: { type: 'integer' } },
        additionalProperties: false,
      },
    },
    archived: {
      type: 'array',
      items: {
        type: 'object',
        required: ['flagKey', 'archivedAt', 'archivedBy'],
        properties: {
          flagKey: text,
          archivedAt: dateTime,
          archivedBy: text,
          reason: text,
          kind: text,
          owner: text,
          lastEvaluatedAt: {
            ...dateTime,
            description: 'evaluated after it was archived: code still calls it',
          },
          codeReferences: { type: 'integer' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** An archive record. */
export const archiveRecordSchema = {
  type: 'object',
  required: ['flagKey', 'flag', 'etag', 'archivedAt', 'archivedBy', 'version'],
  properties: {
    flagKey: text,
    flag: { ...storedFlagSchema, description: 'the definition, exactly as it was stored' },
    etag: { type: 'string', description: 'its ETag when archived; the restored flag has the same' },
    archivedAt: dateTime,
    archivedBy: text,
    reason: text,
    version: { type: 'integer', description: "the set's version written by the removal" },
  },
  additionalProperties: false,
} as const;

/** What archiving answers. */
export const archiveResultSchema = {
  type: 'object',
  required: ['flagSet', 'flagKey', 'changed', 'version', 'archived'],
  properties: {
    flagSet: text,
    flagKey: text,
    changed: { type: 'boolean', description: 'false when it was already archived (nothing written)' },
    version: { type: 'integer', description: "the set's version after the removal" },
    archived: archiveRecordSchema,
  },
  additionalProperties: false,
} as const;

/** What unarchiving answers. */
export const unarchiveResultSchema = {
  type: 'object',
  required: ['flagSet', 'flagKey', 'version', 'etag', 'flag', 'restoredFrom'],
  properties: {
    flagSet: text,
    flagKey: text,
    version: { type: 'integer' },
    etag: text,
    flag: storedFlagSchema,
    restoredFrom: archiveRecordSchema,
  },
  additionalProperties: false,
} as const;

/** The archived flags of a set. */
export const archivedListSchema = {
  type: 'object',
  required: ['flagSet', 'flags'],
  properties: { flagSet: text, flags: { type: 'array', items: archiveRecordSchema } },
  additionalProperties: false,
} as const;

const keyCounts = {
  ...counts,
  propertyNames: { minLength: 1, maxLength: MAX_FLAG_KEY_LENGTH },
  maxProperties: 100_000,
} as const;

/** A code scan summary (`ensign refs --upload`). */
export const codeReferencesBody = {
  type: 'object',
  required: ['flags'],
  properties: {
    scannedAt: { ...dateTime, description: 'when the scan ran (default: now)' },
    source: { type: 'string', maxLength: 512, description: 'what was scanned (a repository)' },
    revision: { type: 'string', maxLength: 256, description: 'the revision scanned (a commit)' },
    flags: { ...keyCounts, description: 'references per flag key of the set (0 included)' },
    missing: { ...keyCounts, description: 'references per key the set lacks' },
  },
  additionalProperties: false,
} as const;

/** The code scan as kept. */
export const codeReferencesSchema = {
  ...codeReferencesBody,
  required: ['scannedAt', 'flags'],
} as const;

/** The outcome of sending a report. */
export const notifyResultSchema = {
  type: 'object',
  required: ['flagSet', 'deliveries'],
  properties: {
    flagSet: text,
    deliveries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['webhookId', 'deliveryId', 'delivered', 'attempts'],
        properties: {
          webhookId: text,
          deliveryId: text,
          delivered: { type: 'boolean' },
          attempts: { type: 'integer' },
          status: { type: 'integer', description: "the receiver's HTTP status" },
          error: text,
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** The OpenFeature CLI sync API's manifest envelope. */
export const manifestSchema = {
  type: 'object',
  required: ['flags'],
  properties: {
    flags: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'type', 'defaultValue'],
        properties: {
          key: text,
          name: text,
          type: { type: 'string', enum: ['boolean', 'string', 'integer', 'float', 'object'] },
          description: text,
          defaultValue: {},
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
