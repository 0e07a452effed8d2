/**
 * How `RedisStreamSink` lives with the fail-fast connection it recommends (`enableOfflineQueue:
 * false`): such a client rejects every command until it is ready, so a burst sent while it is
 * still connecting would be lost, and `quit()` on it fails, leaving it reconnecting forever.
 * This gate makes a write wait (bounded) for readiness, fails writes at once while Redis is known
 * to be down, logs connection errors at debug level (one line per outage, not one per retry;
 * without a listener ioredis prints every failed retry to stderr), and closes the client whatever
 * its state.
 * (Internal to this package.)
 */
import { unrefTimeout, withTimeout } from '../internal/timers.js';
import type { StructuredLogger } from '../logger.js';

/**
 * The connection state and events of an ioredis `Redis` or `Cluster` client. All optional: a
 * client without them is treated as always ready.
 */
export interface RedisConnectionState {
  /** ioredis: `wait`, `connecting`, `connect`, `ready`, `reconnecting`, `close`, `end`. */
  readonly status?: string;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  connect?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  disconnect?(): unknown;
}

type Waiter = (error?: Error) => void;

/** @internal */
export class ConnectionGate {
  /** A wait for readiness timed out and no `ready` came since: fail at once, do not wait again. */
  private down = false;
  private closed = false;
  /** Connection errors since the last `ready` (logged once, summed when it comes back). */
  private errors = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly onError = (error: unknown) => {
    this.errors++;
    if (this.errors > 1) return;
    this.logger.debug(
      { error: error instanceof Error ? error.message : String(error), status: this.client.status },
      'ensign hooks: RedisStreamSink connection error; writes wait or fail (counted as dropped) until it is back',
    );
  };
  private readonly onReady = () => {
    if (this.errors > 0) {
      this.logger.debug({ errors: this.errors }, 'ensign hooks: RedisStreamSink connection is back');
    }
    this.errors = 0;
    this.down = false;
    this.wake();
  };
  private readonly onEnd = () => this.wake(new Error('RedisStreamSink: the Redis client was closed'));

  constructor(
    private readonly client: RedisConnectionState,
    private readonly logger: StructuredLogger,
    private readonly readyTimeoutMs: number,
  ) {
    client.on?.('error', this.onError);
    client.on?.('ready', this.onReady);
    client.on?.('end', this.onEnd);
  }

  /**
   * Resolves once the client can take commands: at once when ready, else after its `ready`
   * event, within `readyTimeoutMs` and before `signal` aborts. Rejects at once when the client is
   * closed or a previous wait found Redis down.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    const status = this.client.status;
    if (status === undefined || status === 'ready') return;
    if (this.closed || status === 'end') {
      throw new Error(`RedisStreamSink: the Redis client is closed (status ${status})`);
    }
    if (this.down) throw new Error(`RedisStreamSink: Redis is not reachable (client status ${status})`);
    if (status === 'wait') this.client.connect?.().catch(() => {}); // lazyConnect: start connecting
    await new Promise<void>((resolve, reject) => {
      const settle: Waiter = (error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(settle);
        if (error === undefined) resolve();
        else reject(error);
      };
      const giveUp = (error: Error) => {
        this.down = true;
        settle(error);
      };
      const onAbort = () =>
        giveUp(signal?.reason instanceof Error ? signal.reason : new Error('RedisStreamSink: write aborted'));
      const timer = unrefTimeout(
        () =>
          giveUp(
            new Error(
              `RedisStreamSink: Redis not ready within readyTimeoutMs (${this.readyTimeoutMs} ms; client status ${this.client.status})`,
            ),
          ),
        this.readyTimeoutMs,
      );
      this.waiters.add(settle);
      signal?.addEventListener('abort', onAbort);
      if (signal?.aborted) onAbort();
    });
  }

  /**
   * Stops listening and, with `closeClient`, closes the client: `quit()` (waits for replies)
   * when it is ready, else `disconnect()`, which also cancels a pending reconnection. `quit()`
   * is not used on a client that is not ready: with the offline queue off it rejects, and the
   * client would go on reconnecting and keep the process alive.
   */
  async close(closeClient: boolean): Promise<void> {
    this.closed = true;
    this.wake(new Error('RedisStreamSink: closed'));
    try {
      if (!closeClient) return;
      const client = this.client;
      if ((client.status === undefined || client.status === 'ready') && client.quit !== undefined) {
        try {
          await withTimeout(client.quit(), this.readyTimeoutMs, () => new Error('quit timed out'));
          return;
        } catch {
          // Not acknowledged: fall through and drop the connection.
        }
      }
      client.disconnect?.();
    } finally {
      // Last, so an error emitted while closing still has a listener.
      this.client.off?.('error', this.onError);
      this.client.off?.('ready', this.onReady);
      this.client.off?.('end', this.onEnd);
    }
  }

  private wake(error?: Error): void {
    for (const waiter of [...this.waiters]) waiter(error);
  }
}
