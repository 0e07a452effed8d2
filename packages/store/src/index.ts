/**
 * `@ensign/store`: the flag-store contract, the in-memory store, the shared write path every store
 * builds on, the change-feed sync, and the OpenFeature server provider over any store. Stores of
 * other databases (`@ensign/redis-provider`, `@ensign/firestore`) extend `BaseFlagStore` and prove
 * themselves with the conformance suite in `@ensign/store/testing`.
 * @packageDocumentation
 */
export type * from './flag-store.js';
export * from './errors.js';
export { MAX_ACTOR_LENGTH, MAX_REASON_LENGTH, positiveIntegerOption } from './store/arguments.js';
export { MemoryFlagStore, type MemoryFlagStoreOptions } from './memory-flag-store.js';
// For stores and states of one's own that keep a file on one machine (the server state does).
export {
  type VersionedFileContent,
  type VersionedFileKind,
  readVersionedFile,
  writeVersionedFile,
} from './store/versioned-file.js';
export {
  BaseFlagStore,
  type CommitGuard,
  type CommitOutcome,
  type CommitRequest,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_MAX_LOG_LENGTH,
  DEFAULT_MAX_WRITE_RETRIES,
} from './store/base-flag-store.js';
export { type WritePlan, type WriteRequest, entryTouchesFlag, planWrite } from './store/plan-write.js';
export {
  type DecodedFlag,
  type StoredFlag,
  checkFlagKey,
  ABSENT_FLAG_ETAG,
  checkFlagSetId,
  clone,
  flagEtag,
  isWellFormed,
  MAX_FLAG_JSON_DEPTH,
  tooDeep,
  decodeFlag,
  emptyDocument,
  encodeFlag,
  own,
  setOwn,
} from './store/document.js';
export { FlagSetSync } from './sync/flag-set-sync.js';
export { changeCount, flagsChanged } from './sync/flag-changes.js';
export type { FlagSetSyncListener, FlagSetSyncOptions, FlagSource } from './sync/sync-options.js';
export {
  type FeedEntryCounts,
  type FlagSetSyncCounters,
  type FlagSetSyncStatus,
  RELOAD_CAUSES,
  type ReloadCause,
  type SyncState,
} from './sync/sync-status.js';
export { TimeoutError, withTimeout } from './sync/timeout.js';
export {
  type ActiveKillSwitch,
  KILL_SWITCH_KINDS,
  type ProviderStatus,
} from './provider/provider-status.js';
export type { BootstrapSource } from './provider/bootstrap.js';
export type { ProviderTrackingEvent, TrackingSink } from './provider/tracking.js';
export {
  DEFAULT_FLAG_SET,
  INIT_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  RESYNC_INTERVAL_MS,
  StoreProvider,
  type StoreProviderOptions,
} from './provider/store-provider.js';
export {
  ENABLE_ALL,
  type FlagOverride,
  FlagOverrideError,
  OVERRIDE_ENV,
  OVERRIDE_FILE_ENV,
  type OverrideSet,
  parseOverrideVariable,
  readOverrideFile,
} from './overrides/parse.js';
export {
  OVERRIDE_PROVIDER_NAME,
  OVERRIDE_VARIANT,
  type OverrideFlagMetadata,
  OverrideProvider,
  type OverrideProviderOptions,
} from './overrides/override-provider.js';
export { OverridesFirstStrategy } from './overrides/strategy.js';
export {
  OverridingProvider,
  type WithOverridesOptions,
  overrideBanner,
  withOverrides,
} from './overrides/with-overrides.js';
// Intent-level actions (kill, restore, rollout, targeting, revert one flag, promote, history).
export { type IntentErrorCode, IntentError } from './intents/errors.js';
export { type JsonChange, jsonChanges, jsonEqual } from './intents/diff.js';
export {
  type FlagDecision,
  type FlagIntentResult,
  INTENT_WRITE_ATTEMPTS,
  type IntentOptions,
  updateFlag,
} from './intents/update-flag.js';
export {
  KILL_METADATA,
  type KillDetail,
  type KillMode,
  type KillState,
  OFF_VARIANT_METADATA,
  type RestoreDetail,
  killedDefinition,
  killFlag,
  killStateOf,
  offVariantOf,
  restoreFlag,
} from './intents/kill.js';
export {
  MAX_TOTAL_WEIGHT,
  type RolloutWeights,
  rolloutWeightsOf,
  setRolloutWeights,
  withRolloutWeights,
} from './intents/rollout.js';
export {
  DEFAULT_TARGETING_ATTRIBUTE,
  type TargetingChange,
  changeTargeting,
  withTargetingChange,
} from './intents/targeting.js';
export { type RevertFlagResult, flagAtVersion, revertFlag } from './intents/revert-flag.js';
export {
  type PromotionOptions,
  type PromotionPlan,
  type PromotionResult,
  planPromotion,
  promote,
} from './intents/promote.js';
export { type HistoryChange, describeEntry, historyOf } from './intents/history.js';
