/**
 * Where `/metrics` is served: on the server's own port behind a token with the `read`
 * permission (viewer, editor, admin: a scraper's token needs no more than a viewer's), or, with
 * `metrics.port`, on a port of its own without a token, for a network only the scraper reaches.
 * Never both: a separate port takes the route off the main one.
 */
import { type Server, createServer } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context.js';
import { HttpProblem } from '../problem.js';
import type { AuthRejection, ServerMetrics } from './server-metrics.js';

/** Where and how `/metrics` is served. */
export interface MetricsOptions {
  /**
   * Serve `/metrics` on this port (0: any free one), without a token, instead of on the main
   * port behind a token. Bind it to an interface only the scraper reaches.
   */
  port?: number;
  /** The interface of `port`. @default '127.0.0.1' */
  host?: string;
}

/** The Prometheus text format's content type. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The exposition of a server right now. */
export function metricsText(context: ServerContext, metrics: ServerMetrics): string {
  return metrics.render(context.registry.providers());
}

/** The problems the authentication hook (and OFREP's origin check) refuse requests with. */
const REJECTIONS: Readonly<Record<string, AuthRejection>> = {
  unauthenticated: 'missing_token',
  'invalid-token': 'invalid_token',
  forbidden: 'forbidden',
  'origin-refused': 'forbidden',
  'rate-limited': 'rate_limited',
};

/**
 * Counts every answered request by route template, method and status, and every refused token
 * (read from the problem the authentication hook throws, so the hook itself needs no seam).
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onError', (_request, _reply, error, done) => {
    const problem: unknown = error;
    if (problem instanceof HttpProblem && Object.hasOwn(REJECTIONS, problem.kind))
      metrics.rejection(REJECTIONS[problem.kind]!);
    done();
  });
}

/** Registers `GET /metrics` on the main port (permission `read`). */
export function registerMetricsRoute(
  app: FastifyInstance,
  context: ServerContext,
  metrics: ServerMetrics,
): void {
  app.get('/metrics', { config: { permission: 'read' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(metricsText(context, metrics)),
  );
}

/** A listener of its own for `/metrics` (no token); resolves with its URL. */
export async function listenForMetrics(
  context: ServerContext,
  metrics: ServerMetrics,
  options: MetricsOptions,
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(metricsText(context, metrics));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`, server };
}
