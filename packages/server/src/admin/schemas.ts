import { MAX_FLAG_KEY_LENGTH } from '@ensign/core';
/**
 * JSON schemas of the admin API: flags and flag sets in flagd's format, history, intent actions,
 * tokens. Requests refuse unknown fields; the flag-set validator of `@ensign/core` then checks
 * what a schema cannot (a default variant that names a variant, rules that compile).
 */
import { MAX_ACTOR_LENGTH, MAX_REASON_LENGTH } from '@ensign/store';

/** Flag-set ids the API accepts: letters, digits, `.`, `_`, `-`; at most 128 characters. */
export const FLAG_SET_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

/** A flag-set id in a path or a body. */
export const flagSetIdSchema = {
  type: 'string',
  pattern: FLAG_SET_ID_PATTERN,
  description: 'a flag set (an environment of an app, e.g. `fitness-production`)',
} as const;

/** A flag key in a path or a body (as long as `@ensign/core` allows). */
export const flagKeySchema = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_FLAG_KEY_LENGTH,
  description: 'a flag key (URL-encoded in paths)',
} as const;

/** Path parameters of routes about one flag set. */
export const setParams = {
  type: 'object',
  required: ['set'],
  properties: { set: flagSetIdSchema },
  additionalProperties: false,
} as const;

/** Path parameters of routes about one flag. */
export const flagParams = {
  type: 'object',
  required: ['set', 'key'],
  properties: { set: flagSetIdSchema, key: flagKeySchema },
  additionalProperties: false,
} as const;

/** A write's reason (as long as the store allows). */
export const reasonSchema = {
  type: 'string',
  maxLength: MAX_REASON_LENGTH,
  description: 'why: recorded in the audit log with the actor (the token)',
} as const;

/** `?reason=` of writes whose body is a flag or a document (PUT, PATCH, DELETE). */
export const reasonQuery = {
  type: 'object',
  properties: { reason: reasonSchema },
  additionalProperties: false,
} as const;

/** `?limit=` of history reads (a query string is text: digits, 1 to 1000). */
export const historyQuery = {
  type: 'object',
  properties: {
    limit: {
      type: 'string',
      pattern: '^(1000|[1-9][0-9]{0,2})$',
      description: 'most entries, newest first (1 to 1000; default 50)',
    },
  },
  additionalProperties: false,
} as const;

const ETAG_TEXT =
  'an entity tag: a flag\'s ETag (`"…"`) on flag routes, a set\'s (`"v<version>"`) on set routes';

/** Preconditions of writes to something that exists (If-Match). */
export const writeHeaders = {
  type: 'object',
  properties: {
    'if-match': {
      type: 'string',
      maxLength: 256,
      description: `${ETAG_TEXT}; \`*\` to write whatever the flag is now. Required (428 without).`,
    },
  },
} as const;

/** Preconditions of creating or replacing (PUT): `If-None-Match: *` creates only. */
export const putHeaders = {
  type: 'object',
  properties: {
    'if-match': writeHeaders.properties['if-match'],
    'if-none-match': {
      type: 'string',
      maxLength: 256,
      description: '`*`: create only (412 if it exists)',
    },
  },
} as const;

const metadataSchema = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
  description:
    'string, number or boolean values; conventional keys: kind, owner, expiresAt, clientSide, offVariant; a kill adds killedAt, killedBy, killReason, killMode',
} as const;

/** A flag as written (flagd's flag definition). */
export const flagSchema = {
  type: 'object',
  required: ['state', 'variants'],
  properties: {
    state: { type: 'string', enum: ['ENABLED', 'DISABLED'] },
    variants: {
      type: 'object',
      additionalProperties: {},
      description: 'variant name → value (all of one type)',
    },
    defaultVariant: { type: ['string', 'null'] },
    targeting: {
      type: 'object',
      additionalProperties: true,
      description: "JsonLogic with flagd's operators",
    },
    metadata: metadataSchema,
  },
  additionalProperties: false,
} as const;

/** A flag as stored and answered (a flag written by hand that is not JSON is its raw text). */
export const storedFlagSchema = {
  anyOf: [
    { ...flagSchema, required: [], additionalProperties: true },
    { type: 'string', description: 'a stored flag that is not valid JSON (written by hand)' },
  ],
} as const;

