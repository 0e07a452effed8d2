/**
 * Following a set's audit log with a Firestore real-time listener: the change feed. The listener
 * watches the log documents after the last version delivered, so each entry arrives once, in
 * version order, with its after-state.
 *
 * The client re-opens a broken listen stream by itself and says nothing (it calls the error
 * callback only for errors it will not retry, such as `PERMISSION_DENIED`). So the follower
 * checks the connection itself. Every `checkMs` it reads the set's document. A read that fails
 * is an interruption. A read that takes longer than `timeoutMs` (while nothing else was heard)
 * is a suspicion: the follower then starts a fresh listener from the last version delivered,
 * and only if that one's first snapshot does not come within `timeoutMs` either is the feed
 * interrupted. (After a reconnection the client's reads may lag its listeners by a reconnect
 * backoff: a slow read alone must not report a feed that works.) While interrupted it keeps
 * starting fresh listeners, backing off; the first snapshot of one (everything written
 * meanwhile) is the resumption.
 */
import type { Query, QuerySnapshot } from '@google-cloud/firestore';
import type { Logger } from '@openfeature/server-sdk';

/** Options of {@link FeedFollower}. */
export interface FeedFollowerOptions {
  /** The listen query: log documents with a version above `afterVersion`, oldest first. */
  query(afterVersion: number): Query;
  /** A cheap read that proves Firestore answers (the set's document). */
  probe(): Promise<unknown>;
  /** Deliver entries after this version. */
  afterVersion: number;
  /** Period of the connection check. */
  checkMs: number;
  /** How long a check, or a listener's first snapshot, may take. */
  timeoutMs: number;
  /**
   * Receives each snapshot's new log documents, oldest first; returns the newest version
   * delivered (or `undefined` if none).
   */
  deliver(snapshot: QuerySnapshot, afterVersion: number): number | undefined;
  onInterrupt(error: Error): void;
  onResume(): void;
  logger: Logger;
  /** Names the feed in log lines. */
  label: string;
}

/**
 * Entries one listener delivers before it is replaced by a listener from its last version: a
 * listener keeps every document it matched in memory, so a long-lived one is re-anchored.
 */
const REANCHOR_AFTER = 500;

/** The longest a listener may take to its first snapshot, and the longest wait before the next. */
const MAX_OPEN_TIMEOUT_MS = 60_000;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The listener behind `FirestoreFlagStore.follow`. */
export class FeedFollower {
  private cursor: number;
  private unsubscribe: (() => void) | undefined;
  /** Counts listeners, so that callbacks of a replaced one are ignored. */
  private generation = 0;
  private delivered = 0;
  private listenerFailed = false;
  private opening = false;
  private interrupted = false;
  private stopped = false;
  /** The connection check's read, while it is pending (one at a time: see `check`). */
  private probing: Promise<void> | undefined;
  /** When the pending read started, or a snapshot last arrived: the last sign of life. */
  private heardAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** How long the next listener may take to its first snapshot: doubled after each that did not make it. */
  private openTimeoutMs: number;
  /** After a listener that failed, the next is started no sooner than this (backing off). */
  private nextOpenAt = 0;
  private openBackoffMs = 0;
  /** When a listener that had not answered was last dropped (0: never). */
  private abandonedAt = 0;

  constructor(private readonly options: FeedFollowerOptions) {
    this.cursor = options.afterVersion;
    this.openTimeoutMs = options.timeoutMs;
  }

  /**
   * Starts the listener and waits for its first snapshot (what is already after the position is
   * delivered by then), so that a refused or unanswered listen is the error of `follow` itself;
   * then checks the connection in the background.
   */
  async start(): Promise<void> {
    await this.open();
    this.timer = setInterval(() => this.check(), this.options.checkMs);
    this.timer.unref?.();
  }

  /** Stops listening and checking. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.generation++;
    this.dropListener();
  }

  /**
   * When a listener that had not answered (still opening, failed, or during an interruption) was
   * last dropped: the client may still be retrying its listen stream, which must not find the
   * client terminated (see `FirestoreFlagStore.close`). 0 when none was.
   */
  get lastAbandonedAt(): number {
    return this.abandonedAt;
  }

