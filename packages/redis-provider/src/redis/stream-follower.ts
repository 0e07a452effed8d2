/**
 * Following a set's audit stream with a blocking `XREAD` on a connection of its own: the change
 * feed. Each entry carries the write's after-state, so applying a change costs no second round
 * trip, and the stream is written only by the write script, so nothing published by anyone else
 * can reach a reader. A read that fails, or does not answer within the block time plus a grace
 * (a stalled connection), drops the connection and resumes from the last entry delivered on a
 * fresh one: nothing is skipped, and the interruption is reported.
 */
import { withTimeout } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import type { Cluster, Redis } from 'ioredis';

/** One raw stream entry: id and field/value list. */
export type StreamRow = [id: string, fields: string[]];

/** Options of {@link StreamFollower}. */
export interface StreamFollowerOptions {
  /** The client to duplicate for the blocking connection (never blocked itself). */
  client: Redis | Cluster;
  /** The stream key. */
  key: string;
  /** Read entries after this id (`''` or `0-0`: from the start). */
  position: string;
  /** How long one `XREAD` blocks waiting for an entry. */
  blockMs: number;
  /** How much longer than `blockMs` a read may take before the connection counts as stalled. */
  graceMs: number;
  /** Receives each batch of entries, oldest first. */
  deliver(rows: StreamRow[]): void;
  onInterrupt(error: Error): void;
  onResume(): void;
  logger: Logger;
}

/** Entries read per `XREAD`: a follower far behind catches up in batches of this size. */
const BATCH = 100;

type XReadReply = [key: string, rows: StreamRow[]][] | null;

/** The blocking reader behind `RedisFlagStore.follow`. */
export class StreamFollower {
  private cursor: string;
  private connection: Redis | Cluster | undefined;
  private stopped = false;
  private interrupted = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamFollowerOptions) {
    this.cursor = options.position === '' ? '0-0' : options.position;
  }

  /**
   * Reads what is already after the position (without blocking, so a refused read surfaces as
   * the error of `follow` itself), delivers it, then follows in the background.
   */
  async start(): Promise<void> {
    await this.read(0);
    this.loop = this.run();
  }

  /** Stops reading and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const connection = this.connection;
    this.connection = undefined;
    if (connection) connection.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    let delayMs = 50;
    while (!this.stopped) {
      try {
        await this.read(this.options.blockMs);
        if (this.interrupted && !this.stopped) {
          this.interrupted = false;
          this.options.onResume();
        }
        delayMs = 50;
      } catch (error) {
        if (this.stopped) return;
        if (!this.interrupted) {
          this.interrupted = true;
          this.options.onInterrupt(error instanceof Error ? error : new Error(String(error)));
        }
        this.options.logger.debug(`change feed ${this.options.key}: read failed, retrying:`, error);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, delayMs).unref?.();
        });
        this.wake = undefined;
        delayMs = Math.min(delayMs * 2, 2_000);
      }
    }
  }

  /** One `XREAD` (blocking for `blockMs` when > 0); a stalled or failed connection is replaced. */
  private async read(blockMs: number): Promise<void> {
    const connection = this.open();
    const args: (string | number)[] = ['COUNT', BATCH];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.options.key, this.cursor);
    let reply: XReadReply;
    // ioredis drops an unanswered command when its connection closes (re-sending it is off):
    // the read ends with the connection instead of waiting for the stall timeout.
    let onClose: () => void = () => {};
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(new Error('the change feed connection closed'));
      connection.once('close', onClose);
    });
    try {
      reply = await withTimeout(
        Promise.race([
          (connection.xread as (...a: (string | number)[]) => Promise<XReadReply>)(...args),
          closed,
        ]),
        blockMs + this.options.graceMs,
        () =>
          `reading the change feed took longer than ${blockMs + this.options.graceMs} ms (stalled connection?)`,
      );
    } catch (error) {
      // A connection that failed or stalled may deliver a stale answer later: never reuse it (and
      // do not wait for a polite QUIT on a connection that does not answer).
      if (this.connection === connection) this.connection = undefined;
      connection.disconnect();
      throw error;
    } finally {
      connection.off('close', onClose);
    }
    if (this.stopped) return;
    const rows = reply?.[0]?.[1] ?? [];
    if (rows.length === 0) return;
    this.cursor = rows[rows.length - 1]![0];
    this.options.deliver(rows);
  }

  private open(): Redis | Cluster {
    if (this.connection) return this.connection;
    const client = this.options.client;
    // A dedicated connection: a blocking read would hold up every other command on a shared one.
    // Unanswered commands are not re-sent after a reconnect (ioredis' default): a read re-sent
    // behind the follower's back would deliver entries twice.
    const connection = client.isCluster
      ? (client as Cluster).duplicate([], {
          redisOptions: {
            ...(client as Cluster).options.redisOptions,
            autoResendUnfulfilledCommands: false,
          },
        })
      : (client as Redis).duplicate({ autoResendUnfulfilledCommands: false });
    connection.on('error', (error: Error) =>
      this.options.logger.debug(`change feed ${this.options.key}: connection error`, error.message),
    );
    this.connection = connection;
    return connection;
  }
}