/** A partial flag: each field given replaces the stored one; `null` removes an optional one. */
export const flagPatchSchema = {
  type: 'object',
  minProperties: 1,
  properties: {
    state: flagSchema.properties.state,
    variants: flagSchema.properties.variants,
    defaultVariant: { type: ['string', 'null'] },
    targeting: { type: ['object', 'null'], additionalProperties: true },
    metadata: { ...metadataSchema, type: ['object', 'null'] },
  },
  additionalProperties: false,
} as const;

/** A flag set in flagd's format (import). */
export const flagSetDocumentSchema = {
  type: 'object',
  required: ['flags'],
  properties: {
    $schema: { type: 'string' },
    flags: { type: 'object', additionalProperties: flagSchema },
    $evaluators: {
      type: 'object',
      additionalProperties: true,
      description: 'shared rules (segments), referenced with {"$ref": name}',
    },
    metadata: metadataSchema,
  },
  additionalProperties: false,
} as const;

/** A flag set as exported. */
export const exportedFlagSetSchema = {
  type: 'object',
  required: ['flags'],
  properties: {
    $schema: { type: 'string' },
    flags: { type: 'object', additionalProperties: storedFlagSchema },
    $evaluators: { type: 'object', additionalProperties: {} },
    metadata: metadataSchema,
  },
  additionalProperties: false,
} as const;

/** One change between two versions, at a JSON Pointer of the set's document. */
export const jsonChangeSchema = {
  type: 'object',
  required: ['op', 'path'],
  properties: {
    op: { type: 'string', enum: ['add', 'remove', 'replace'] },
    path: { type: 'string', description: 'JSON Pointer into the flag-set document' },
    before: { description: 'the value before (absent for add)' },
    after: { description: 'the value after (absent for remove)' },
  },
  additionalProperties: false,
} as const;

/** One write in a history answer, with its changes. */
export const historyEntrySchema = {
  type: 'object',
  required: ['version', 'operation', 'actor', 'at', 'before', 'after', 'changes'],
  properties: {
    version: { type: 'integer', description: "the set's version this write made" },
    operation: { type: 'string', enum: ['put', 'delete', 'patch', 'replace', 'revert'] },
    flagKey: { type: 'string' },
    actor: { type: 'string', maxLength: MAX_ACTOR_LENGTH },
    reason: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    before: {
      description: "the flag (or, for a whole-set write in a set's history, the set) before; null if absent",
    },
    after: { description: 'the flag (or set) after; null when removed' },
    changes: { type: 'array', items: jsonChangeSchema },
  },
  additionalProperties: false,
} as const;

/** A history answer: entries newest first. */
export const historySchema = {
  type: 'object',
  required: ['flagSet', 'entries'],
  properties: {
    flagSet: { type: 'string' },
    flagKey: { type: 'string' },
    entries: { type: 'array', items: historyEntrySchema, description: 'newest first' },
  },
  additionalProperties: false,
} as const;

/** What a write to one flag answers. */
const flagWriteProperties = {
  flagSet: { type: 'string' },
  flagKey: { type: 'string' },
  changed: { type: 'boolean', description: 'false when the action was already in effect (nothing written)' },
  version: { type: 'integer', description: "the set's version after the write" },
  etag: { type: 'string', description: "the flag's ETag after the write (also the ETag header)" },
  flag: {
    anyOf: [storedFlagSchema, { type: 'null' }],
    description: 'the flag after the write (null: removed)',
  },
} as const;

/** The answer of a write to one flag, with the `extra` properties of an action (and those `required`). */
export function flagWriteSchema(extra: Record<string, unknown> = {}, required: string[] = []): object {
  return {
    type: 'object',
    required: ['flagSet', 'flagKey', 'changed', 'version', 'etag', 'flag', ...required],
    properties: { ...flagWriteProperties, ...extra },
    additionalProperties: false,
  };
}

/** A body with only an optional reason (kill, restore). */
export const reasonBody = {
  type: 'object',
  properties: { reason: reasonSchema },
  additionalProperties: false,
} as const;
