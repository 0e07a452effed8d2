/**
 * The sync's subscription to the change feed of one flag set: (re)subscribing from a position,
 * ignoring what a replaced subscription still delivers, and whether the feed is down.
 */
import type { AuditEntry, FlagStore, Subscription } from '../flag-store.js';

/** What the feed reports to the sync; called only for the current subscription. @internal */
export interface FeedHandlers {
  entry(entry: AuditEntry): void;
  /** `first`: the feed was up until now (not a repeat of an interruption already reported). */
  interrupted(error: Error | undefined, first: boolean): void;
  resumed(): void;
}

/** One live subscription at a time to the change feed of `flagSet`. @internal */
export class FeedSubscription {
  /** The change feed reported an interruption and has not resumed. */
  down = false;
  private subscription: Subscription | undefined;
  /** Counts follow subscriptions, so entries of a replaced one are ignored. */
  private generation = 0;

  constructor(
    private readonly store: FlagStore,
    private readonly flagSet: string,
    private readonly handlers: FeedHandlers,
    private readonly closed: () => boolean,
  ) {}

  /** Whether a subscription is in place. */
  get active(): boolean {
    return this.subscription !== undefined;
  }

  /** (Re)starts following the feed after `position`, replacing any earlier subscription. */
  async follow(position: string): Promise<void> {
    const generation = ++this.generation;
    const previous = this.subscription;
    this.subscription = undefined;
    if (previous) await previous.unsubscribe().catch(() => {});
    let subscription: Subscription;
    try {
      subscription = await this.store.follow(
        this.flagSet,
        position,
        (entry) => {
          if (generation === this.generation) this.handlers.entry(entry);
        },
        {
          onInterrupt: (error) => {
            if (generation !== this.generation) return;
            const first = !this.down;
            this.down = true;
            this.handlers.interrupted(error, first);
          },
          onResume: () => {
            if (generation !== this.generation) return;
            this.down = false;
            this.handlers.resumed();
          },
        },
      );
    } catch (error) {
      throw new Error(`could not follow the change feed of flag set "${this.flagSet}"`, {
        cause: error,
      });
    }
    if (this.closed() || generation !== this.generation) {
      await subscription.unsubscribe().catch(() => {});
      return;
    }
    this.subscription = subscription;
    // A new subscription reads the feed (a refused read fails `follow` itself). An interruption
    // of the one it replaced is over: that one will never report its resumption.
    this.down = false;
  }

  /** Ends the subscription; whatever it still delivers is ignored. */
  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.generation++;
    if (subscription) await subscription.unsubscribe().catch(() => {});
  }
}
