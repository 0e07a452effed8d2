/**
 * The server's own state (tokens, webhook subscriptions and their delivery cursors, and later
 * rollout plans, leases and usage data) behind one small contract, implemented in memory (with an
 * optional file, the embedded default's persistence) and in Redis (its own key prefix and ACL user,
 * so a flag reader never reads a token hash or a webhook secret). Several server instances on one
 * Redis share it, so they behave as one. One conformance suite runs against every implementation.
 */

/** A stored document with the version that compare-and-set writes check. */
export interface StateDocument<T> {
  readonly value: T;
  /** Incremented by every write of this document; 1 after the first. */
  readonly version: number;
}

/** Options of {@link ServerState.put}. */
export interface PutOptions {
  /** Write only if the document is at this version (`0`: only if it does not exist yet). */
  expectedVersion?: number;
  /** Remove the document this long after the write (e.g. idempotency records). */
  ttlMs?: number;
}

/** Options of {@link ServerState.increment}. */
export interface IncrementOptions {
  /**
   * Remove the whole record this long after this increment (each increment with `ttlMs` sets the
   * record's expiry anew; one without leaves it as it was), e.g. time-windowed metric records
   * that must not pile up. @default the record never expires
   */
  ttlMs?: number;
}

/** A lease held by one owner at a time, with a fencing token that grows with every grant. */
export interface Lease {
  readonly owner: string;
  /**
   * Strictly greater than every token granted before for this lease name: a holder that wakes
   * after losing the lease is recognised by its smaller token.
   */
  readonly token: number;
  /** When the lease ends unless renewed (ms since the epoch). */
  readonly expiresAt: number;
}

/**
 * Where the server keeps its own state. Every implementation passes the conformance suite
 * (`testServerState` from `@ensign/server/testing`). Common rules:
 * - a namespace is a non-empty string without `{` or `}` (it becomes a Redis hash tag); an id any
 *   non-empty string; both well-formed Unicode. Refusals are `TypeError`s naming the argument;
 * - values are stored as JSON: what goes in comes out as a deep copy, as `JSON.stringify` wrote it;
 * - every method is atomic on its own; none is atomic with another.
 */
export interface ServerState {
  /** A short name of the backend (`memory`, `redis`), for logs and health. */
  readonly name: string;
  /** One document, or `undefined`. */
  get<T>(namespace: string, id: string): Promise<StateDocument<T> | undefined>;
  /**
   * Writes one document. With `expectedVersion` it is compare-and-set: resolves `undefined` when
   * the document is not at that version (nothing written), else the new version.
   */
  put<T>(namespace: string, id: string, value: T, options?: PutOptions): Promise<number | undefined>;
  /** Removes one document; resolves whether it existed. */
  delete(namespace: string, id: string): Promise<boolean>;
  /**
   * Every live document of a namespace, by id, in code-unit order of the ids (namespaces stay
   * small: tokens, webhooks, plans). Each document is as it was at some moment during the call.
   */
  list<T>(namespace: string): Promise<Map<string, StateDocument<T>>>;
  /**
   * Adds to named counters of one record atomically and resolves every counter of the record
   * (usage and metric aggregates: many writers, no lost increments). Increments are finite
   * numbers; integers stay exact up to 2^53, fractions to about 15 significant digits. With
   * `ttlMs` the record expires that long after this increment.
   */
  increment(
    namespace: string,
    id: string,
    counters: Readonly<Record<string, number>>,
    options?: IncrementOptions,
  ): Promise<Record<string, number>>;
  /**
   * Raises named counters of one record to the given values, atomically: each counter becomes the
   * larger of its value and the one given (absent counts as lower than anything). Unlike
   * `increment`, repeating a call changes nothing, so a retried or duplicated write is harmless
   * and many writers agree on the result in any order: what "when was this last seen" needs
   * (e.g. the lifecycle report's last evaluation of each flag). Shares its records with
   * `increment` and `counters`; values are finite numbers; with `ttlMs` the record expires that
   * long after this call. Resolves nothing (records of this kind can be large).
   */
  maximize(
    namespace: string,
    id: string,
    values: Readonly<Record<string, number>>,
    options?: IncrementOptions,
  ): Promise<void>;
  /** Reads the counters of one record (empty when none). */
  counters(namespace: string, id: string): Promise<Record<string, number>>;
  /**
   * Takes or renews the lease `name` for `owner` for `ttlMs`: granted when free, expired, or
   * already held by `owner` (renewal keeps the token); `undefined` when someone else holds it.
   * A lease that lapsed or was released is granted with a new, larger token, also to its former
   * owner. Expiry is measured by the state's clock (Redis's, shared by every instance).
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined>;
  /** Gives the lease up if `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
