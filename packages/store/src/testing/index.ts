/**
 * `@ensign/store/testing`: the conformance suite every `FlagStore` must pass, for vitest. Run it
 * against your own store to prove it behaves exactly like the memory and Redis stores:
 * `testFlagStore('MyStore', async () => new MyStore(...))`.
 * @packageDocumentation
 */
export { type ConformanceStoreOptions, testFlagStore } from './flag-store-conformance.js';
