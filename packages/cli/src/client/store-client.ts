/**
 * The CLI talking to a store directly (Redis, or a memory-store file of a stopped `ensign serve`)
 * for bootstrap: before a server has its first token, or when the server is down. Writes go
 * through the same intent functions the admin API uses (`killFlag`, `setRolloutWeights`, …), so
 * both paths do exactly the same writes; the actor is `ENSIGN_ACTOR` or the local user.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { ServerState } from '@ensign/server';
import {
  type AuditEntry,
  type FlagStore,
  killFlag,
  restoreFlag,
  revertFlag,
  setRolloutWeights,
  withTimeout,
} from '@ensign/store';
import type { EnsignClient, FlagWriteResult, LiveSet, TokenInfo, TokenRequest, WriteMeta } from './client.js';
import { fromStoreError } from './store-errors.js';

/** How to build a {@link StoreClient}. */
export interface StoreClientOptions {
  readonly store: FlagStore;
  /** Where the store is, for messages (no credentials). */
  readonly target: string;
  /** Opens the server state (tokens), on first use. */
  readonly openState: () => Promise<ServerState>;
  /** Recorded as the actor of every write. */
  readonly actor: string;
  /** Longest wait for one store call. */
  readonly timeoutMs: number;
}

/** An {@link EnsignClient} over a `FlagStore` and a server state. */
export class StoreClient implements EnsignClient {
  readonly kind = 'store';
  readonly target: string;
  private state: Promise<ServerState> | undefined;

  constructor(private readonly options: StoreClientOptions) {
    this.target = options.target;
  }

  private async call<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        body(),
        this.options.timeoutMs,
        () => `the store at ${this.target} did not answer within ${this.options.timeoutMs} ms`,
      );
    } catch (error) {
      throw fromStoreError(error, this.target);
    }
  }

  private write(meta: WriteMeta) {
    return { actor: this.options.actor, ...(meta.reason !== undefined && { reason: meta.reason }) };
  }

  readSet(flagSet: string): Promise<LiveSet> {
    return this.call(async () => {
      const { version, document } = await this.options.store.load(flagSet);
      return { flagSet, version, document };
    });
  }

  replaceSet(flagSet: string, document: FlagSetDocument, options: WriteMeta & { expectedVersion: number }) {
    return this.call(() =>
      this.options.store.replaceFlagSet(flagSet, document, {
        ...this.write(options),
        expectedVersion: options.expectedVersion,
      }),
    );
  }

  history(flagSet: string, options: { flagKey?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return this.call(() => this.options.store.history(flagSet, options));
  }

  kill(flagSet: string, flagKey: string, meta: WriteMeta): Promise<FlagWriteResult> {
    return this.call(async () => {
      const result = await killFlag(this.options.store, flagSet, flagKey, this.write(meta));
      return { flagSet, flagKey, changed: result.changed, version: result.version, flag: result.flag };
    });
  }

  restore(flagSet: string, flagKey: string, meta: WriteMeta): Promise<FlagWriteResult> {
    return this.call(async () => {
      const result = await restoreFlag(this.options.store, flagSet, flagKey, this.write(meta));
      return { flagSet, flagKey, changed: result.changed, version: result.version, flag: result.flag };
    });
  }

  setWeights(
    flagSet: string,
    flagKey: string,
    weights: Readonly<Record<string, number>>,
    meta: WriteMeta,
  ): Promise<FlagWriteResult> {
    return this.call(async () => {
      const result = await setRolloutWeights(this.options.store, flagSet, flagKey, weights, this.write(meta));
      return { flagSet, flagKey, changed: result.changed, version: result.version, flag: result.flag };
    });
  }

  revertFlag(flagSet: string, flagKey: string, version: number, meta: WriteMeta): Promise<FlagWriteResult> {
    return this.call(async () => {
      const result = await revertFlag(this.options.store, flagSet, flagKey, version, this.write(meta));
      return {
        flagSet,
        flagKey,
        changed: result.changed,
        version: result.version,
        flag: result.flag as FlagDefinition | null,
      };
    });
  }

  private serverState(): Promise<ServerState> {
    this.state ??= this.options.openState();
    return this.state;
  }

  createToken(request: TokenRequest): Promise<{ token: string; record: TokenInfo }> {
    return this.call(async () => {
      const { issueToken } = await import('@ensign/server');
      const { token, record } = await issueToken(await this.serverState(), {
        name: request.name,
        role: request.role as Parameters<typeof issueToken>[1]['role'],
        ...(request.flagSets !== undefined && request.flagSets.length > 0 && { flagSets: request.flagSets }),
        ...(request.ttlSeconds !== undefined && { ttlSeconds: request.ttlSeconds }),
        createdBy: this.options.actor,
      });
      return { token, record };
    });
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.call(async () => {
      const { listTokens } = await import('@ensign/server');
      return listTokens(await this.serverState());
    });
  }

  revokeToken(id: string): Promise<boolean> {
    return this.call(async () => {
      const { revokeToken } = await import('@ensign/server');
      return revokeToken(await this.serverState(), id);
    });
  }

  async close(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    await Promise.allSettled([this.options.store.close(), state?.then((s) => s.close())]);
  }
}
