/**
 * CORS on the OFREP routes only (the admin API is not for browsers). Written by hand because the
 * answer depends on the token, known only after authentication:
 * - a preflight (`OPTIONS`, which carries no token) is answered for any origin: it reveals nothing
 *   and grants nothing, since the actual request is checked again;
 * - an actual request from a browser (`Origin` present) with a `client` token is refused (403)
 *   unless the origin is one of the token's `origins`, exactly; when it is, the answer allows that
 *   origin and exposes `ETag` and `Retry-After`;
 * - a widget token allows any origin: widgets run in sandboxed frames whose origin the server
 *   cannot know in advance (often the opaque `null`), and the token is sealed, short-lived and
 *   bound to one user's context and one payload's flags, so the origin would add no protection;
 * - `server` tokens get no CORS headers: a browser may not read their answers;
 * - answers without a body (401, 403, 429) allow any origin, so that a browser client can tell a
 *   refused token or a rate limit (and its `Retry-After`) from a network failure.
 * Requests without `Origin` (servers, curl) are not browser requests and are not checked here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/permissions.js';

/** Headers a browser client may read from an OFREP answer. */
export const OFREP_EXPOSED_HEADERS = 'ETag, Retry-After';
/** Headers a browser client may send (the OFREP web provider sends these). */
export const OFREP_ALLOWED_HEADERS = 'Authorization, Content-Type, If-None-Match, Last-Event-ID';
/** How long a browser may cache a preflight answer, in seconds. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  return typeof origin === 'string' && origin !== '' ? origin : undefined;
}

/** Origins compare as the browser serialises them: scheme, host and port, lower case, no slash. */
function sameOrigin(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/**
 * What CORS allows for `principal` from the request's origin: `undefined` when the request is
 * not a browser request or the token is not for browsers (no headers to add), the origin to
 * allow, or `false` when the origin is refused.
 */
export function corsDecision(principal: Principal, request: FastifyRequest): string | false | undefined {
  const origin = requestOrigin(request);
  if (origin === undefined) return undefined;
  if (principal.kind === 'widget') return origin;
  if (principal.token.role !== 'client') return undefined;
  return (principal.token.origins ?? []).some((allowed) => sameOrigin(allowed, origin)) ? origin : false;
}

/** The CORS headers of an actual answer allowing `origin`. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': OFREP_EXPOSED_HEADERS,
    vary: 'Origin',
  };
}

/** Adds the headers of an answer without a body (401, 403, 429): any origin may see the status. */
export function corsForErrorAnswer(request: FastifyRequest, reply: FastifyReply): void {
  const origin = requestOrigin(request);
  if (origin !== undefined) reply.headers(corsHeaders(origin));
}

/** Answers a preflight: any origin, the methods and headers OFREP clients use. */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const origin = requestOrigin(request);
  if (origin !== undefined) {
    reply.headers({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': OFREP_ALLOWED_HEADERS,
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
  }
  return reply.code(204).send();
}
