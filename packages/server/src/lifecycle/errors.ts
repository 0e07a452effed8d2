/**
 * Problem documents of the lifecycle routes: an unarchive that does not fit (`not-archived` 404,
 * `flag-exists` 409) keeps its meaning; everything else as the admin API maps it (a stale
 * `If-Match` 412, a missing flag 404, a definition the set no longer accepts 422).
 */
import { LifecycleError, type LifecycleErrorCode } from '@ensign/lifecycle';
import type { Logger } from '@openfeature/server-sdk';
import type { FastifyInstance } from 'fastify';
import { adminProblemOf } from '../admin/errors.js';
import { PROBLEM_BASE, type ProblemDocument, flagKeyParam, registerScopeProblems } from '../http/problem.js';

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
  registerScopeProblems(scope, logger, 'lifecycle API', (error, request) =>
    lifecycleProblemOf(error, flagKeyParam(request)),
  );
}
