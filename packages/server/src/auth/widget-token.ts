/**
 * Widget tokens: short-lived credentials an app mints in its tool handler and hands to its widget
 * in `_meta`, so that an open widget can refresh exactly its own flags, for its own user, from the
 * OFREP endpoint. They are not stored: the claims (flag set, flag keys, the evaluation context the
 * server used, expiry) are encrypted and authenticated with AES-256-GCM under a secret the app and
 * the server share, so the page can neither read the context nor change anything in it.
 * This module has no server dependencies: an app imports it as `@ensign/server/widget-token`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Longest lifetime a widget token may have: 15 minutes. */
export const MAX_WIDGET_TOKEN_TTL_SECONDS = 900;
/** Default lifetime of a widget token: 5 minutes. */
export const DEFAULT_WIDGET_TOKEN_TTL_SECONDS = 300;

/** A context value a widget token can carry (JSON). */
export type WidgetContextValue =
  | string
  | number
  | boolean
  | null
  | WidgetContextValue[]
  | { [key: string]: WidgetContextValue };

/** What a widget token grants. */
export interface WidgetTokenClaims {
  /** The flag set it evaluates. */
  readonly flagSet: string;
  /** Exactly the flags of the widget's payload. */
  readonly flags: readonly string[];
  /** The evaluation context the server used for the tool result. */
  readonly context: Readonly<Record<string, WidgetContextValue>>;
  /** Issued and expiry times, seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
}

/** Options of {@link mintWidgetToken}. */
export interface MintWidgetTokenOptions {
  /** The secret shared with the server (`widgetSecret`), at least 32 characters. */
  secret: string;
  flagSet: string;
  flags: readonly string[];
  context: Readonly<Record<string, unknown>>;
  /** @default 300 (at most 900) */
  ttlSeconds?: number;
  /** The clock, for tests. @default Date.now */
  now?: number;
}

const PREFIX = 'ensw1';

function keyOf(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length < 32) {
    throw new TypeError(
      'widget token secret: must be a string of at least 32 characters (option widgetSecret)',
    );
  }
  return createHash('sha256').update(`ensign widget token\u0000${secret}`).digest();
}

/** JSON-safe copy of a context (dates become ISO strings, functions and undefined vanish). */
function jsonContext(context: Readonly<Record<string, unknown>>): Record<string, WidgetContextValue> {
  return JSON.parse(JSON.stringify(context ?? {})) as Record<string, WidgetContextValue>;
}

/**
 * Mints a widget token for the flags of one widget payload.
 * @example
 * const token = mintWidgetToken({ secret: process.env.ENSIGN_WIDGET_SECRET!, flagSet: 'fitness',
 *   flags: Object.keys(WIDGET_FLAGS), context });
 */
export function mintWidgetToken(options: MintWidgetTokenOptions): string {
  const ttl = options.ttlSeconds ?? DEFAULT_WIDGET_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_WIDGET_TOKEN_TTL_SECONDS) {
    throw new RangeError(
      `widget token ttlSeconds: must be an integer from 1 to ${MAX_WIDGET_TOKEN_TTL_SECONDS}, got ${ttl}`,
    );
  }
  if (typeof options.flagSet !== 'string' || options.flagSet === '')
    throw new TypeError('widget token flagSet: must be a flag set id');
  if (!Array.isArray(options.flags) || options.flags.some((f) => typeof f !== 'string')) {
    throw new TypeError('widget token flags: must be a list of flag keys');
  }
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: WidgetTokenClaims = {
    flagSet: options.flagSet,
    flags: [...options.flags],
    context: jsonContext(options.context),
    iat,
    exp: iat + ttl,
  };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(options.secret), iv);
  cipher.setAAD(Buffer.from(PREFIX));
  const body = Buffer.concat([
    cipher.update(JSON.stringify(claims), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `${PREFIX}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/** The claims of a valid, unexpired widget token; `undefined` for anything else. */
export function verifyWidgetToken(
  token: string,
  secret: string,
  now = Date.now(),
): WidgetTokenClaims | undefined {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts[0] !== PREFIX || token.length > 16_384) return undefined;
  try {
    const iv = Buffer.from(parts[1]!, 'base64url');
    const body = Buffer.from(parts[2]!, 'base64url');
    if (iv.length !== 12 || body.length < 17) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), iv);
    decipher.setAAD(Buffer.from(PREFIX));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const text = Buffer.concat([
      decipher.update(body.subarray(0, body.length - 16)),
      decipher.final(),
    ]).toString('utf8');
    const claims = JSON.parse(text) as WidgetTokenClaims;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

/** Is `token` shaped like a widget token (so the server knows which check applies)? */
export function isWidgetToken(token: string): boolean {
  return token.startsWith(`${PREFIX}.`);
}
