/** The timers of a sync: its periodic checks and its pending waits, all stopped at once on close. */

/**
 * Intervals and sleeps that never keep the process alive, and that {@link SyncTimers.stop} ends
 * together: intervals are cleared and pending sleeps resolve at once (so a sync waiting to retry
 * ends instead of waiting out its backoff). @internal
 */
export class SyncTimers {
  private intervals: ReturnType<typeof setInterval>[] = [];
  /** Pending waits (retry backoff, catch-up grace), ended at once by `stop`. */
  private readonly sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();

  /** Runs `run` every `ms` until `stop`. */
  every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref?.();
    this.intervals.push(timer);
  }

  /** Resolves after `ms`, or at once when `stop` is called first. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleeper.timer.unref?.();
      this.sleepers.add(sleeper);
    });
  }

  /** Clears the intervals and wakes every pending sleep. */
  stop(): void {
    for (const timer of this.intervals) clearInterval(timer);
    this.intervals = [];
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
  }
}
