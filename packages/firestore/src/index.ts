/**
 * `@ensign/firestore`: flag sets in Cloud Firestore behind the same `FlagStore` contract as the
 * memory and Redis stores (atomic compare-and-set writes, the audit log, history and revert, a
 * change feed from real-time listeners). Serve them with `StoreProvider` from `@ensign/store`.
 * @packageDocumentation
 */
export { FirestoreFlagStore } from './firestore-flag-store.js';
export { FEED_CHECK_MS, FEED_TIMEOUT_MS, type FirestoreFlagStoreOptions } from './firestore/options.js';
export { DEFAULT_COLLECTION, type SetRefs, documentId } from './firestore/layout.js';
