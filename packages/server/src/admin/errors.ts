/**
 * The admin API's errors: the server-wide problem mapping, plus what only admin routes raise:
 * intents that do not fit the flag
 * (`IntentError` → 409, or 422 when a request field names something the flag lacks), and the
 * flag key added to every request problem of a flag route.
 */
import { IntentError, type IntentErrorCode } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { FastifyInstance } from 'fastify';
import {
  PROBLEM_BASE,
  type ProblemDocument,
  type ProblemIssue,
  flagKeyParam,
  problemOf,
  registerScopeProblems,
} from '../http/problem.js';

const INTENT_TITLES: Readonly<Record<IntentErrorCode, [status: number, title: string]>> = {
  'not-killed': [409, 'The flag is not killed'],
  'changed-since-kill': [409, 'The flag changed after it was killed'],
  'kill-not-restorable': [409, 'There is no definition from before the kill'],
  'not-a-flag': [409, 'The stored flag is not a flag object'],
  'no-single-split': [409, 'The flag has no single fractional split'],
  'split-not-literal': [409, 'The fractional split is not a list of literal buckets'],
  'empty-source': [409, 'The source flag set was never written'],
  'unknown-variant': [422, 'The flag has no such variant'],
  'unknown-segment': [422, 'The flag set has no such segment'],
  'invalid-weights': [422, 'The weights are invalid'],
};

/** The problem document for an error of an admin route. */
export function adminProblemOf(error: unknown, flagKey: string | undefined): ProblemDocument {
  if (error instanceof IntentError) {
    const [status, title] = INTENT_TITLES[error.code];
    const issue: ProblemIssue | undefined =
      error.pointer === undefined
        ? undefined
        : {
            pointer: error.pointer,
            ...(error.flagKey !== undefined && { flagKey: error.flagKey }),
            message: error.message,
          };
    return {
      type: `${PROBLEM_BASE}${error.code}`,
      title,
      status,
      detail: error.message,
      flagSet: error.flagSet,
      ...(error.flagKey !== undefined && { flagKey: error.flagKey }),
      ...(issue && { errors: [issue] }),
    };
  }
  const problem = problemOf(error);
  if (flagKey !== undefined && problem.status === 400 && problem.errors !== undefined) {
    // A request problem of a flag route names the flag it was about, as validation problems do.
    return {
      ...problem,
      flagKey,
      errors: problem.errors.map((issue) => (issue.flagKey === undefined ? { ...issue, flagKey } : issue)),
    };
  }
  return problem;
}

/** Installs the admin error handler in the admin routes' scope. */
export function registerAdminErrors(scope: FastifyInstance, logger: Logger): void {
  registerScopeProblems(scope, logger, 'admin API', (error, request) =>
    adminProblemOf(error, flagKeyParam(request)),
  );
}
