import type { EvaluationContext } from '@openfeature/core';

/** `_meta` keys ChatGPT sends with every tool call (hints, except where noted). */
export const OPENAI_META = {
  /** Anonymized, stable id of the ChatGPT user; not a verified identity. */
  subject: 'openai/subject',
  /** Anonymized id of the conversation. */
  session: 'openai/session',
  /** The user's BCP 47 locale, e.g. `en-US`. */
  locale: 'openai/locale',
  /** Coarse location `{ city, region, country, timezone, ... }`. */
  userLocation: 'openai/userLocation',
  /** Anonymized organization id, when the account belongs to one. */
  organization: 'openai/organization',
} as const;

/** Where the targeting key of a context built by {@link contextFromMcpRequest} came from. */
export type TargetingKeySource = 'auth' | 'subject' | 'session';

/**
 * The parts of an MCP request handler's `extra` (`RequestHandlerExtra` of
 * `@modelcontextprotocol/sdk`) that the context is built from.
 */
export interface McpRequestLike {
  /** The validated access token's information, present when the endpoint is authenticated. */
  authInfo?: { clientId?: string; extra?: Record<string, unknown> } | undefined;
  /** The request's `_meta`. */
  _meta?: Record<string, unknown> | undefined;
}

/** Options of {@link contextFromMcpRequest}. */
export interface McpContextOptions<A> {
  /**
   * Extracts the authenticated user's id from `authInfo`. The OAuth `clientId` is never used: in
   * ChatGPT it identifies the ChatGPT connector, shared by all its users.
   * @default the first string among `authInfo.extra.userId`, `authInfo.extra.sub`
   */
  userId?: (authInfo: A) => string | undefined;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function defaultUserId(authInfo: { extra?: Record<string, unknown> }): string | undefined {
  return str(authInfo.extra?.userId) ?? str(authInfo.extra?.sub);
}

/**
 * Builds the OpenFeature evaluation context for a tool call from the MCP handler's `extra`.
 *
 * The targeting key is the authenticated user's id when the endpoint is authenticated, else
 * `_meta["openai/subject"]`, else `_meta["openai/session"]` (no key at all when none is present,
 * so fractional rollouts fall back to their flag's default). The context also carries `locale`,
 * `country`, `region`, `organization` when present, `authenticated` (boolean) and
 * `targetingKeySource` (`auth` | `subject` | `session`).
 *
 * `openai/subject` is sent by the client and is not verified: it is fine for bucketing (rollouts,
 * experiments) but must not grant entitlements unless the endpoint is authenticated. Write
 * permission flags to require `authenticated == true`, or target on the authenticated id only.
 *
 * @example
 * ```ts
 * server.registerTool('list_bookings', config, async (args, extra) => {
 *   const context = contextFromMcpRequest(extra);
 *   const payload = await evaluateWidgetFlags(OpenFeature.getClient(), WIDGET_FLAGS, context);
 *   ...
 * });
 * ```
 */
export function contextFromMcpRequest<A extends NonNullable<McpRequestLike['authInfo']>>(
  extra: { authInfo?: A | undefined; _meta?: Record<string, unknown> | undefined },
  options: McpContextOptions<A> = {},
): EvaluationContext {
  const meta = extra._meta ?? {};
  const authId = extra.authInfo ? (options.userId ?? defaultUserId)(extra.authInfo) : undefined;
  const subject = str(meta[OPENAI_META.subject]);
  const session = str(meta[OPENAI_META.session]);
  const context: EvaluationContext = { authenticated: authId !== undefined };
  const key: [string, TargetingKeySource] | undefined = authId
    ? [authId, 'auth']
    : subject
      ? [subject, 'subject']
      : session
        ? [session, 'session']
        : undefined;
  if (key) {
    context.targetingKey = key[0];
    context.targetingKeySource = key[1];
  }
  const locale = str(meta[OPENAI_META.locale]);
  if (locale) context.locale = locale;
  const location = meta[OPENAI_META.userLocation];
  if (typeof location === 'object' && location !== null) {
    const { country, region } = location as Record<string, unknown>;
    if (str(country)) context.country = country as string;
    if (str(region)) context.region = region as string;
  }
  const organization = str(meta[OPENAI_META.organization]);
  if (organization) context.organization = organization;
  return context;
}
