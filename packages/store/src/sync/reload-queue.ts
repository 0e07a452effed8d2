/** Running the sync's full reloads one at a time, folding the requests that come in meanwhile. */
import type { ReloadCause } from './sync-status.js';

/** How a full reload is to run: `force` compares content even when the version is unchanged. @internal */
export interface ReloadRequest {
  force: boolean;
  cause: ReloadCause;
}

/** What a {@link ReloadQueue} drives. @internal */
export interface ReloadHooks {
  /** A reload starts (for the counters); not called for a request folded into a running one. */
  started(cause: ReloadCause): void;
  /** The reload itself (retried inside until it succeeds or the sync closes). */
  run(request: ReloadRequest): Promise<void>;
  /** A reload ended and no other was asked for meanwhile. */
  settled(): void;
  closed(): boolean;
}

/**
 * At most one reload runs. A request made while one runs is remembered and runs once more after
 * it, because the running one may have read the store before what asked for it happened; several
 * such requests become one (forced if any was, with the first one's cause). @internal
 */
export class ReloadQueue {
  /** The reload running, if any. */
  running: Promise<void> | undefined;
  /** A reload was asked for while one ran: run once more (it may predate what asked). */
  private again: ReloadRequest | undefined;

  constructor(private readonly hooks: ReloadHooks) {}

  /** Starts a reload, or folds `request` into the one after the running one; resolves with the running one. */
  request(request: ReloadRequest): Promise<void> {
    if (this.running) {
      this.again = {
        force: request.force || (this.again?.force ?? false),
        cause: this.again?.cause ?? request.cause,
      };
      return this.running;
    }
    this.hooks.started(request.cause);
    this.running = this.hooks.run(request).finally(() => {
      this.running = undefined;
      const again = this.again;
      this.again = undefined;
      if (again && !this.hooks.closed()) void this.request(again);
      else this.hooks.settled();
    });
    return this.running;
  }
}
