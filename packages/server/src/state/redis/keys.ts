/**
 * The Redis key layout of the server state, under a prefix of its own (`ensign:` by default, apart
 * from the flag stores' `flags:`) so that one ACL user owns it and a flag reader cannot see it.
 * Every key of one namespace shares one hash tag (one Cluster slot: a script can keep a document
 * and the namespace's index together); every lease has a hash tag of its own.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<prefix>{<namespace>}:ids` | set | the ids of the namespace's documents (the index `list` reads) |
 * | `<prefix>{<namespace>}:doc:<id>` | hash | `version`, `value` (JSON); a Redis TTL when written with `ttlMs` |
 * | `<prefix>{<namespace>}:ctr:<id>` | hash | counter name → value |
 * | `<prefix>lease:{<name>}` | hash | `owner`, `token` (the last fencing token, kept after release), `expiresAt` (ms, Redis clock) |
 */

/** Key prefix used when none is configured. */
export const DEFAULT_STATE_PREFIX = 'ensign:';

/** The keys of one namespace. */
export interface NamespaceKeys {
  readonly index: string;
  doc(id: string): string;
  counters(id: string): string;
}

/** Keys of `namespace` under `prefix`. */
export function namespaceKeys(prefix: string, namespace: string): NamespaceKeys {
  const base = `${prefix}{${namespace}}:`;
  return {
    index: `${base}ids`,
    doc: (id) => `${base}doc:${id}`,
    counters: (id) => `${base}ctr:${id}`,
  };
}

/** The key of lease `name` under `prefix`. */
export function leaseKey(prefix: string, name: string): string {
  return `${prefix}lease:{${name}}`;
}