  private dropListener(): void {
    if (this.unsubscribe && (this.opening || this.interrupted || this.listenerFailed))
      this.abandonedAt = Date.now();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Replaces the listener with one from the last version delivered; resolves on its first snapshot. */
  private open(): Promise<void> {
    this.dropListener();
    const generation = ++this.generation;
    this.delivered = 0;
    this.listenerFailed = false;
    this.opening = true;
    const timeoutMs = this.openTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      let waiting = true;
      const timer = setTimeout(
        () =>
          settle(new Error(`the change feed ${this.options.label} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref?.();
      const settle = (error?: Error) => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        if (generation === this.generation) {
          this.opening = false;
          // A backend that answers slowly (one just restarted) gets longer each time, up to a minute;
          // one that refuses is asked again less and less often.
          this.openTimeoutMs = error ? Math.min(timeoutMs * 2, MAX_OPEN_TIMEOUT_MS) : this.options.timeoutMs;
          this.openBackoffMs = error
            ? Math.min(Math.max(this.openBackoffMs * 2, this.options.timeoutMs), MAX_OPEN_TIMEOUT_MS)
            : 0;
          this.nextOpenAt = Date.now() + this.openBackoffMs;
        }
        if (error) reject(error);
        else resolve();
      };
      this.unsubscribe = this.options.query(this.cursor).onSnapshot(
        (snapshot) => {
          if (generation !== this.generation || this.stopped) return settle();
          this.onSnapshot(snapshot);
          settle();
        },
        (error) => {
          if (generation !== this.generation || this.stopped) return settle();
          this.listenerFailed = true;
          if (waiting) settle(error);
          else this.interrupt(error);
        },
      );
    });
  }

  private onSnapshot(snapshot: QuerySnapshot): void {
    this.heardAt = Date.now();
    const newest = this.options.deliver(snapshot, this.cursor);
    if (newest !== undefined && newest > this.cursor) {
      this.delivered += newest - this.cursor;
      this.cursor = newest;
    }
    if (this.interrupted) {
      this.interrupted = false;
      this.options.logger.debug(`change feed ${this.options.label}: reading again`);
      this.options.onResume();
    }
    if (this.delivered >= REANCHOR_AFTER && !this.opening) this.reopen();
  }

  /** The periodic connection check (see the module's description). */
  private check(): void {
    if (this.stopped) return;
    if (this.probing === undefined) {
      // One read at a time: the client retries a read for minutes while Firestore is unreachable,
      // so a read still pending is waited for rather than joined by another.
      const probe = this.options.probe().then(
        () => {
          if (this.probing === probe) this.probing = undefined;
          this.heardAt = Date.now();
          this.retryListener(true);
        },
        (error: unknown) => {
          if (this.probing === probe) this.probing = undefined;
          if (!this.stopped) this.interrupt(asError(error));
        },
      );
      this.probing = probe;
      this.heardAt = Math.max(this.heardAt, Date.now());
    }
    if (this.interrupted || this.listenerFailed) {
      this.retryListener(false);
    } else if (Date.now() - this.heardAt > this.options.timeoutMs && !this.opening) {
      // The read is slow and nothing else was heard: a fresh listener decides.
      this.options.logger.debug(
        `change feed ${this.options.label}: a check is slow; starting a fresh listener`,
      );
      this.reopen();
    }
  }

  /**
   * While interrupted: a fresh listener, at once when `now` (a read answered), else backing off
   * (a listener that was slow to start stays subscribed meanwhile: its first snapshot still counts).
   */
  private retryListener(now: boolean): void {
    if (!(this.interrupted || this.listenerFailed) || this.opening || this.stopped) return;
    if (now || Date.now() >= this.nextOpenAt) this.reopen();
  }

  private reopen(): void {
    this.open().catch((error: unknown) => {
      if (!this.stopped) this.interrupt(asError(error));
    });
  }

  private interrupt(error: Error): void {
    if (this.interrupted) return;
    this.options.logger.debug(`change feed ${this.options.label}: interrupted:`, error.message);
    this.interrupted = true;
    this.options.onInterrupt(error);
  }
}
