/**
 * What rollouts need from the server's state: documents with compare-and-set, counters, and
 * leases with fencing tokens. `ServerState` of `@ensign/server` (memory with a file, Redis)
 * satisfies this structurally, so this package does not depend on the server (the server
 * depends on it), and rollouts keep plans, schedules and the controller's lease wherever the
 * server keeps its tokens and webhooks.
 *
 * Namespaces (each a Redis hash tag of its own under the state's prefix):
 * | namespace | id | document |
 * |---|---|---|
 * | `rollouts:<set>` | plan id | `RolloutRecord`: the plan, its progress, its history |
 * | `schedules:<set>` | schedule id | `ScheduleRecord` |
 * | `control-sets` | flag set | `{}`: the sets that have plans or schedules (the controller's index) |
 * | `metrics:<set>` | (counters) | the metric aggregates (`@ensign/hooks`' layout) |
 * Lease: `rollout-controller` (one controller acts at a time, over every set).
 */

/** A stored document and its compare-and-set version. */
export interface StateDocumentLike<T> {
  readonly value: T;
  readonly version: number;
}

/** A lease with its fencing token. */
export interface LeaseLike {
  readonly owner: string;
  readonly token: number;
  readonly expiresAt: number;
}

/** The part of `ServerState` rollouts use. */
export interface RolloutState {
  get<T>(namespace: string, id: string): Promise<StateDocumentLike<T> | undefined>;
  put<T>(
    namespace: string,
    id: string,
    value: T,
    options?: { expectedVersion?: number; ttlMs?: number },
  ): Promise<number | undefined>;
  delete(namespace: string, id: string): Promise<boolean>;
  list<T>(namespace: string): Promise<Map<string, StateDocumentLike<T>>>;
  counters(namespace: string, id: string): Promise<Record<string, number>>;
  acquireLease(name: string, owner: string, ttlMs: number): Promise<LeaseLike | undefined>;
  releaseLease(name: string, owner: string): Promise<void>;
}

/** The namespace of a set's rollout plans. */
export const rolloutsNamespace = (flagSet: string) => `rollouts:${flagSet}`;
/** The namespace of a set's scheduled changes. */
export const schedulesNamespace = (flagSet: string) => `schedules:${flagSet}`;
/** The index of sets with plans or schedules. */
export const CONTROL_SETS = 'control-sets';
/** The controller's lease. */
export const CONTROLLER_LEASE = 'rollout-controller';

/** Adds `flagSet` to the controller's index (compare-and-set on absence: the first record stays). */
export async function indexFlagSet(state: RolloutState, flagSet: string): Promise<void> {
  if ((await state.get(CONTROL_SETS, flagSet)) === undefined)
    await state.put(CONTROL_SETS, flagSet, { since: new Date().toISOString() }, { expectedVersion: 0 });
}
