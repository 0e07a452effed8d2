/**
 * Who is asking, in OFREP terms: the flag set an evaluation principal is bound to, the flags it
 * may see there and the context they are evaluated with.
 * - `server` token: every flag, the request's context; single-flag and bulk.
 * - `client` token: only flags marked `clientSide` on themselves (others are not merely hidden:
 *   they are absent, so their existence is not revealed), the request's context; bulk only.
 * - widget token: exactly the token's flags that exist and are client-side, evaluated with the
 *   context sealed in the token; the request's context is ignored (not merged), so the widget
 *   sees exactly the variants the server decided for its user, and nothing the page sends can
 *   change them; bulk only.
 */
import type { EvaluationContext } from '@ensign/core';
import type { FastifyRequest } from 'fastify';
import { type Principal, evaluationSetOf } from '../auth/permissions.js';
import type { ServerContext } from '../context.js';
import type { LiveFlagSet } from '../flag-sets/registry.js';
import { HttpProblem } from '../http/problem.js';
import { type FlagList, PreparedSet } from './prepared-set.js';

/** What one principal sees of its set at one version. */
export interface Audience {
  readonly live: LiveFlagSet;
  readonly prepared: PreparedSet;
  readonly list: FlagList;
  /** The context the flags are evaluated with. */
  readonly context: EvaluationContext;
}

/** The flags of a set a principal may see, as a predicate over a prepared set (event streams). */
export type Visibility = (key: string, prepared: PreparedSet) => boolean;

/** Prepared sets by compiled set: one preparation per version, collected with it. */
export class PreparedSets {
  private readonly byCompiled = new WeakMap<LiveFlagSet['compiled'], PreparedSet>();

  /** The prepared form of the set `live` serves right now. */
  of(live: LiveFlagSet): PreparedSet {
    const compiled = live.compiled;
    let prepared = this.byCompiled.get(compiled);
    if (prepared === undefined) {
      prepared = new PreparedSet(compiled, live.version);
      this.byCompiled.set(compiled, prepared);
    }
    return prepared;
  }
}

/** The live set `principal` evaluates (opened on first use). */
export async function liveSetOf(context: ServerContext, principal: Principal): Promise<LiveFlagSet> {
  const flagSet = evaluationSetOf(principal);
  // The auth hook admits only evaluation principals here, which are all bound to one set.
  if (flagSet === undefined) throw new HttpProblem(403, 'forbidden', 'This token evaluates no flag set');
  return context.registry.get(flagSet);
}

/** What `principal` sees of `live` now, with `requestContext` where the request's context counts. */
export function audienceOf(
  prepared: PreparedSet,
  live: LiveFlagSet,
  principal: Principal,
  requestContext: EvaluationContext,
): Audience {
  if (principal.kind === 'widget') {
    const { flags, context } = principal.claims;
    return { live, prepared, list: prepared.widgetList(flags), context };
  }
  const list = principal.token.role === 'server' ? prepared.all : prepared.client;
  return { live, prepared, list, context: requestContext };
}

/** Which flags `principal` may see, whatever the version (for deciding who hears a change). */
export function visibilityOf(principal: Principal): Visibility {
  if (principal.kind === 'widget') {
    const keys = new Set(principal.claims.flags);
    return (key, prepared) => keys.has(key) && prepared.isClientSide(key);
  }
  if (principal.token.role === 'server') return () => true;
  return (key, prepared) => prepared.isClientSide(key);
}

/** The token a request presented in `Authorization` (for the event-stream link). */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/** Where clients reach this server: `publicUrl`, else the origin the request was sent to. */
export function baseUrlOf(context: ServerContext, request: FastifyRequest): string {
  return context.publicUrl ?? `${request.protocol}://${request.host}`;
}
