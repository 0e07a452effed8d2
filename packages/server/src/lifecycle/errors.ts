/**
 * Problem documents of the lifecycle routes: an unarchive that does not fit (`not-archived` 404,
 * `flag-exists` 409) keeps its meaning; everything else as the admin API maps it (a stale
 * `If-Match` 412, a missing flag 404, a definition the set no longer accepts 422).
 */
import { LifecycleError, type LifecycleErrorCode } from '@ensign/lifecycle';
import type { Logger } from '@openfeature/server-sdk';
import type { FastifyInstance } from 'fastify';
import { adminProblemOf } from '../admin/errors.js';
import { PROBLEM_BASE, type ProblemDocument, sendProblem } from '../http/problem.js';

const TITLES: Readonly<Record<LifecycleErrorCode, [status: number, title: string]>> = {
  'not-archived': [404, 'The flag is not archived'],
  'flag-exists': [409, 'The flag set holds that key again'],
};

/** The problem document of an error of a lifecycle route. */
export function lifecycleProblemOf(error: unknown, flagKey: string | undefined): ProblemDocument {
  if (!(error instanceof LifecycleError)) return adminProblemOf(error, flagKey);
  const [status, title] = TITLES[error.code];
  return {
    type: `${PROBLEM_BASE}${error.code}`,
    title,
    status,
    detail: error.message,
    flagSet: error.flagSet,
    flagKey: error.flagKey,
  };
}

/** Installs the mapping in the lifecycle routes' scope. */
export function registerLifecycleErrors(scope: FastifyInstance, logger: Logger): void {
  scope.setErrorHandler((error, request, reply) => {
    const key = (request.params as Record<string, unknown> | undefined)?.key;
    const problem = lifecycleProblemOf(error, typeof key === 'string' ? key : undefined);
    if (problem.status >= 500)
      logger.error(`lifecycle API: ${request.method} ${request.routeOptions.url ?? ''} failed`, error);
    return sendProblem(reply, request, problem);
  });
}
