/** What every route module of the server is given: the store, the state, the live sets, the options. */
import type { FlagStore } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { TokenCache } from './auth/token-cache.js';
import type { FlagSetRegistry } from './flag-sets/registry.js';
import type { ServerMetrics } from './http/metrics/server-metrics.js';
import type { ServerState } from './state/server-state.js';

/** The resolved options and shared services of one server. */
export interface ServerContext {
  readonly store: FlagStore;
  readonly state: ServerState;
  readonly registry: FlagSetRegistry;
  /** Token lookups, remembered for a second (revocations through this server forget them). */
  readonly tokens: TokenCache;
  readonly logger: Logger;
  /**
   * The URL clients reach this server at (`https://flags.example.com`), for links the server
   * hands out (OFREP event-stream URLs); the request's own origin when not configured.
   */
  readonly publicUrl: string | undefined;
  /** The secret widget tokens are sealed with; widget tokens are refused without one. */
  readonly widgetSecret: string | undefined;
  /** Largest request body accepted, in bytes (413 beyond). */
  readonly bodyLimit: number;
  /** An identifier of this server instance (leases, logs). */
  readonly instanceId: string;
  /** The server's metrics (`/metrics`); `undefined` with `metrics: false`, and then nothing is counted. */
  readonly metrics?: ServerMetrics | undefined;
}
