/** What every admin route module is given. */
import type { ServerContext } from '../context.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';

/** The server's context and the list of known flag sets. */
export interface AdminContext extends ServerContext {
  readonly knownSets: KnownFlagSets;
}

/** Write options of the store for a request's actor and reason (absent fields left out). */
export function writeOptions(actor: string, reason: string | undefined): { actor: string; reason?: string } {
  return reason === undefined ? { actor } : { actor, reason };
}

/** The history limit of a query (`?limit=`; validated as digits by the route schema). */
export function historyLimit(limit: string | undefined): number {
  return limit === undefined ? 50 : Number(limit);
}
