/**
 * The two evaluation routes. Both answer from the live compiled set (no store round trip):
 * - `POST /ofrep/v1/evaluate/flags/{key}` (server tokens): 200 with the result, 400 with an
 *   `evaluationFailure` when the flag cannot be evaluated (`PARSE_ERROR`, `GENERAL`), 404
 *   `FLAG_NOT_FOUND`;
 * - `POST /ofrep/v1/evaluate/flags` (server, client and widget tokens): every flag the token
 *   sees, sorted by key, with the set metadata and the event-stream link; a strong `ETag` that
 *   is a hash of the body, and 304 when `If-None-Match` names it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/authenticate.js';
import type { ServerContext } from '../context.js';
import {
  type Audience,
  type PreparedSets,
  audienceOf,
  baseUrlOf,
  bearerTokenOf,
  liveSetOf,
} from './audience.js';
import { JSON_TYPE, failureBody } from './errors.js';
import { untilVersion, versionOfFlagConfigEtag } from './freshness.js';
import { type Piece, type PreparedSet, bulkBody, bulkETag, pieceOf } from './prepared-set.js';
import { BULK_SCHEMA, type EvaluationRequest, SINGLE_SCHEMA } from './schemas.js';

/** `inactivityDelaySec` of the event streams this server hands out (OFREP's default). */
export const INACTIVITY_DELAY_SEC = 120;
/** The path of the OFREP event stream. */
export const EVENTS_PATH = '/ofrep/v1/events';

/** Does `If-None-Match` name `etag` (a list, weak forms and `*` included)? */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag || header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** Most event-stream links kept per set version (one per token and base URL). */
const MAX_STREAM_LINKS = 4_096;
const streamLinks = new WeakMap<PreparedSet, Map<string, Piece>>();

/** The `eventStreams` piece of a bulk answer for a token, announcing the version it was made at. */
function eventStreams(set: PreparedSet, baseUrl: string, token: string): Piece {
  let links = streamLinks.get(set);
  if (links === undefined) {
    links = new Map();
    streamLinks.set(set, links);
  }
  const id = `${baseUrl} ${token}`;
  let piece = links.get(id);
  if (piece === undefined) {
    const url = `${baseUrl}${EVENTS_PATH}?token=${encodeURIComponent(token)}&since=${set.version}`;
    piece = pieceOf(
      `[{"type":"sse","url":${JSON.stringify(url)},"inactivityDelaySec":${INACTIVITY_DELAY_SEC}}]`,
    );
    // Tokens are many only with widget tokens, which expire: a flood only resets the cache.
    if (links.size >= MAX_STREAM_LINKS) links.clear();
    links.set(id, piece);
  }
  return piece;
}

/** Registers the single-flag and bulk evaluation routes on `scope`. */
export function registerEvaluationRoutes(
  scope: FastifyInstance,
  context: ServerContext,
  prepared: PreparedSets,
): void {
  async function audience(request: FastifyRequest<{ Body: EvaluationRequest }>): Promise<Audience> {
    const principal = principalOf(request);
    const live = await liveSetOf(context, principal);
    return audienceOf(prepared.of(live), live, principal, request.body.context);
  }

  scope.post<{ Params: { key: string }; Body: EvaluationRequest }>(
    '/ofrep/v1/evaluate/flags/:key',
    { schema: SINGLE_SCHEMA, config: { permission: 'evaluate', bareErrors: true } },
    async (request, reply) => {
      const { prepared: set, live, context: evaluationContext } = await audience(request);
      const key = request.params.key;
      const flag = set.compiled.get(key);
      reply.type(JSON_TYPE);
      if (flag === undefined) {
        context.metrics?.ofrepEvaluation(live.flagSet, key, { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
        return reply.code(404).send(failureBody('FLAG_NOT_FOUND', `flag "${key}" was not found`, key));
      }
      const resolution = flag.resolve(evaluationContext);
      context.metrics?.ofrepEvaluation(live.flagSet, key, resolution);
      return reply.code(resolution.errorCode === undefined ? 200 : 400).send(set.piece(resolution).json);
    },
  );

  scope.post<{
    Body: EvaluationRequest;
    Querystring: { flagConfigEtag?: string; flagConfigLastModified?: string };
  }>(
    '/ofrep/v1/evaluate/flags',
    { schema: BULK_SCHEMA, config: { permission: 'evaluate-bulk', bareErrors: true } },
    async (request, reply) => {
      const announced = versionOfFlagConfigEtag(request.query.flagConfigEtag);
      if (announced !== undefined) {
        await untilVersion(await liveSetOf(context, principalOf(request)), announced);
      }
      const { prepared: set, live, list, context: evaluationContext } = await audience(request);
      const pieces = set.evaluate(list, evaluationContext);
      const streams = eventStreams(set, baseUrlOf(context, request), bearerTokenOf(request) ?? '');
      const etag = bulkETag(pieces, set.metadata, streams);
      reply.header('etag', etag);
      if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
      context.metrics?.ofrepBulkFlags.inc([live.flagSet], pieces.length);
      return reply.type(JSON_TYPE).send(bulkBody(pieces, set.metadata, streams));
    },
  );
}
