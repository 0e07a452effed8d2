/**
 * `createServer`: one fastify instance with three surfaces over a `FlagStore`: the admin API
 * (`/api/v1`), OFREP (`/ofrep/v1`) with event streams, and webhooks; health without a token.
 * An app can `listen` it, or mount its routes in a server of its own (`app` is a plain fastify
 * instance: `await app.ready()` then `app.routing` / `app.server`).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { FlagStore } from '@ensign/store';
import swagger from '@fastify/swagger';
import type { Logger } from '@openfeature/server-sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAdminRoutes } from './admin/index.js';
import { registerAuthentication } from './auth/authenticate.js';
import { TokenCache } from './auth/token-cache.js';
import type { ServerContext } from './context.js';
import { type DashboardOptions, registerDashboard } from './dashboard/index.js';
import { DashboardSessions } from './dashboard/sessions.js';
import { FlagSetRegistry } from './flag-sets/registry.js';
import { registerHealthRoutes } from './http/health.js';
import {
  type MetricsOptions,
  listenForMetrics,
  registerMetricsRoute,
  registerRequestMetrics,
} from './http/metrics/metrics-route.js';
import { ServerMetrics } from './http/metrics/server-metrics.js';
import { registerProblemHandler } from './http/problem.js';
import { type LifecycleServerOptions, startLifecycle } from './lifecycle/index.js';
import { registerOfrepRoutes } from './ofrep/index.js';
import { type RolloutsOptions, startRollouts } from './rollouts/index.js';
import { MemoryServerState } from './state/memory-state.js';
import type { ServerState } from './state/server-state.js';
import { startWebhooks } from './webhooks/index.js';
import { type WebhookOptions, resolveWebhookOptions } from './webhooks/options.js';

/** Default of {@link ServerOptions.bodyLimit}: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1_048_576;
/** Default of {@link ServerOptions.rateLimit}: requests per second per token. */
export const DEFAULT_RATE_LIMIT = 1_000;

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Where the flags live. */
  store: FlagStore;
  /**
   * Where tokens, webhook subscriptions and cursors live: `RedisServerState` for several
   * instances, `MemoryServerState` (with `file` to survive restarts) for one.
   * @default new MemoryServerState() (nothing survives a restart)
   */
  state?: ServerState;
  /** The URL clients reach this server at, for the links it hands out (OFREP event streams). */
  publicUrl?: string;
  /** The secret (≥ 32 characters) sealing widget tokens; shared with the app that mints them. */
  widgetSecret?: string;
  /** Largest request body, in bytes. @default 1_048_576 */
  bodyLimit?: number;
  /** Requests per second per token, unless the token names its own. @default 1000 */
  rateLimit?: number;
  /**
   * Logs: OpenFeature-style `Logger` for the server's own messages; request logs (never tokens,
   * never query strings) only with `requestLogs`.
   * @default console (errors and warnings)
   */
  logger?: Logger;
  /** Log every request (method, route, status, time). @default false */
  requestLogs?: boolean;
  /**
   * Run the webhook dispatcher in this instance (`false`: serve the webhook routes only), or tune
   * delivery: attempts, backoff, timeouts, poll and lease intervals. @default true
   */
  webhooks?: boolean | WebhookOptions;
  /**
   * Flag sets to list from the start (a store cannot list its sets): added to the known sets in
   * the server state, beside every set written through the admin API. @default []
   */
  flagSets?: readonly string[];
  /**
   * Guarded rollouts and scheduled changes: their routes are always served; `controller: true`
   * also runs the leased rollout controller in this instance (`ensign serve` does). @default {}
   */
  rollouts?: RolloutsOptions;
  /**
   * The flag lifecycle: its routes (report, archive, code scans, manifest) are always served;
   * `policy` sets lifetimes by kind, `weeklyReport: true` also sends each set's report to its
   * `lifecycle.report` webhooks every week from this instance (`ensign serve` does). @default {}
   */
  lifecycle?: LifecycleServerOptions;
  /**
   * Prometheus metrics at `/metrics`: on the main port behind a token with the `read`
   * permission (`true`), on a port of their own without a token (`{ port }`), or none at all
   * (`false`: nothing is counted either).
   * @default true
   */
  metrics?: boolean | MetricsOptions;
  /**
   * Serve the dashboard at `/dashboard/` with its sign-in (session cookie, CSRF token), its
   * event stream and its figures routes: `{ assetsDir: DASHBOARD_ASSETS_DIR }` of
   * `@ensign/dashboard` (`ensign serve` does). @default off
   */
  dashboard?: DashboardOptions | false;
}

