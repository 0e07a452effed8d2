/**
 * Redis stream sink: one pipelined round trip per batch (`XADD key MAXLEN ~ n * field value …`
 * for every event), so delivering a batch costs about what one event would.
 */
import type { AnalyticsEvent } from '../events.js';
import { encodeStreamEvent } from './redis-stream-format.js';
import type { Sink } from './sink.js';

/** The part of an ioredis pipeline the sink uses. */
export interface RedisStreamPipeline {
  xadd(key: string, ...args: (string | number)[]): unknown;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

/** The part of an ioredis `Redis` or `Cluster` client the sink uses; both satisfy it. */
export interface RedisStreamClient {
  pipeline(): RedisStreamPipeline;
}

/** Options of {@link RedisStreamSink}. */
export interface RedisStreamSinkOptions {
  /**
   * An ioredis client. Give the sink its own connection with `enableOfflineQueue: false` and
   * `maxRetriesPerRequest: 1`, so writes fail fast while Redis is down instead of piling up.
   */
  client: RedisStreamClient;
  /**
   * The stream key, or a function of the event. Keep the set in a hash tag so a Cluster keeps a
   * set's stream in one slot. @default (event) => `exposures:{${event.flagSetId ?? defaultFlagSet}}`
   */
  key?: string | ((event: AnalyticsEvent) => string);
  /** Set id for events without one (tracking events without attribution). @default 'default' */
  defaultFlagSet?: string;
  /** Approximate cap on the stream's length (`MAXLEN ~`); older entries are trimmed. @default 1000000 */
  maxLen?: number;
  /** Does `close()` also `quit()` the client? @default false */
  closeClient?: boolean;
}

/**
 * Appends exposures and tracking events to Redis streams, batched and pipelined. Entries are
 * flat field/value pairs (`t`, `flag`, `variant`, `reason`, `tk`, `set`, `ver`, `provider`,
 * `error`, `ts`; tracking: `event`, `value`, `details`), read back by `readExperimentEvents`.
 * @example new RedisStreamSink({ client: new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) })
 */
export class RedisStreamSink implements Sink {
  readonly name = 'RedisStreamSink';
  private readonly keyOf: (event: AnalyticsEvent) => string;
  private readonly maxLen: string;

  constructor(private readonly options: RedisStreamSinkOptions) {
    if (typeof options?.client?.pipeline !== 'function') {
      throw new TypeError('RedisStreamSink: option `client` must be an ioredis client (Redis or Cluster)');
    }
    const key = options.key;
    const defaultSet = options.defaultFlagSet ?? 'default';
    this.keyOf =
      typeof key === 'string'
        ? () => key
        : (key ?? ((event: AnalyticsEvent) => `exposures:{${event.flagSetId ?? defaultSet}}`));
    const maxLen = options.maxLen ?? 1_000_000;
    if (!Number.isInteger(maxLen) || maxLen < 1) {
      throw new RangeError(`RedisStreamSink: option \`maxLen\` must be a positive integer, got ${maxLen}`);
    }
    this.maxLen = String(maxLen);
  }

  async write(batch: readonly AnalyticsEvent[]): Promise<void> {
    // One pipeline per key: a Cluster pipeline must stay within one slot.
    const byKey = new Map<string, AnalyticsEvent[]>();
    for (const event of batch) {
      const key = this.keyOf(event);
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [event]);
      else list.push(event);
    }
    await Promise.all(
      [...byKey].map(async ([key, events]) => {
        const pipeline = this.options.client.pipeline();
        for (const event of events)
          pipeline.xadd(key, 'MAXLEN', '~', this.maxLen, '*', ...encodeStreamEvent(event));
        const results = await pipeline.exec();
        if (results === null) throw new Error(`RedisStreamSink: pipeline to ${key} was discarded`);
        const failed = results.find(([error]) => error !== null);
        if (failed !== undefined) {
          throw new Error(`RedisStreamSink: XADD to ${key} failed: ${failed[0]!.message}`, {
            cause: failed[0],
          });
        }
      }),
    );
  }

  async close(): Promise<void> {
    if (this.options.closeClient) {
      const client = this.options.client as RedisStreamClient & { quit?: () => Promise<unknown> };
      await client.quit?.();
    }
  }
}
