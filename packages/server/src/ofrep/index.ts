/**
 * OFREP (`/ofrep/v1`, OpenFeature Remote Evaluation Protocol v0.3): single-flag and bulk
 * evaluation from the live compiled sets, ETags and 304s, event streams (ADR-0008), and CORS for
 * browser clients. The routes live in their own fastify scope, which replaces three things of the
 * rest of the server for them: the JSON parser (hostile contexts refused), the error answers
 * (OFREP's `errorCode` bodies, bare 401/403/429) and CORS (per token, after authentication).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { HttpProblem } from '../http/problem.js';
import { PreparedSets } from './audience.js';
import { answerPreflight, corsDecision, corsHeaders } from './cors.js';
import { registerOfrepErrorHandler } from './errors.js';
import { EVENTS_PATH, registerEvaluationRoutes } from './evaluate.js';
import { EventStreams } from './event-streams.js';
import { installOfrepBodyParser } from './request-body.js';

/** Registers the OFREP routes. */
export async function registerOfrepRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  await app.register(async (scope) => {
    installOfrepBodyParser(scope, context.bodyLimit);
    registerOfrepErrorHandler(scope);
    // After the authentication hook (the parent's hooks run first) and before the body is read,
    // so that even a 400 reaches a browser that may read it.
    scope.addHook('onRequest', (request, reply, done) => {
      const principal = request.principal;
      const decision = principal === undefined ? undefined : corsDecision(principal, request); // preflights: none
      if (decision === false) {
        done(new HttpProblem(403, 'origin-refused', 'This token may not be used from this origin'));
        return;
      }
      if (decision !== undefined) reply.headers(corsHeaders(decision));
      done();
    });
    for (const path of ['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/:key', EVENTS_PATH]) {
      scope.options(path, { schema: { hide: true }, config: { permission: 'public' } }, answerPreflight);
    }
    const prepared = new PreparedSets();
    registerEvaluationRoutes(scope, context, prepared);
    const streams = new EventStreams(context, prepared);
    streams.register(scope);
    // Open streams would keep `close()` waiting for their connections.
    scope.addHook('preClose', async () => streams.closeAll());
  });
}
