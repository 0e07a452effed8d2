/**
 * What each role may do, in one table. Every route declares the permission it needs (and, when
 * it concerns one flag set, where the set is named); one hook checks it before the handler runs,
 * so no handler checks roles itself, and a test derives the role × route matrix from the router.
 */
import type { Role, TokenRecord } from './tokens.js';
import type { WidgetTokenClaims } from './widget-token.js';

/**
 * - `public`: no token (health);
 * - `read`: read flags, history, the audit log (viewer, editor, admin);
 * - `write`: change flags of a set (editor in its sets, admin);
 * - `admin`: tokens, webhooks, server-wide operations (admin);
 * - `evaluate`: OFREP single-flag evaluation (server tokens);
 * - `evaluate-bulk`: OFREP bulk evaluation and its event stream (server, client, widget tokens).
 */
export type Permission = 'public' | 'read' | 'write' | 'admin' | 'evaluate' | 'evaluate-bulk';

/** Who is calling. */
export type Principal =
  | { readonly kind: 'token'; readonly token: TokenRecord }
  | { readonly kind: 'widget'; readonly claims: WidgetTokenClaims };

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['read', 'write', 'admin'],
  editor: ['read', 'write'],
  viewer: ['read'],
  server: ['evaluate', 'evaluate-bulk'],
  client: ['evaluate-bulk'],
};

/** The role of a principal (widget tokens act as a narrower client). */
export function roleOf(principal: Principal): Role | 'widget' {
  return principal.kind === 'widget' ? 'widget' : principal.token.role;
}

/** The one flag set an evaluation principal is bound to. */
export function evaluationSetOf(principal: Principal): string | undefined {
  if (principal.kind === 'widget') return principal.claims.flagSet;
  const { role, flagSets } = principal.token;
  return role === 'server' || role === 'client' ? flagSets[0] : undefined;
}

/**
 * May `principal` do `permission` (on `flagSet`, when the route names one)? Reads are not scoped
 * (a viewer sees every set); writes are scoped to the editor's sets.
 */
export function allows(principal: Principal, permission: Permission, flagSet?: string): boolean {
  if (permission === 'public') return true;
  if (principal.kind === 'widget') return permission === 'evaluate-bulk';
  const { role, flagSets } = principal.token;
  if (!GRANTS[role].includes(permission)) return false;
  if (permission === 'write' && flagSet !== undefined)
    return flagSets.includes('*') || flagSets.includes(flagSet);
  return true;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs. Routes without one are refused to everyone (fail closed). */
    permission?: Permission;
    /** The route parameter naming the flag set the route acts on (write scope). @default 'set' */
    flagSetParam?: string;
  }
  interface FastifyRequest {
    /** Who is calling; set by the auth hook for every route that is not public. */
    principal?: Principal;
  }
}
