/**
 * Health without a token, revealing nothing: `/healthz` says the process serves requests;
 * `/readyz` says whether every flag set it serves follows its store, from the sync's cached state
 * (no store round trip per probe).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

/** Registers `/healthz` and `/readyz`. */
export function registerHealthRoutes(app: FastifyInstance, context: ServerContext): void {
  const schema = { hide: true } as const;
  app.get('/healthz', { config: { permission: 'public' }, schema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { permission: 'public' }, schema }, async (_request, reply) => {
    const sets = await context.registry.status();
    const ready = sets.every((s) => s.ready);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
}
