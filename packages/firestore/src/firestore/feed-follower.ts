/**
 * Following a set's audit log with a Firestore real-time listener: the change feed. The listener
 * watches the log documents after the last version delivered, so each entry arrives once, in
 * version order, with its after-state.
 *
 * The client re-opens a broken listen stream by itself and says nothing (it calls the error
 * callback only for errors it will not retry, such as `PERMISSION_DENIED`). So the follower
 * checks the connection itself: every `checkMs` it reads the set's document, and a read that
 * fails or takes longer than `timeoutMs` reports an interruption. Once a check succeeds again it
 * starts a fresh listener from the last version delivered; that listener's first snapshot
 * (everything written meanwhile) is the resumption. A listener that errors is reported and
 * replaced the same way.
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
  /** A check, or a listener's first snapshot, that takes longer counts as an interruption. */
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

/** The longest a listener may take to its first snapshot before it is replaced. */
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
  /** The connection check's read, while it is pending. */
  private probing: Promise<void> | undefined;
  private probeStarted = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** How long the next listener may take to its first snapshot: doubled after each that did not make it. */
  private openTimeoutMs: number;

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
    this.timer = setInterval(() => void this.check(), this.options.checkMs);
    this.timer.unref?.();
  }

  /** Stops listening and checking. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.generation++;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Replaces the listener with one from the last version delivered; resolves on its first snapshot. */
  private open(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const generation = ++this.generation;
    this.delivered = 0;
    this.listenerFailed = false;
    this.opening = true;
    const timeoutMs = this.openTimeoutMs;
    const first = new Promise<void>((resolve, reject) => {
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
          // A backend that answers slowly (one just restarted) gets longer each time, up to a minute.
          this.openTimeoutMs = error ? Math.min(timeoutMs * 2, MAX_OPEN_TIMEOUT_MS) : this.options.timeoutMs;
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
    return first;
  }

  private onSnapshot(snapshot: QuerySnapshot): void {
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

  /**
   * The connection check: interrupted when it fails or is slow; a fresh listener when it answers
   * again. One read at a time: the client retries a read for minutes while Firestore is
   * unreachable, so a read still pending is waited for rather than joined by another.
   */
  private async check(): Promise<void> {
    if (this.stopped) return;
    if (this.probing === undefined) {
      const probe = this.options.probe().then(
        () => {
          if (this.probing === probe) this.probing = undefined;
          if ((this.interrupted || this.listenerFailed) && !this.opening && !this.stopped) this.reopen();
        },
        (error: unknown) => {
          if (this.probing === probe) this.probing = undefined;
          if (!this.stopped) this.interrupt(asError(error));
        },
      );
      this.probing = probe;
      this.probeStarted = Date.now();
    } else if (Date.now() - this.probeStarted > this.options.timeoutMs) {
      this.interrupt(new Error(`Firestore did not answer within ${this.options.timeoutMs} ms`));
    }
  }

  private reopen(): void {
    this.open().catch((error: unknown) => {
      if (!this.stopped) this.interrupt(asError(error));
    });
  }

  private interrupt(error: Error): void {
    this.options.logger.debug(`change feed ${this.options.label}: interrupted:`, error.message);
    if (this.interrupted) return;
    this.interrupted = true;
    this.options.onInterrupt(error);
  }
}
