/**
 * `/api/v1/session`: signing the dashboard in and out. `POST` trades an API token (admin, editor
 * or viewer) for a session cookie and answers the CSRF token the page sends with its writes;
 * `GET` answers who is signed in (and the CSRF token again, after a reload); `DELETE` signs out.
 * The token travels once, in the body of a same-origin JSON request (a cross-site form cannot
 * send JSON, and its `Origin` is refused), and is never stored in the browser.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminRoute } from '../admin/route.js';
import { principalOf } from '../auth/authenticate.js';
import type { TokenRecord } from '../auth/tokens.js';
import { HttpProblem } from '../http/problem.js';
import {
  CSRF_HEADER,
  type DashboardSessions,
  type ResolvedSession,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  sessionIdOf,
} from './sessions.js';

const tags = ['dashboard'];

/** What the session routes answer: who, the CSRF token (cookie sessions only), until when. */
const sessionSchema = {
  type: 'object',
  required: ['tokenId', 'name', 'role', 'flagSets', 'csrfToken', 'expiresAt'],
  properties: {
    tokenId: { type: 'string', description: "the token's public id" },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'editor', 'viewer'] },
    flagSets: {
      type: 'array',
      items: { type: 'string' },
      description: 'the sets it may write (`*`: all)',
    },
    csrfToken: {
      type: ['string', 'null'],
      description: `send it as \`${CSRF_HEADER}\` with every write the cookie authenticates; null for bearer tokens`,
    },
    expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'when the session ends' },
  },
  additionalProperties: false,
} as const;

/** Options of {@link registerSessionRoutes}. */
export interface SessionRoutesOptions {
  /** `Secure` cookies: `true`, `false`, or from the request (`https`) and `publicUrl`. */
  secureCookies: boolean | undefined;
  publicUrl: string | undefined;
}

function view(token: TokenRecord, csrf: string | null, expiresAt: string | null) {
  return {
    tokenId: token.id,
    name: token.name,
    role: token.role,
    flagSets: [...token.flagSets],
    csrfToken: csrf,
    expiresAt,
  };
}

/** Refuses a sign-in or sign-out sent by a page of another origin (login CSRF). */
function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers.host;
  let sameHost = false;
  try {
    sameHost = host !== undefined && new URL(origin).host === host;
  } catch {
    sameHost = false;
  }
  if (!sameHost)
    throw new HttpProblem(403, 'cross-origin', 'Sign-in is only accepted from the dashboard itself');
}

/** Registers `POST`, `GET` and `DELETE /api/v1/session`. */
export function registerSessionRoutes(
  scope: FastifyInstance,
  sessions: DashboardSessions,
  options: SessionRoutesOptions,
): void {
  const secure = (request: FastifyRequest) =>
    options.secureCookies ??
    (request.protocol === 'https' || options.publicUrl?.startsWith('https:') === true);
  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) => {
    const name = secure(request) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
    reply.header(
      'set-cookie',
      `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure(request) ? '; Secure' : ''}`,
    );
  };

  adminRoute<{ Body: { token: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/session',
    permission: 'public',
    summary: 'Sign the dashboard in with an API token',
    description:
      'Trades an admin, editor or viewer token for a session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and answers the CSRF token the page must send with its writes. The token is not kept by the browser.',
    tags,
    body: {
      type: 'object',
      required: ['token'],
      properties: { token: { type: 'string', maxLength: 256, description: 'an API token' } },
      additionalProperties: false,
    },
    responses: { 201: { description: 'Signed in (Set-Cookie)', schema: sessionSchema } },
    errors: [413, 415],
    handler: async (request, reply) => {
      requireSameOrigin(request);
      const opened = await sessions.open(request.body.token);
      if (!opened) {
        throw new HttpProblem(
          401,
          'invalid-token',
          'The token is unknown, revoked or expired, or may not sign in',
          'sign in with an admin, editor or viewer token',
        );
      }
      setCookie(request, reply, opened.id, Math.floor(sessions.ttlMs / 1000));
      reply.code(201).header('cache-control', 'no-store');
      const { principal, csrf, expiresAt } = opened.session;
      return view(principal.token, csrf, expiresAt);
    },
  });

  adminRoute(scope, {
    method: 'GET',
    url: '/api/v1/session',
    permission: 'read',
    summary: 'Who is signed in (and the CSRF token of a cookie session)',
    tags,
    responses: { 200: { description: 'The session', schema: sessionSchema } },
    errors: [],
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const principal = principalOf(request);
      if (principal.kind !== 'token') throw new HttpProblem(403, 'forbidden', 'Not a dashboard session');
      const id = request.headers.authorization === undefined ? sessionIdOf(request) : undefined;
      const session: ResolvedSession | undefined = id === undefined ? undefined : await sessions.resolve(id);
      return view(principal.token, session?.csrf ?? null, session?.expiresAt ?? null);
    },
  });

  adminRoute(scope, {
    method: 'DELETE',
    url: '/api/v1/session',
    permission: 'read',
    summary: 'Sign out: end the session of the cookie',
    tags,
    responses: { 204: { description: 'Signed out (the cookie is cleared)', schema: null } },
    errors: [],
    handler: async (request, reply) => {
      requireSameOrigin(request);
      const id = sessionIdOf(request);
      if (id !== undefined) await sessions.close(id);
      setCookie(request, reply, '', 0);
      reply.code(204);
    },
  });
}
