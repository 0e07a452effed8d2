/**
 * JSON schemas every route module shares: the problem document (RFC 9457) and the response
 * entries that declare it. Route schemas are the single source of validation and of the OpenAPI
 * document, so errors are declared per route like any other answer.
 */

/** One problem inside a problem document (`errors[]`). */
export const problemIssueSchema = {
  type: 'object',
  required: ['pointer', 'message'],
  properties: {
    pointer: {
      type: 'string',
      description:
        'JSON Pointer: into the request part named by the title for 400, into the flag-set document for 422',
    },
    flagKey: { type: 'string', description: 'the flag the problem belongs to' },
    field: { type: 'string', description: 'the field or argument refused' },
    message: { type: 'string' },
  },
  additionalProperties: false,
} as const;

/** An RFC 9457 problem document; extension members (e.g. `currentVersion`) are allowed. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'a URI naming the kind of problem' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'the request id (`urn:request:…`), as in the server log' },
    errors: { type: 'array', items: problemIssueSchema },
  },
  additionalProperties: true,
} as const;

/** What each error status means, as the OpenAPI document says it. */
export const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is malformed: invalid JSON, wrong types, unknown fields (errors[] by JSON Pointer)',
  401: 'No token, or the token is unknown, revoked or expired',
  403: 'The token may not do this (role, or flag set outside its scope)',
  404: 'No such flag set, flag or token',
  409: 'The request conflicts with the stored state (e.g. restore of a flag that is not killed)',
  412: 'The flag or set changed since it was read (If-Match does not match); reload and reapply',
  413: 'The body is larger than the server accepts',
  415: 'The body is not application/json',
  422: 'The change would make the flag set invalid (errors[] by JSON Pointer and flag key)',
  428: 'A write needs If-Match (or If-None-Match: * to create)',
  429: 'Rate limit of the token exceeded; see Retry-After',
};

/** A response entry for each status: a problem document as `application/problem+json`. */
export function problemResponses(statuses: readonly number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem document',
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return out;
}
