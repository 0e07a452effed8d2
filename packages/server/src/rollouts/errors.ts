/**
 * Problem documents of the rollout routes: `RolloutError`s keep their meaning (an invalid plan is
 * 422 with every problem by JSON Pointer, a plan that does not fit the flag 409, a stale
 * `If-Match` 412); everything else as the admin API maps it.
 */
import { RolloutError, type RolloutErrorCode } from '@ensign/rollouts';
import type { Logger } from '@openfeature/server-sdk';
import type { FastifyInstance } from 'fastify';
import { adminProblemOf } from '../admin/errors.js';
import { PROBLEM_BASE, type ProblemDocument, flagKeyParam, registerScopeProblems } from '../http/problem.js';

const TITLES: Readonly<Record<RolloutErrorCode, [status: number, title: string]>> = {
  'invalid-plan': [422, 'The rollout plan is invalid'],
  'invalid-schedule': [422, 'The schedule is invalid'],
  'flag-not-found': [404, 'No such flag'],
  'unknown-variant': [422, 'The flag has no such variant'],
  'not-a-split': [409, 'The flag is not a percentage split'],
  'not-adjacent': [409, 'The variants are not neighbours in the split'],
  'rollout-exists': [409, 'A rollout or schedule of that id, or a running rollout of the flag, exists'],
  'not-found': [404, 'No such rollout or schedule'],
  'wrong-status': [409, 'Not possible in its current status'],
  conflict: [412, 'The rollout or schedule changed since it was read'],
};

/** The problem document of an error of a rollout route. */
export function rolloutProblemOf(error: unknown): ProblemDocument {
  if (!(error instanceof RolloutError)) return adminProblemOf(error, undefined);
  const [status, title] = TITLES[error.code];
  return {
    type: `${PROBLEM_BASE}${error.code}`,
    title,
    status,
    detail: error.message,
    flagSet: error.flagSet,
    ...(error.problems.length > 0 && {
      errors: error.problems.map((p) => ({ pointer: p.pointer, message: p.message })),
    }),
  };
}

/** Installs the mapping in the rollout routes' scope. */
export function registerRolloutErrors(scope: FastifyInstance, logger: Logger): void {
  registerScopeProblems(scope, logger, 'rollouts API', (error) => rolloutProblemOf(error));
}
