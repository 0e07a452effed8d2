/**
 * Health without a token, revealing nothing (no set names, versions or errors): `/healthz` says
 * the process serves requests; `/readyz` says whether the store is reachable and every flag set
 * the server serves is in step with it: the sets named at start (`flagSets`) are loaded and no
 * loaded set is stale. Both answer from the syncs' cached state: no store round trip per probe,
 * so a probe storm cannot load the store, and a slow store cannot make probes time out.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

/** Options of {@link registerHealthRoutes}. */
export interface HealthOptions {
  /** Sets that must be loaded for the server to be ready (the server's `flagSets` option). */
  readonly flagSets?: readonly string[];
}

/** Registers `/healthz` and `/readyz`. */
export function registerHealthRoutes(
  app: FastifyInstance,
  context: ServerContext,
  options: HealthOptions = {},
): void {
  const schema = { hide: true } as const;
  const required = options.flagSets ?? [];
  app.get('/healthz', { config: { permission: 'public' }, schema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { permission: 'public' }, schema }, async (_request, reply) => {
    const ready = context.registry.ready(required);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
}
