/**
 * The one hook in front of every route: finds the bearer token (or a widget token), checks it,
 * checks the route's permission for the flag set it names, applies the token's rate limit, and
 * only then lets the handler run. No request without a valid token touches the store.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problem.js';
import { type Permission, type Principal, allows } from './permissions.js';
import { RateLimiter } from './rate-limit.js';
import type { TokenCache } from './token-cache.js';
import { hashToken } from './tokens.js';
import { isWidgetToken, verifyWidgetToken } from './widget-token.js';

/** Options of {@link registerAuthentication}. */
export interface AuthenticationOptions {
  /** Where presented tokens are looked up. */
  tokens: TokenCache;
  /** The secret widget tokens are sealed with; without it widget tokens are refused. */
  widgetSecret?: string;
  /** Requests per second per token when the token names none. */
  defaultRateLimit: number;
  /**
   * Accepts a session cookie where no token is presented (the dashboard's sign-in); bearer and
   * widget tokens are checked first and are unaffected by it.
   */
  sessions?: SessionAuthenticator;
}

/**
 * Turns a request's session cookie into a principal (the dashboard's sessions). It checks
 * whatever else a cookie needs (a CSRF token on writes) and throws an `HttpProblem` to refuse.
 */
export interface SessionAuthenticator {
  /** The principal of the request's session, `undefined` when it carries no valid one. */
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
}

/** The token of a request: `Authorization: Bearer …`, or `?token=` for event streams (EventSource cannot set headers). */
function presentedToken(request: FastifyRequest, allowQuery: boolean): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  if (allowQuery) {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string') return token;
  }
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Accept the token as the `token` query parameter (event streams). */
    tokenInQuery?: boolean;
  }
}

/** A route as the auth hook sees it: what it declares, for the role × route matrix and docs. */
export interface RouteAccess {
  readonly method: string;
  /** The path as registered (`/api/v1/flag-sets/:set`). */
  readonly url: string;
  /** `undefined`: declares none, so it admits nobody. */
  readonly permission: Permission | undefined;
  /** The parameter naming the flag set the route acts on. */
  readonly flagSetParam: string;
}

const routeTables = new WeakMap<FastifyInstance, RouteAccess[]>();

/** Every route registered after {@link registerAuthentication}, with the access it declares. */
export function routeAccess(app: FastifyInstance): readonly RouteAccess[] {
  return routeTables.get(app) ?? [];
}

/** Registers the authentication and authorisation hook. */
export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const limiter = new RateLimiter();
  const table: RouteAccess[] = [];
  routeTables.set(app, table);
  // Read from the router as routes are added, so a test can hold every route to the role table.
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      table.push({
        method,
        url: route.url,
        permission: route.config?.permission,
        flagSetParam: route.config?.flagSetParam ?? 'set',
      });
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    // A request that matched no route reaches the not-found handler without a permission.
    if (request.routeOptions.url === undefined) return;
    const permission: Permission | undefined = config.permission;
    if (permission === 'public') return;
    if (permission === undefined)
      throw new HttpProblem(403, 'forbidden', 'Forbidden', 'this route admits nobody');
    const token = presentedToken(request, config.tokenInQuery === true);
    // No token: a dashboard session cookie may stand in for one (its CSRF check included).
    const session = token === undefined ? await options.sessions?.authenticate(request) : undefined;
    if (token === undefined && session === undefined) {
      reply.header('WWW-Authenticate', 'Bearer');
      throw new HttpProblem(401, 'unauthenticated', 'A bearer token is required');
    }
    let principal: Principal | undefined = session;
    if (token !== undefined && isWidgetToken(token)) {
      const claims = options.widgetSecret ? verifyWidgetToken(token, options.widgetSecret) : undefined;
      if (claims) principal = { kind: 'widget', claims };
    } else if (token !== undefined) {
      const record = await options.tokens.find(token);
      if (record) principal = { kind: 'token', token: record };
    }
    if (!principal) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new HttpProblem(401, 'invalid-token', 'The token is unknown, revoked or expired');
    }
    const setParam = config.flagSetParam ?? 'set';
    const flagSet = (request.params as Record<string, unknown> | undefined)?.[setParam];
    if (!allows(principal, permission, typeof flagSet === 'string' ? flagSet : undefined)) {
      throw new HttpProblem(
        403,
        'forbidden',
        'This token may not do that',
        `the route needs the "${permission}" permission`,
      );
    }
    const key =
      principal.kind === 'token'
        ? principal.token.id
        : // Each widget token has its own bucket (keyed by its hash: never the token itself).
          `widget:${hashToken(token!)}`;
    const perSecond =
      principal.kind === 'token'
        ? (principal.token.rateLimit ?? options.defaultRateLimit)
        : options.defaultRateLimit;
    const decision = limiter.take(key, perSecond);
    if (!decision.allowed) {
      reply.header('Retry-After', String(decision.retryAfterSeconds));
      throw new HttpProblem(
        429,
        'rate-limited',
        'Too many requests',
        `retry after ${decision.retryAfterSeconds} s`,
      );
    }
    request.principal = principal;
  });
}

/** The principal of a request that passed the hook (routes that are not public). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, 'unauthenticated', 'A bearer token is required');
  return request.principal;
}

/** Who to name as the actor of a write: the token's name and id, never the token. */
export function actorOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  return principal.kind === 'token' ? `${principal.token.name} (${principal.token.id})` : 'widget';
}
