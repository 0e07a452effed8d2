/** Naming where a store reads from, for error messages: its stated address, never credentials. */
import type { FlagStore } from '../flag-store.js';

/** Where a store reads from: its `address` if it states one, else the store's class name. */
export function storeAddress(store: FlagStore): string {
  const stated = store.address;
  if (typeof stated === 'string' && stated !== '') return stated;
  return store.constructor?.name ?? 'the flag store';
}
