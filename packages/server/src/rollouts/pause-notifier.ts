/**
 * Pauses to webhooks, beside the controller: each pause starts its delivery in the background
 * (the controller never waits for a receiver), errors are logged, and stopping lets deliveries in
 * flight end within a grace, then cancels what is left (recorded among the webhook's failures).
 */
import type { RolloutNotification } from '@ensign/rollouts';
import type { FlagStore } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { ServerState } from '../state/server-state.js';
import type { RetryPolicy } from '../webhooks/deliver.js';
import { deliverRolloutPause } from './deliver-pause.js';

/** How long a closing server lets pause deliveries in flight end (as the dispatcher does). */
export const PAUSE_STOP_GRACE_MS = 2_000;

/** What the notifier needs from the server. */
export interface PauseNotifierDeps {
  readonly state: ServerState;
  readonly store: FlagStore;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly deliveryHistory: number;
}

/** Delivers the controller's pauses to the webhooks subscribed to `rollout.paused`. */
export class PauseNotifier {
  private readonly inFlight = new Set<Promise<void>>();
  /** Fired when stopping: no new attempt starts. */
  private readonly stopping = new AbortController();
  /** Fired when the grace ran out: attempts in flight are cancelled. */
  private readonly abort = new AbortController();

  constructor(private readonly deps: PauseNotifierDeps) {}

  /** Starts delivering `event` in the background, if it is a pause; never throws. */
  notify(event: RolloutNotification): void {
    if (event.type !== 'paused' || this.stopping.signal.aborted) return;
    const { deps } = this;
    const delivery = deliverRolloutPause(
      {
        state: deps.state,
        store: deps.store,
        policy: deps.retry,
        deliveryHistory: deps.deliveryHistory,
        signals: { stopping: this.stopping.signal, abort: this.abort.signal },
      },
      event,
    )
      .then((deliveries) => {
        const failed = deliveries.filter((d) => !d.delivered).length;
        if (failed > 0)
          deps.logger.warn(
            `rollout ${event.plan} of ${event.flagSet}: the pause could not be delivered to ${failed} of ${deliveries.length} webhooks; listed under their failures`,
          );
      })
      .catch((error: unknown) => {
        const line = error instanceof Error ? error.message : String(error);
        deps.logger.error(`rollout ${event.plan} of ${event.flagSet}: delivering the pause: ${line}`);
      })
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Stops: deliveries in flight may end within `graceMs`, then the rest are cancelled. */
  async stop(graceMs = PAUSE_STOP_GRACE_MS): Promise<void> {
    this.stopping.abort();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(this.inFlight), grace]);
    clearTimeout(timer);
    this.abort.abort();
    await Promise.all(this.inFlight);
  }
}
