/**
 * OFREP's own error answers, in place of the problem documents of the rest of the server (OFREP
 * clients read `errorCode`): 400 with `PARSE_ERROR`, `INVALID_CONTEXT` or `GENERAL` (and the
 * flag key on single-flag routes), 404 `FLAG_NOT_FOUND`, 401/403/429 without a body (429 with
 * `Retry-After`), 500 with `errorDetails` only. Nothing internal leaks into `errorDetails`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problem.js';
import { corsForErrorAnswer } from './cors.js';

/** An OFREP error code as this server sends it. */
export type OfrepErrorCode =
  | 'PARSE_ERROR'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'GENERAL'
  | 'FLAG_NOT_FOUND';

/** The JSON content type of every OFREP answer with a body. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** A refused OFREP request (always a 400), raised by the body parser or a handler. */
export class OfrepRequestError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly errorCode: OfrepErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OfrepRequestError';
  }
}

/** The body of an OFREP failure (single-flag failures name the key; bulk ones do not). */
export function failureBody(errorCode: OfrepErrorCode, errorDetails: string, key?: string): string {
  return JSON.stringify(key === undefined ? { errorCode, errorDetails } : { key, errorCode, errorDetails });
}

function keyOf(request: FastifyRequest): string | undefined {
  const key = (request.params as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' ? key : undefined;
}

/** What a fastify validation error is about, in OFREP's words. */
function fromValidation(error: FastifyError): OfrepRequestError {
  const where = error.validationContext ?? 'body';
  const first = error.validation?.[0];
  const path = `${where}${first?.instancePath ?? ''}`;
  const detail = `${path}: ${first?.message ?? 'is invalid'}`;
  if (where !== 'body') return new OfrepRequestError('GENERAL', detail);
  // The body itself is not an object: nothing could be parsed out of it.
  if (first?.instancePath === '' && first.keyword === 'type')
    return new OfrepRequestError('PARSE_ERROR', 'the request body must be a JSON object');
  return new OfrepRequestError('INVALID_CONTEXT', detail);
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpProblem) return error.status;
  const code = (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

function send400(request: FastifyRequest, reply: FastifyReply, error: OfrepRequestError): FastifyReply {
  return reply
    .code(400)
    .type(JSON_TYPE)
    .send(failureBody(error.errorCode, error.message, keyOf(request)));
}

/** Installs OFREP's error answers for every route of `scope`. */
export function registerOfrepErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((error, request, reply) => {
    const status = statusOf(error);
    if (status === 401 || status === 403 || status === 429) {
      // No body (OFREP defines none); Retry-After was set by the hook that refused.
      corsForErrorAnswer(request, reply);
      return reply.code(status).send();
    }
    if (error instanceof OfrepRequestError) return send400(request, reply, error);
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) return send400(request, reply, fromValidation(fastifyError));
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return send400(request, reply, new OfrepRequestError('INVALID_CONTEXT', fastifyError.message));
    if (status !== undefined && status >= 400 && status < 500) {
      // The request could not be read as an OFREP request (media type, empty body, …).
      return send400(request, reply, new OfrepRequestError('PARSE_ERROR', fastifyError.message));
    }
    request.log.error({ err: error }, 'OFREP request failed');
    return reply
      .code(500)
      .type(JSON_TYPE)
      .send(JSON.stringify({ errorDetails: `internal error (request ${request.id})` }));
  });
}