/** A created server. */
export interface EnsignServer {
  /** The fastify instance (routes registered, not listening). */
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  /**
   * Starts listening (and the metrics port, when there is one); resolves with the address
   * (`http://127.0.0.1:8080`).
   */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** The URL of `/metrics` on its own port, once listening (`metrics: { port }` only). */
  readonly metricsUrl: string | undefined;
  /** Stops listening, the webhook dispatcher and the live sets; closes the state it created. */
  close(): Promise<void>;
}

const consoleLogger: Logger = {
  error: (...args) => console.error(...args),
  warn: (...args) => console.warn(...args),
  info: () => {},
  debug: () => {},
};

/**
 * Creates the server.
 * @example
 * const server = await createServer({ store: new RedisFlagStore({ url }), state: new RedisServerState({ url }) });
 * console.log(await server.listen({ port: 8080 }));
 */
export async function createServer(options: ServerOptions): Promise<EnsignServer> {
  if (typeof options?.store?.load !== 'function')
    throw new TypeError('createServer: option store is required (a FlagStore)');
  const ownsState = options.state === undefined;
  const state = options.state ?? new MemoryServerState();
  const logger = options.logger ?? consoleLogger;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const metrics = options.metrics === false ? undefined : new ServerMetrics();
  const metricsPort = typeof options.metrics === 'object' && options.metrics.port !== undefined;
  const context: ServerContext = {
    store: options.store,
    state,
    registry: new FlagSetRegistry({ store: options.store, logger }),
    tokens: new TokenCache(state),
    logger,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    widgetSecret: options.widgetSecret,
    bodyLimit,
    instanceId: `srv_${randomBytes(6).toString('hex')}`,
    metrics,
  };
  const app = Fastify({
    bodyLimit,
    // Flag keys may be 256 characters, more once URL-encoded (find-my-way's default is 100).
    routerOptions: { maxParamLength: 1024 },
    logger: options.requestLogs
      ? {
          // Request lines without query strings (an event-stream URL may carry a token) or headers.
          serializers: {
            req: (request) => ({ method: request.method, url: String(request.url).split('?')[0] }),
          },
        }
      : false,
    // Deep or huge JSON is refused by the parser's own limits before any handler runs.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  registerProblemHandler(app);
  if (metrics) registerRequestMetrics(app, metrics);
  const sessions = options.dashboard
    ? new DashboardSessions(state, {
        ...(options.dashboard.sessionTtlMs !== undefined && { ttlMs: options.dashboard.sessionTtlMs }),
      })
    : undefined;
  registerAuthentication(app, {
    tokens: context.tokens,
    defaultRateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    ...(options.widgetSecret !== undefined && { widgetSecret: options.widgetSecret }),
    ...(sessions !== undefined && { sessions }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Ensign server', version: '1', description: 'Admin API, OFREP and webhooks of Ensign.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  registerHealthRoutes(app, context, { flagSets: options.flagSets ?? [] });
  if (metrics && !metricsPort) registerMetricsRoute(app, context, metrics);
  await registerAdminRoutes(app, context, { flagSets: options.flagSets ?? [] });
  await registerOfrepRoutes(app, context);
  const webhooks = await startWebhooks(
    app,
    context,
    typeof options.webhooks === 'object' ? options.webhooks : { dispatch: options.webhooks ?? true },
  );
  // Deliveries that are not from the audit log (lifecycle reports, rollout pauses) are tried alike.
  const delivery = resolveWebhookOptions(typeof options.webhooks === 'object' ? options.webhooks : {});
  const rollouts = await startRollouts(app, context, options.rollouts, delivery);
  const lifecycle = await startLifecycle(app, context, options.lifecycle ?? {}, delivery);
  if (options.dashboard && sessions)
    await registerDashboard(app, context, options.dashboard, sessions, options.rollouts?.metrics);
  app.get('/api/v1/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );
  await app.ready();
  // The sets named at start are followed from now on, so that `/readyz` can report them ready
  // before any request needs them (a set the store cannot give yet is retried by the probes).
  for (const flagSet of options.flagSets ?? []) context.registry.get(flagSet).catch(() => {});

  let metricsServer: { url: string; server: Server } | undefined;
  return {
    app,
    context,
    get metricsUrl() {
      return metricsServer?.url;
    },
    async listen(listenOptions = {}) {
      const address = await app.listen({
        port: listenOptions.port ?? 0,
        host: listenOptions.host ?? '127.0.0.1',
      });
      if (metrics && metricsPort && metricsServer === undefined)
        metricsServer = await listenForMetrics(context, metrics, options.metrics as MetricsOptions);
      return address;
    },
    async close() {
      const separate = metricsServer?.server;
      if (separate) await new Promise<void>((resolve) => separate.close(() => resolve()));
      await lifecycle.stop();
      await rollouts.stop();
      await webhooks.stop();
      await app.close();
      await context.registry.close();
      if (ownsState) await state.close();
    },
  };
}
