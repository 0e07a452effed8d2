/**
 * The OpenFeature server provider over any {@link FlagStore}: a thin layer of events and
 * lifecycle over {@link FlagSetSync} (transport) and `@ensign/core`'s compiled flag set
 * (evaluation). Every evaluation is local and synchronous: no store call on the evaluation path.
 */
import type { CompiledFlagSet, FlagValueType, MetadataValue } from '@ensign/core';
import {
  ErrorCode,
  type EvaluationContext,
  GeneralError,
  type JsonValue,
  type Logger,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  StandardResolutionReasons,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import type { FlagStore } from '../flag-store.js';
import { flagsChanged } from '../sync/flag-changes.js';
import { FlagSetSync } from '../sync/flag-set-sync.js';
import { withTimeout } from '../sync/timeout.js';
import { storeAddress } from './address.js';
import { type BootstrapSource, loadBootstrap } from './bootstrap.js';
import { type ProviderStatus, activeKillSwitches } from './provider-status.js';
import type { TrackingSink } from './tracking.js';

/** Default of {@link StoreProviderOptions.flagSet}. */
export const DEFAULT_FLAG_SET = 'default';
/** Default of {@link StoreProviderOptions.resyncIntervalMs}: 30 seconds. */
export const RESYNC_INTERVAL_MS = 30_000;
/** Default of {@link StoreProviderOptions.initTimeoutMs}: 5 seconds. */
export const INIT_TIMEOUT_MS = 5_000;
/** Default of {@link StoreProviderOptions.requestTimeoutMs}: 2 seconds. */
export const REQUEST_TIMEOUT_MS = 2_000;
/** Default of {@link StoreProviderOptions.verifyIntervalMs}: 5 minutes. */
export const VERIFY_INTERVAL_MS = 300_000;

/** Options of {@link StoreProvider}. */
export interface StoreProviderOptions {
  /**
   * Where the flags live: a `RedisFlagStore` in production, a `MemoryFlagStore` for development
   * and tests, or any other `FlagStore`.
   */
  store: FlagStore;
  /**
   * The flag set to serve (its Redis hash tag).
   * @default 'default'
   */
  flagSet?: string;
  /**
   * How often the provider compares its version with the store's. Changes normally arrive within
   * milliseconds through the change feed (the store's audit log); this catches a feed that fell
   * behind, and a store that was reset (a Redis restarted without its data).
   * @default 30_000
   */
  resyncIntervalMs?: number;
  /**
   * How often the provider reloads the whole set and compares its content with what it serves,
   * to catch changes made around the store's write path (a flag edited by hand in Redis). Such a
   * change is logged as a warning and then served.
   * @default 300_000
   */
  verifyIntervalMs?: number;
  /**
   * How long `initialize` waits for the first snapshot before it rejects (naming the address it
   * tried). Unused with `bootstrap`. The provider keeps trying afterwards and emits
   * `PROVIDER_READY` when the store answers.
   * @default 5_000
   */
  initTimeoutMs?: number;
  /**
   * The longest wait for one store call after start (version checks, reloads) before it counts as
   * failed, and the bound on catching up: a change the provider knows of but cannot apply within
   * this time makes it emit `PROVIDER_STALE` (it keeps serving its last good flags and retries).
   * @default 2_000
   */
  requestTimeoutMs?: number;
  /**
   * A flag-set document (or the path of a JSON file holding one) to serve when the store cannot
   * be reached at start. `initialize` then resolves at once and the provider catches up, with
   * `PROVIDER_CONFIGURATION_CHANGED`, when the store answers.
   */
  bootstrap?: BootstrapSource;
  /** Receives OpenFeature `track()` events; without one, `track` does nothing. */
  trackingSink?: TrackingSink;
  /**
   * Where the provider logs (OpenFeature's console-compatible `Logger`): one error line when the
   * connection is lost, a warning per invalid flag, details at debug level. Never flag values
   * or evaluation contexts.
   * @default console (errors and warnings only)
   */
  logger?: Logger;
  /**
   * Whether `onClose` also closes the store. Set `false` when the store is shared with other code.
   * @default true
   */
  closeStore?: boolean;
}

const consoleLogger: Logger = {
  error: (...args) => console.error(...args),
  warn: (...args) => console.warn(...args),
  info: () => {},
  debug: () => {},
};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value > 0)) {
    throw new RangeError(`option ${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * OpenFeature server provider over a {@link FlagStore}: it keeps the whole flag set in process,
 * follows the store's change feed, and evaluates locally with `@ensign/core`.
 *
 * Events: `PROVIDER_CONFIGURATION_CHANGED` with the exact `flagsChanged` on every change;
 * `PROVIDER_STALE` when the connection is lost (the last good flags keep being served);
 * `PROVIDER_READY` when it is back and resynchronised (then `PROVIDER_CONFIGURATION_CHANGED`
 * if anything changed meanwhile). `initialize` emits nothing itself: the SDK does.
 *
 * Its metadata name says what is behind it: `ensign-<store.name>` (`ensign-memory`,
 * `ensign-redis`, `ensign-firestore`), the name that lands in exposure events and telemetry.
 * @example
 * const store = new MemoryFlagStore({ flagSets: { checkout: document } });
 * await OpenFeature.setProviderAndWait(new StoreProvider({ store, flagSet: 'checkout' }));
 * const enabled = await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey });
 */
export class StoreProvider implements Provider {
  readonly metadata: { readonly name: string };
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  private readonly sync: FlagSetSync;
  private readonly store: FlagStore;
  private readonly flagSet: string;
  private readonly logger: Logger;
  private readonly initTimeoutMs: number;
  private readonly bootstrap: BootstrapSource | undefined;
  private readonly trackingSink: TrackingSink | undefined;
  private readonly closeStore: boolean;
  private initializing: Promise<void> | undefined;
  private closed = false;
  /** Kill switches with no recorded time: when this provider first saw each active. */
  private readonly killSwitchesSeen = new Map<string, number>();

  constructor(options: StoreProviderOptions) {
    if (typeof options?.store?.load !== 'function') {
      throw new TypeError('option store is required: a FlagStore such as RedisFlagStore or MemoryFlagStore');
    }
    this.store = options.store;
    this.metadata = { name: `ensign-${options.store.name ?? 'store'}` };
    this.flagSet = options.flagSet ?? DEFAULT_FLAG_SET;
    this.logger = options.logger ?? consoleLogger;
    this.initTimeoutMs = positive('initTimeoutMs', options.initTimeoutMs, INIT_TIMEOUT_MS);
    this.bootstrap = options.bootstrap;
    this.trackingSink = options.trackingSink;
    this.closeStore = options.closeStore ?? true;
    this.sync = new FlagSetSync({
      store: options.store,
      flagSet: this.flagSet,
      resyncIntervalMs: positive('resyncIntervalMs', options.resyncIntervalMs, RESYNC_INTERVAL_MS),
      verifyIntervalMs: positive('verifyIntervalMs', options.verifyIntervalMs, VERIFY_INTERVAL_MS),
      requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, REQUEST_TIMEOUT_MS),
      logger: this.logger,
      listener: {
        changed: (changes) => this.emitChanged(flagsChanged(changes)),
        stale: (message) => this.events.emit(ProviderEvents.Stale, { message }),
        recovered: (changes) => {
          this.events.emit(ProviderEvents.Ready, { message: `flag set "${this.flagSet}" resynchronised` });
          const keys = flagsChanged(changes);
          if (keys.length > 0) this.emitChanged(keys);
        },
      },
    });
  }

  /**
   * The metadata written on a flag itself, without its set's (`undefined` before the first load
   * or for a flag the set does not hold). The widget hand-off uses it: only a flag marked
   * `clientSide` on itself may reach a widget, never by a set-level default.
   */
  ownFlagMetadata(flagKey: string): Readonly<Record<string, MetadataValue>> | undefined {
    return this.sync.flags?.get(flagKey)?.program.flagMetadata;
  }

  /**
   * The compiled flag set being served (`undefined` before the first load): for servers that
   * evaluate many flags at once (OFREP bulk evaluation) without going through the SDK per flag.
   */
  get compiled(): CompiledFlagSet | undefined {
    return this.sync.flags;
  }

  /** The store version being served; -1 while serving the bootstrap document or nothing. */
  get version(): number {
    return this.sync.version;
  }

  /**
   * The provider's status, for health checks and metrics (`@ensign/hooks`' `instrumentFlagSets`,
   * the server's `/readyz` and `/metrics`): the sync's state, served version and flag count,
   * when the flags last changed, counters of the change feed, and the kill switches in force.
   * Computed when called (walks the served flags once); nothing is added to evaluations.
   */
  syncStatus(now = Date.now()): ProviderStatus {
    return {
      ...this.sync.status(),
      providerName: this.metadata.name,
      killSwitches: activeKillSwitches(
        this.sync.flags,
        (flagKey) => this.sync.changedAtOf(flagKey),
        this.killSwitchesSeen,
        now,
      ),
    };
  }

  /**
   * Loads the first snapshot and subscribes to changes. With `bootstrap`, serves that document
   * at once and catches up in the background.
   * @throws {GeneralError} when the store gives no snapshot within `initTimeoutMs`, naming the
   * address tried; the provider keeps trying and emits `PROVIDER_READY` when it succeeds.
   */
  initialize(): Promise<void> {
    this.initializing ??= this.start();
    return this.initializing;
  }

  private async start(): Promise<void> {
    if (this.bootstrap !== undefined) {
      this.sync.useBootstrap(await loadBootstrap(this.bootstrap));
      void this.sync.start();
      return;
    }
    const first = this.sync.start();
    try {
      await withTimeout(first, this.initTimeoutMs, () => 'timed out');
    } catch {
      // The SDK turns this rejection into PROVIDER_ERROR; announce recovery when it comes.
      void first.then(() => {
        if (!this.closed) {
          this.events.emit(ProviderEvents.Ready, { message: `flag set "${this.flagSet}" loaded` });
        }
      });
      const last = this.sync.lastError;
      const detail = last instanceof Error ? `: ${last.message}` : ' (no answer)';
      throw new GeneralError(
        `could not load flag set "${this.flagSet}" from ${storeAddress(this.store)} within ${this.initTimeoutMs} ms` +
          ` (option initTimeoutMs)${detail}; pass option bootstrap to start without the store`,
        { cause: last },
      );
    }
  }

  /** Stops following the store and releases its timers, subscription and (with `closeStore`) the store. */
  async onClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sync.close();
    if (this.closeStore) await this.store.close();
  }

  /** Hands a tracking event to the `trackingSink`; a failing sink is logged, never thrown. */
  track(
    trackingEventName: string,
    context: EvaluationContext,
    trackingEventDetails: TrackingEventDetails,
  ): void {
    if (!this.trackingSink) return;
    try {
      this.trackingSink.track({
        eventName: trackingEventName,
        flagSetId: this.flagSet,
        context,
        details: trackingEventDetails ?? {},
        timestamp: Date.now(),
      });
    } catch (error) {
      this.logger.warn(`tracking sink failed for event "${trackingEventName}":`, error);
    }
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.evaluate(flagKey, 'boolean', defaultValue, context));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.evaluate(flagKey, 'string', defaultValue, context));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.evaluate(flagKey, 'number', defaultValue, context));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.evaluate(flagKey, 'object', defaultValue, context));
  }

  /**
   * Evaluates synchronously against the flags in memory. Errors come back as `errorCode` in the
   * result, not thrown: SDK 1.23 turns the code into the matching OpenFeature error for error
   * hooks and keeps the flag metadata in the details, which a thrown error would lose.
   */
  evaluate<T extends boolean | string | number | JsonValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    const flags = this.sync.flags;
    if (flags === undefined) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.PROVIDER_NOT_READY,
        errorMessage: `flag set "${this.flagSet}" has not been loaded yet`,
      };
    }
    return flags.evaluate(flagKey, type, defaultValue, context);
  }

  private emitChanged(keys: string[]): void {
    this.events.emit(ProviderEvents.ConfigurationChanged, {
      flagsChanged: keys,
      message: `flag set "${this.flagSet}" is at version ${this.sync.version}`,
      metadata: { flagSetId: this.flagSet, version: this.sync.version },
    });
  }
}
