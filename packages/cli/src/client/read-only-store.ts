/**
 * A `FlagStore` that can only `load`, over any client, so that pure planning functions of
 * `@ensign/store` (`planPromotion`) run the same over the admin API as over a store. Every
 * other method refuses: planning never writes.
 */
import type { FlagSetSnapshot, FlagStore } from '@ensign/store';
import type { EnsignClient, LiveSet } from './client.js';

function refuse(): never {
  throw new Error('read-only store: planning does not write');
}

/** A load-only store over `client`; each set read is also kept in `reads`. */
export function readOnlyStore(client: EnsignClient, reads: Map<string, LiveSet>): FlagStore {
  return {
    name: 'read-only',
    async load(flagSet: string): Promise<FlagSetSnapshot> {
      const live = await client.readSet(flagSet);
      reads.set(flagSet, live);
      return { flagSet, version: live.version, document: live.document, position: '' };
    },
    async version(flagSet: string) {
      return (await client.readSet(flagSet)).version;
    },
    putFlag: refuse,
    deleteFlag: refuse,
    patchFlag: refuse,
    replaceFlagSet: refuse,
    revert: refuse,
    history: (flagSet, options) => client.history(flagSet, options),
    follow: refuse,
    close: async () => {},
  };
}
