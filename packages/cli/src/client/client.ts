/**
 * What the commands need from wherever the flags live, behind one interface with two
 * implementations: the admin API over HTTP (`ENSIGN_URL` + a token; every write audited with the
 * token's actor) and a store reached directly (`REDIS_URL`, or a memory-store file) for
 * bootstrapping a server that has no token yet.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';

/** A set as read: its version and document. */
export interface LiveSet {
  readonly flagSet: string;
  /** 0 for a set never written. */
  readonly version: number;
  readonly document: FlagSetDocument;
}

/** What a write records beside the change. */
export interface WriteMeta {
  /** Why (an incident, a ticket); recorded in the audit log. */
  readonly reason?: string;
}

/** The outcome of a write to one flag. */
export interface FlagWriteResult {
  readonly flagSet: string;
  readonly flagKey: string;
  /** Whether anything was written (`false`: it was already so, e.g. killing a killed flag). */
  readonly changed: boolean;
  /** The set's version after the write. */
  readonly version: number;
  /** The flag after the write (`null` when removed). */
  readonly flag: FlagDefinition | null;
}

/** A token as listed: never the token itself. */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly flagSets: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly hint: string;
}

/** What `token create` asks for. */
export interface TokenRequest {
  readonly name: string;
  readonly role: string;
  readonly flagSets?: readonly string[];
  readonly ttlSeconds?: number;
}

/** Where the flags are, as the commands see it. */
export interface EnsignClient {
  /** `api` (admin API) or `store` (direct). */
  readonly kind: 'api' | 'store';
  /** Where it talks to, for messages (never credentials): `http://127.0.0.1:8080`, `redis://…`. */
  readonly target: string;
  /** Reads one set. */
  readSet(flagSet: string): Promise<LiveSet>;
  /**
   * Replaces the whole set in one audited write, only if it is still at `expectedVersion`.
   * @throws {CliError} `conflict` when the set moved.
   */
  replaceSet(
    flagSet: string,
    document: FlagSetDocument,
    options: WriteMeta & { expectedVersion: number },
  ): Promise<{ version: number }>;
  /** Audit entries, newest first (with `flagKey`: the entries that changed that flag). */
  history(flagSet: string, options?: { flagKey?: string; limit?: number }): Promise<AuditEntry[]>;
  /** Turns a flag off (the kill switch). */
  kill(flagSet: string, flagKey: string, meta: WriteMeta): Promise<FlagWriteResult>;
  /** Undoes a kill. */
  restore(flagSet: string, flagKey: string, meta: WriteMeta): Promise<FlagWriteResult>;
  /** Sets the weights of the flag's `fractional` split (variant → weight). */
  setWeights(
    flagSet: string,
    flagKey: string,
    weights: Readonly<Record<string, number>>,
    meta: WriteMeta,
  ): Promise<FlagWriteResult>;
  /** Puts one flag back as it was at set version `version`. */
  revertFlag(flagSet: string, flagKey: string, version: number, meta: WriteMeta): Promise<FlagWriteResult>;
  /** Creates a token; the token is in the result and nowhere else, ever. */
  createToken(request: TokenRequest): Promise<{ token: string; record: TokenInfo }>;
  listTokens(): Promise<TokenInfo[]>;
  /** Revokes a token by id; resolves whether it existed. */
  revokeToken(id: string): Promise<boolean>;
  /** Releases connections. */
  close(): Promise<void>;
}
