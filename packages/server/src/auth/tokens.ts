/**
 * API tokens: random, shown once, stored only as their SHA-256 hash (a token has 192 bits of
 * entropy, so a fast hash is enough: there is nothing to guess), with a role, the flag sets they
 * may touch, optional browser origins (client tokens), an expiry and a revocation. Tokens are
 * never logged: a record names its public `id`, never the token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ServerState } from '../state/server-state.js';

/** What a token may do. */
export type Role = 'admin' | 'editor' | 'viewer' | 'server' | 'client';

/** Every role, in order of power. */
export const ROLES: readonly Role[] = ['admin', 'editor', 'viewer', 'server', 'client'];

/** A token as stored (never the token itself). */
export interface TokenRecord {
  /** Public id, for listing and revoking (`tok_…`). */
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /**
   * The flag sets the token may touch: `['*']` for all (admin, viewer), the sets an editor may
   * write, or exactly one set for evaluation tokens (`server`, `client`).
   */
  readonly flagSets: readonly string[];
  /** Browser origins allowed to use a `client` token (CORS). */
  readonly origins?: readonly string[];
  /** Requests per second this token may make (burst: twice that); default from the server. */
  readonly rateLimit?: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  /** The first characters of the token, to recognise it in a list (`ens_admin_3fa1…`). */
  readonly hint: string;
}

/** What to create. */
export interface TokenSpec {
  name: string;
  role: Role;
  flagSets?: readonly string[];
  origins?: readonly string[];
  rateLimit?: number;
  /** Lifetime in seconds; no expiry when absent. */
  ttlSeconds?: number;
  createdBy: string;
}

/** The state namespace of token records, keyed by token hash. */
export const TOKENS = 'tokens';

/** SHA-256 of a token, hex: the key it is stored under. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Refuses a spec that makes no sense for its role, naming the field. */
export function checkTokenSpec(spec: TokenSpec): string | undefined {
  const sets = spec.flagSets ?? [];
  if (spec.role === 'server' || spec.role === 'client') {
    if (sets.length !== 1 || sets[0] === '*')
      return 'flagSets: an evaluation token is bound to exactly one flag set';
  } else if (spec.role === 'editor') {
    if (sets.length === 0) return 'flagSets: an editor token names the flag sets it may write (or "*")';
  }
  if (spec.origins && spec.role !== 'client') return 'origins: only client tokens are used from browsers';
  if (spec.ttlSeconds !== undefined && !(Number.isInteger(spec.ttlSeconds) && spec.ttlSeconds > 0)) {
    return 'ttlSeconds: must be a positive integer';
  }
  return undefined;
}

/**
 * Creates a token: returns it (the only time it is seen) and its record, stored under its hash.
 * @throws {TypeError} naming the field when the spec does not fit the role.
 */
export async function issueToken(
  state: ServerState,
  spec: TokenSpec,
  now = new Date(),
): Promise<{ token: string; record: TokenRecord }> {
  const problem = checkTokenSpec(spec);
  if (problem) throw new TypeError(problem);
  const token = `ens_${spec.role}_${randomBytes(24).toString('base64url')}`;
  const flagSets = spec.role === 'admin' || spec.role === 'viewer' ? ['*'] : [...(spec.flagSets ?? [])];
  const record: TokenRecord = {
    id: `tok_${randomBytes(8).toString('hex')}`,
    name: spec.name,
    role: spec.role,
    flagSets,
    ...(spec.origins && { origins: [...spec.origins] }),
    ...(spec.rateLimit !== undefined && { rateLimit: spec.rateLimit }),
    createdAt: now.toISOString(),
    createdBy: spec.createdBy,
    ...(spec.ttlSeconds !== undefined && {
      expiresAt: new Date(now.getTime() + spec.ttlSeconds * 1000).toISOString(),
    }),
    hint: `${token.slice(0, token.indexOf('_', 4) + 5)}…`,
  };
  await state.put(TOKENS, hashToken(token), record, { expectedVersion: 0 });
  return { token, record };
}

/** Has `token` the shape of a token this server issues? (Others are refused without a lookup.) */
export function isTokenShaped(token: string): boolean {
  return /^ens_[a-z]+_[A-Za-z0-9_-]{32}$/.test(token);
}

/** The record of a presented token if it exists, is not revoked and has not expired. */
export async function findToken(
  state: ServerState,
  token: string,
  now = Date.now(),
): Promise<TokenRecord | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const doc = await state.get<TokenRecord>(TOKENS, hashToken(token));
  const record = doc?.value;
  if (!record || record.revokedAt !== undefined) return undefined;
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) return undefined;
  return record;
}

/** Every token record (revoked and expired ones included, marked), without hashes. */
export async function listTokens(state: ServerState): Promise<TokenRecord[]> {
  return [...(await state.list<TokenRecord>(TOKENS)).values()].map((d) => d.value);
}

/** Revokes the token with public id `id`; resolves whether one was found. */
export async function revokeToken(state: ServerState, id: string, now = new Date()): Promise<boolean> {
  for (const [hash, doc] of await state.list<TokenRecord>(TOKENS)) {
    if (doc.value.id !== id) continue;
    if (doc.value.revokedAt === undefined) {
      await state.put(
        TOKENS,
        hash,
        { ...doc.value, revokedAt: now.toISOString() },
        { expectedVersion: doc.version },
      );
    }
    return true;
  }
  return false;
}
