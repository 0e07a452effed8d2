/**
 * Dashboard sessions: a browser signs in once with an API token (`POST /api/v1/session`) and from
 * then on carries an opaque session id in an HttpOnly, SameSite=Strict cookie, so the token never
 * sits in a URL, in page-readable storage or in the page's memory after sign-in. The session is a
 * document in the server state (namespace {@link SESSIONS}, keyed by the SHA-256 of its id, with a
 * TTL) that names the token by its hash: every request re-reads the token record, so revoking or
 * expiring the token ends its sessions at once, and every instance on the same state knows them.
 *
 * Cookie-authenticated writes need a CSRF token (`X-CSRF-Token`), a random value bound to the
 * session and handed to the page in the sign-in answer (and by `GET /api/v1/session`): a page of
 * another origin can make the browser send the cookie, but cannot read the value to send with it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SessionAuthenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/permissions.js';
import { TOKENS, type TokenRecord, hashToken } from '../auth/tokens.js';
import { HttpProblem } from '../http/problem.js';
import type { ServerState } from '../state/server-state.js';

/** The state namespace of dashboard sessions. */
export const SESSIONS = 'dashboard-sessions';
/** Default of {@link DashboardSessionOptions.ttlMs}: 8 hours. */
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;
/** The session cookie over HTTP (local use). */
export const SESSION_COOKIE = 'ensign-session';
/**
 * The session cookie over HTTPS: the `__Host-` prefix makes browsers refuse it unless it is
 * `Secure`, has `Path=/` and no `Domain`, so a sibling subdomain cannot plant or shadow it.
 */
export const SECURE_SESSION_COOKIE = '__Host-ensign-session';
/** The header a cookie-authenticated write carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';
/** Roles that may sign in to the dashboard (evaluation tokens may not). */
export const DASHBOARD_ROLES: readonly TokenRecord['role'][] = ['admin', 'editor', 'viewer'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A session as stored: never the token, never the session id. */
export interface SessionRecord {
  /** SHA-256 of the token the session was opened with (the key of its record in `tokens`). */
  readonly tokenHash: string;
  /** The token's public id, to list or end a token's sessions. */
  readonly tokenId: string;
  /** The CSRF token bound to this session. */
  readonly csrf: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** Options of {@link DashboardSessions}. */
export interface DashboardSessionOptions {
  /** How long a session lasts (it ends sooner when its token is revoked or expires). @default 28_800_000 (8 h) */
  ttlMs?: number;
}

/** A resolved session: who, and the CSRF token its writes must carry. */
export interface ResolvedSession {
  readonly principal: Principal & { readonly kind: 'token' };
  readonly csrf: string;
  readonly expiresAt: string;
}

/** The session id in a request's cookies, if any. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name !== SESSION_COOKIE && name !== SECURE_SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (SESSION_ID.test(value)) return value;
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const keyOf = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

/** The token record stored under `hash`, if it is still valid (not revoked, not expired). */
async function liveToken(state: ServerState, hash: string, now: number): Promise<TokenRecord | undefined> {
  const record = (await state.get<TokenRecord>(TOKENS, hash))?.value;
  if (!record || record.revokedAt !== undefined) return undefined;
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) return undefined;
  return record;
}

/** Sessions in the server state; also the auth hook's cookie authenticator. */
export class DashboardSessions implements SessionAuthenticator {
  readonly ttlMs: number;

  constructor(
    private readonly state: ServerState,
    options: DashboardSessionOptions = {},
  ) {
    const ttl = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    if (!Number.isSafeInteger(ttl) || ttl < 1_000)
      throw new TypeError('createServer: option dashboard.sessionTtlMs must be an integer of at least 1000');
    this.ttlMs = ttl;
  }

  /**
   * Opens a session for `token`; resolves its id (for the cookie only) and the session, or
   * `undefined` when the token is unknown, revoked, expired, or of a role that may not sign in.
   */
  async open(token: string, now = Date.now()): Promise<{ id: string; session: ResolvedSession } | undefined> {
    if (typeof token !== 'string' || !/^ens_[a-z]+_[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
    const tokenHash = hashToken(token);
    const record = await liveToken(this.state, tokenHash, now);
    if (!record || !DASHBOARD_ROLES.includes(record.role)) return undefined;
    const id = randomBytes(32).toString('base64url');
    // A session never outlives its token.
    const end = Math.min(
      now + this.ttlMs,
      record.expiresAt ? Date.parse(record.expiresAt) : Number.POSITIVE_INFINITY,
    );
    const stored: SessionRecord = {
      tokenHash,
      tokenId: record.id,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(end).toISOString(),
    };
    await this.state.put(SESSIONS, keyOf(id), stored, { expectedVersion: 0, ttlMs: Math.max(1, end - now) });
    return {
      id,
      session: {
        principal: { kind: 'token', token: record },
        csrf: stored.csrf,
        expiresAt: stored.expiresAt,
      },
    };
  }

  /** The session of `id` while it and its token are valid. */
  async resolve(id: string, now = Date.now()): Promise<ResolvedSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const stored = (await this.state.get<SessionRecord>(SESSIONS, keyOf(id)))?.value;
    if (!stored || Date.parse(stored.expiresAt) <= now) return undefined;
    const token = await liveToken(this.state, stored.tokenHash, now);
    if (!token) return undefined;
    return { principal: { kind: 'token', token }, csrf: stored.csrf, expiresAt: stored.expiresAt };
  }

  /** Ends the session of `id`; resolves whether there was one. */
  async close(id: string): Promise<boolean> {
    return SESSION_ID.test(id) ? this.state.delete(SESSIONS, keyOf(id)) : false;
  }

  /**
   * The auth hook's cookie path: the session's principal, after checking the CSRF token of
   * writes. `undefined` without a valid session (the hook answers 401).
   * @throws {HttpProblem} 403 when a write lacks the session's CSRF token.
   */
  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const id = sessionIdOf(request);
    if (id === undefined) return undefined;
    const session = await this.resolve(id);
    if (!session) return undefined;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameText(sent, session.csrf)) {
        throw new HttpProblem(
          403,
          'csrf-token-invalid',
          'This write needs the session\u2019s CSRF token',
          `a write authenticated by the session cookie must send the ${CSRF_HEADER} header it was given at sign-in (GET /api/v1/session answers it again)`,
        );
      }
    }
    return session.principal;
  }
}
