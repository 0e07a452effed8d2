/**
 * The flag sets a server serves, each followed live by one `StoreProvider` (the same sync the
 * apps use): OFREP evaluates from its compiled set with no store round trip per request, and the
 * event streams and the dashboard hear every change from it. Sets are opened on first use and
 * shared by every request.
 */
import type { CompiledFlagSet } from '@ensign/core';
import { type FlagStore, StoreProvider } from '@ensign/store';
import { type Logger, ProviderEvents } from '@openfeature/server-sdk';

/** Heard on every change of a set: the flags that changed and the set's new version. */
export type FlagSetChangeListener = (change: {
  flagSet: string;
  flagsChanged: readonly string[];
  version: number;
}) => void;

/** One set as the server follows it. */
export interface LiveFlagSet {
  readonly flagSet: string;
  /** The compiled set being served (always defined once opened). */
  readonly compiled: CompiledFlagSet;
  /** The store version being served (0: the set was never written). */
  readonly version: number;
  /** Whether the set follows its store right now (not stale). */
  readonly ready: boolean;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: FlagSetChangeListener): () => void;
}

/** Options of {@link FlagSetRegistry}. */
export interface FlagSetRegistryOptions {
  store: FlagStore;
  logger: Logger;
  /** Longest wait for a set's first snapshot. @default 5000 */
  initTimeoutMs?: number;
}

class Followed implements LiveFlagSet {
  private readonly listeners = new Set<FlagSetChangeListener>();
  ready = true;

  constructor(
    readonly flagSet: string,
    readonly provider: StoreProvider,
  ) {
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      const flagsChanged: readonly string[] =
        (details as { flagsChanged?: string[] } | undefined)?.flagsChanged ?? [];
      for (const listener of [...this.listeners]) {
        try {
          listener({ flagSet, flagsChanged, version: provider.version });
        } catch {
          // A listener (an event stream) that fails must not stop the others.
        }
      }
    });
    provider.events.addHandler(ProviderEvents.Stale, () => {
      this.ready = false;
    });
    provider.events.addHandler(ProviderEvents.Ready, () => {
      this.ready = true;
    });
  }

  get compiled(): CompiledFlagSet {
    return this.provider.compiled!;
  }

  get version(): number {
    return this.provider.version;
  }

  onChange(listener: FlagSetChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The live flag sets of one server. */
export class FlagSetRegistry {
  private readonly sets = new Map<string, Promise<Followed>>();
  /** The sets whose first load completed, readable without waiting (health, metrics). */
  private readonly loaded = new Map<string, Followed>();
  private closed = false;

  constructor(private readonly options: FlagSetRegistryOptions) {}

  /** The set, followed live from now on (opened and loaded on first use). */
  get(flagSet: string): Promise<LiveFlagSet> {
    if (this.closed) return Promise.reject(new Error('the flag-set registry is closed'));
    let opened = this.sets.get(flagSet);
    if (!opened) {
      const provider = new StoreProvider({
        store: this.options.store,
        flagSet,
        closeStore: false,
        logger: this.options.logger,
        initTimeoutMs: this.options.initTimeoutMs ?? 5_000,
      });
      opened = provider.initialize().then(() => {
        const followed = new Followed(flagSet, provider);
        if (!this.closed) this.loaded.set(flagSet, followed);
        return followed;
      });
      // A set that could not be opened is retried on the next request, not cached as failed; its
      // provider, which keeps retrying in the background, is closed.
      opened.catch(() => {
        this.sets.delete(flagSet);
        void provider.onClose();
      });
      this.sets.set(flagSet, opened);
    }
    return opened;
  }

  /** The sets opened so far, and whether each follows its store (for readiness). */
  async status(): Promise<{ flagSet: string; ready: boolean; version: number }[]> {
    const out: { flagSet: string; ready: boolean; version: number }[] = [];
    for (const opened of this.sets.values()) {
      const set = await opened.catch(() => undefined);
      if (set) out.push({ flagSet: set.flagSet, ready: set.ready, version: set.version });
    }
    return out;
  }

  /**
   * The providers of the sets loaded so far, read without waiting: their `syncStatus()` is what
   * `/metrics` reports.
   */
  providers(): StoreProvider[] {
    return [...this.loaded.values()].map((set) => set.provider);
  }

  /**
   * Whether the server is ready, from the syncs' cached state (no store round trip): every set
   * in `required` is loaded, and every loaded set follows its store (a set whose store cannot be
   * reached is stale). A required set not loaded yet is opened in the background, so readiness
   * returns once the store answers.
   */
  ready(required: readonly string[] = []): boolean {
    let ready = true;
    for (const flagSet of required) {
      if (this.loaded.has(flagSet)) continue;
      ready = false;
      if (!this.closed && !this.sets.has(flagSet)) this.get(flagSet).catch(() => {});
    }
    for (const set of this.loaded.values()) if (!set.ready) ready = false;
    return ready;
  }

  /** Stops following every set. */
  async close(): Promise<void> {
    this.closed = true;
    const sets = [...this.sets.values()];
    this.sets.clear();
    this.loaded.clear();
    await Promise.all(sets.map(async (opened) => (await opened.catch(() => undefined))?.provider.onClose()));
  }
}
