/**
 * Errors as RFC 9457 problem documents (`application/problem+json`), one mapping for every route:
 * validation problems carry the flag key and the JSON Pointer exactly as the validator reports
 * them, store errors keep their meaning (a stale edit is 412, a missing flag 404), and nothing
 * unexpected leaks (a 500 says only that it happened and its request id).
 */
import { FlagSetValidationError } from '@ensign/core';
import {
  FlagConflictError,
  FlagStoreError,
  HistoryUnavailableError,
  InvalidArgumentError,
  MissingFlagError,
  StorePermissionError,
  VersionConflictError,
} from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** One problem inside a document: where it is and what is wrong. */
export interface ProblemIssue {
  /** JSON Pointer into the request body (or the flag-set document for validation problems). */
  readonly pointer: string;
  /** The flag the problem belongs to, when it belongs to one. */
  readonly flagKey?: string;
  /** The field or argument refused, when it is one. */
  readonly field?: string;
  readonly message: string;
}

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  /** A URI naming the kind of problem (`about:blank` when the status says it all). */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  /** The request id, to find the request in the server's log. */
  readonly instance?: string;
  /** Every problem found, for validation errors. */
  readonly errors?: readonly ProblemIssue[];
  /** Extension members (e.g. `currentVersion` on a conflict). */
  readonly [extension: string]: unknown;
}

/** The base of this server's problem type URIs. */
export const PROBLEM_BASE = 'https://ensign.dev/problems/';

/** Thrown by handlers to answer with a problem document. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    /** Short, stable, per kind of problem (e.g. `flag-not-found`); becomes the `type` URI. */
    readonly kind: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

function fromFastifyValidation(error: FastifyError): ProblemDocument {
  const issues: ProblemIssue[] = (error.validation ?? []).map((v) => {
    const missing =
      v.keyword === 'required'
        ? `/${String((v.params as { missingProperty?: string }).missingProperty)}`
        : '';
    const extra =
      v.keyword === 'additionalProperties'
        ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}`
        : '';
    const pointer = `${v.instancePath}${missing}${extra}`;
    return { pointer, message: extra ? 'is not an allowed field' : (v.message ?? 'is invalid') };
  });
  const where = error.validationContext ?? 'body';
  return {
    type: `${PROBLEM_BASE}invalid-request`,
    title: `The request ${where} is invalid`,
    status: 400,
    detail: issues.map((i) => `${where}${i.pointer || ''}: ${i.message}`).join('; '),
    errors: issues,
  };
}

/** The problem document for any error a route may raise. */
export function problemOf(error: unknown): ProblemDocument {
  if (error instanceof HttpProblem) {
    return {
      type: `${PROBLEM_BASE}${error.kind}`,
      title: error.title,
      status: error.status,
      ...(error.message !== error.title && { detail: error.message }),
      ...error.extensions,
    };
  }
  if (error instanceof FlagSetValidationError) {
    return {
      type: `${PROBLEM_BASE}invalid-flag-set`,
      title: 'The flag set would be invalid',
      status: 422,
      detail: error.message,
      errors: error.issues.map((issue) => ({
        pointer: issue.path,
        ...(issue.flagKey !== undefined && { flagKey: issue.flagKey }),
        message: issue.message,
      })),
    };
  }
  if (error instanceof InvalidArgumentError) {
    return {
      type: `${PROBLEM_BASE}invalid-argument`,
      title: 'An argument is invalid',
      status: 400,
      detail: error.message,
      errors: [{ pointer: '', field: error.argument, message: error.message }],
    };
  }
  // Per-flag compare-and-set, from any route (admin, lifecycle archive, rollouts): always 412.
  if (error instanceof FlagConflictError) {
    return {
      type: `${PROBLEM_BASE}flag-conflict`,
      title: 'The flag changed since it was read',
      status: 412,
      detail: error.message,
      flagSet: error.flagSet,
      flagKey: error.flagKey,
      expectedEtag: error.expectedEtag,
      currentEtag: error.actualEtag,
    };
  }
  if (error instanceof VersionConflictError) {
    return {
      type: `${PROBLEM_BASE}version-conflict`,
      title: 'The flag set changed since it was read',
      status: 412,
      detail: error.message,
      flagSet: error.flagSet,
      expectedVersion: error.expectedVersion,
      currentVersion: error.actualVersion,
    };
  }
  if (error instanceof MissingFlagError) {
    return {
      type: `${PROBLEM_BASE}flag-not-found`,
      title: 'No such flag',
      status: 404,
      detail: error.message,
      flagSet: error.flagSet,
      flagKey: error.flagKey,
    };
  }
  if (error instanceof HistoryUnavailableError) {
    return {
      type: `${PROBLEM_BASE}history-unavailable`,
      title: 'That version cannot be rebuilt',
      status: 409,
      detail: error.message,
    };
  }
  if (error instanceof StorePermissionError) {
    // The server's own store credentials lack a permission: an operator problem, not the caller's.
    return {
      type: `${PROBLEM_BASE}store-permission`,
      title: 'The server may not do that in its store',
      status: 503,
    };
  }
  if (error instanceof FlagStoreError) {
    return {
      type: `${PROBLEM_BASE}store-error`,
      title: 'The flag store refused the operation',
      status: 409,
      detail: error.message,
    };
  }
  const fastify = error as Partial<FastifyError>;
  if (fastify.validation) return fromFastifyValidation(fastify as FastifyError);
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type.
    return {
      type: 'about:blank',
      title: fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Payload too large' : 'Bad request',
      status: fastify.statusCode,
      detail: fastify.message ?? 'bad request',
    };
  }
  return { type: 'about:blank', title: 'Internal server error', status: 500 };
}

/** Sends `problem` as `application/problem+json`. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: ProblemDocument,
): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problem, instance: `urn:request:${request.id}` });
}

/** The flag key a route names (`:key`), for problems that carry it. */
export function flagKeyParam(request: FastifyRequest): string | undefined {
  const key = (request.params as Record<string, unknown> | undefined)?.key;
  return typeof key === 'string' ? key : undefined;
}

/**
 * Installs a scope's own mapping (`problemOfError`, which maps what the scope's routes raise and
 * leaves the rest to the server-wide one). A failure (5xx) is logged in one line naming the API,
 * the method and the route, without the request's body or headers (they may hold tokens or user
 * data).
 */
export function registerScopeProblems(
  scope: FastifyInstance,
  logger: Logger,
  api: string,
  problemOfError: (error: unknown, request: FastifyRequest) => ProblemDocument,
): void {
  scope.setErrorHandler((error, request, reply) => {
    const problem = problemOfError(error, request);
    if (problem.status >= 500)
      logger.error(`${api}: ${request.method} ${request.routeOptions.url ?? ''} failed`, error);
    return sendProblem(reply, request, problem);
  });
}

/** Routes whose errors go out without a body (OFREP: 401/403/429 carry none). */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answer errors with a status only (no problem document). */
    bareErrors?: boolean;
  }
}

/** Every error of every route becomes a problem document; unexpected ones are logged, not shown. */
export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    if (request.routeOptions.config.bareErrors && (problem.status === 401 || problem.status === 403)) {
      return reply.code(problem.status).send();
    }
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, {
      type: `${PROBLEM_BASE}not-found`,
      title: 'Not found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}
