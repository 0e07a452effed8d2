/**
 * What the lifecycle needs from the server's state (`ServerState` of `@ensign/server` satisfies
 * it structurally, so this package does not depend on the server; the server depends on it):
 * documents with compare-and-set for archived flags and code-scan summaries, and counter reads
 * for the metric aggregates.
 *
 * | namespace | id | holds |
 * |---|---|---|
 * | `lifecycle-archive:<set>` | flag key | `ArchiveRecord`: the flag's exact definition, who archived it, when, why |
 * | `lifecycle:<set>` | `code-references` | `CodeReferenceSummary`: the latest code scan uploaded |
 * | `lifecycle-reports` | flag set | the weekly report's progress (the server's scheduler) |
 * | `metrics:<set>` | `seen`, `unknown` (counters) | last evaluations (`@ensign/hooks`' metrics layout) |
 */

/** A stored document and its compare-and-set version. */
export interface StateDocumentLike<T> {
  readonly value: T;
  readonly version: number;
}

/** The part of `ServerState` the lifecycle uses. */
export interface LifecycleState {
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
}

/** The namespace of a set's archived flags. */
export const archiveNamespace = (flagSet: string) => `lifecycle-archive:${flagSet}`;
/** The namespace of a set's lifecycle documents (the code-scan summary). */
export const lifecycleNamespace = (flagSet: string) => `lifecycle:${flagSet}`;
/** The id of the code-scan summary in {@link lifecycleNamespace}. */
export const CODE_REFERENCES_ID = 'code-references';
