/**
 * Redis stream sink: one round trip per batch, one stream entry per event (`XADD key MAXLEN ~ n *
 * field value …`). By default the batch travels as one `EVAL` whose script runs the XADDs on the
 * server: that costs the client about 3 µs per event where ioredis spends about 20 µs building
 * each pipelined XADD, and the client shares its event loop with the evaluations. `mode:
 * 'pipeline'` sends pipelined XADDs instead, for servers where scripting is not allowed.
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
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Appends each field list of a JSON array to the stream in KEYS[1], trimmed to about ARGV[1]. */
const APPEND_BATCH_SCRIPT = `local n = 0
for _, fields in ipairs(cjson.decode(ARGV[2])) do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
  n = n + 1
end
return n`;

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
  /**
   * `'script'`: the batch goes as one `EVAL` that runs the XADDs server-side (needs the `@scripting`
   * ACL category); `'pipeline'`: one pipelined XADD per event.
   * @default 'script'
   */
  mode?: 'script' | 'pipeline';
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
  private readonly mode: 'script' | 'pipeline';

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
    this.mode = options.mode ?? 'script';
    if (this.mode !== 'script' && this.mode !== 'pipeline') {
      throw new RangeError(
        `RedisStreamSink: option \`mode\` must be 'script' or 'pipeline', got ${String(this.mode)}`,
      );
    }
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
        if (this.mode === 'script') {
          const payload = JSON.stringify(events.map(encodeStreamEvent));
          try {
            await this.options.client.eval(APPEND_BATCH_SCRIPT, 1, key, this.maxLen, payload);
          } catch (error) {
            throw new Error(
              `RedisStreamSink: appending ${events.length} event(s) to ${key} failed: ${String(error)}`,
              {
                cause: error,
              },
            );
          }
          return;
        }
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
