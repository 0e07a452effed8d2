/**
 * Redis stream sink: one round trip per batch, one stream entry per event (`XADD key MAXLEN ~ n *
 * field value …`). By default the batch travels as one `EVAL` whose script runs the XADDs on the
 * server: that costs the client about 3 µs per event where ioredis spends about 20 µs building
 * each pipelined XADD, and the client shares its event loop with the evaluations. `mode:
 * 'pipeline'` sends pipelined XADDs instead, for servers where scripting is not allowed.
 * Connection handling (readiness, errors, closing) is in `redis-connection.ts`.
 */
import type { AnalyticsEvent } from '../events.js';
import { type ConsoleStyleLogger, type LoggerStyle, toStructuredLogger } from '../logger.js';
import { ConnectionGate, type RedisConnectionState } from './redis-connection.js';
import { encodeStreamEvent } from './redis-stream-format.js';
import type { Sink, SinkWriteOptions } from './sink.js';

/** The part of an ioredis pipeline the sink uses. */
export interface RedisStreamPipeline {
  xadd(key: string, ...args: (string | number)[]): unknown;
  /** Needed only with `maxAgeMs` in `pipeline` mode (ioredis pipelines have it). */
  xtrim?(key: string, strategy: 'MINID', approximately: '~', threshold: string | number): unknown;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

/**
 * The part of an ioredis `Redis` or `Cluster` client the sink uses; both satisfy it. The
 * connection members (`status`, events, `quit`, `disconnect`) are optional: without them the
 * client is treated as always ready.
 */
export interface RedisStreamClient extends RedisConnectionState {
  pipeline(): RedisStreamPipeline;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * Appends each field list of a JSON array (ARGV[2]) to the stream in KEYS[1], trimmed to about
 * ARGV[1] entries and, when ARGV[3] is not empty, to entries younger than ARGV[3] ms by Redis's
 * clock (stream ids start with the time they were added).
 */
const APPEND_BATCH_SCRIPT = `local n = 0
for _, fields in ipairs(cjson.decode(ARGV[2])) do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
  n = n + 1
end
if ARGV[3] ~= '' then
  local t = redis.call('TIME')
  local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])
  if cutoff > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', cutoff)) end
end
return n`;

/** Options of {@link RedisStreamSink}. */
export interface RedisStreamSinkOptions {
  /**
   * An ioredis client. Give the sink its own connection with `enableOfflineQueue: false` and
   * `maxRetriesPerRequest: 1`, so writes fail fast while Redis is down instead of piling up in
   * ioredis (the pipeline's queue is the bounded buffer). The sink listens to its `error` events
   * (logged at debug level) and waits for it to be ready before writing.
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
   * Retention by age: entries older than this are trimmed (`XTRIM MINID ~`, by Redis's clock in
   * `script` mode, this process's in `pipeline` mode) with every batch written, so a quiet stream
   * keeps its last entries until the next write. Raw events carry targeting keys (personal data);
   * the aggregates (`MetricsAggregator`) do not, and are kept independently of this.
   * @default no age limit (only `maxLen`)
   */
  maxAgeMs?: number;
  /**
   * `'script'`: the batch goes as one `EVAL` that runs the XADDs server-side (needs the `@scripting`
   * ACL category); `'pipeline'`: one pipelined XADD per event.
   * @default 'script'
   */
  mode?: 'script' | 'pipeline';
  /**
   * Does `close()` also close the client (`quit()` when it is ready, else `disconnect()`)?
   * @default false
   */
  closeClient?: boolean;
  /**
   * How long a write waits for a client that is not ready (still connecting at start-up, or
   * reconnecting) before failing; the pipeline's `sinkTimeoutMs` also ends the wait. Once a wait
   * has timed out, writes fail at once until the client is ready again. @default 5000
   */
  readyTimeoutMs?: number;
  /** Where connection errors go (debug level, one line per outage). @default console */
  logger?: ConsoleStyleLogger;
  /** Argument order of `logger`. @default 'auto' */
  loggerStyle?: LoggerStyle;
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
  private readonly maxAgeMs: string;
  private readonly mode: 'script' | 'pipeline';
  private readonly connection: ConnectionGate;

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
    const maxAgeMs = options.maxAgeMs;
    if (maxAgeMs !== undefined && (!Number.isInteger(maxAgeMs) || maxAgeMs < 1)) {
      throw new RangeError(
        `RedisStreamSink: option \`maxAgeMs\` must be a positive integer, got ${maxAgeMs}`,
      );
    }
    this.maxAgeMs = maxAgeMs === undefined ? '' : String(maxAgeMs);
    this.mode = options.mode ?? 'script';
    if (this.mode !== 'script' && this.mode !== 'pipeline') {
      throw new RangeError(
        `RedisStreamSink: option \`mode\` must be 'script' or 'pipeline', got ${String(this.mode)}`,
      );
    }
    const readyTimeoutMs = options.readyTimeoutMs ?? 5_000;
    if (!(readyTimeoutMs > 0)) {
      throw new RangeError(
        `RedisStreamSink: option \`readyTimeoutMs\` must be a positive number, got ${readyTimeoutMs}`,
      );
    }
    this.connection = new ConnectionGate(
      options.client,
      toStructuredLogger(options.logger, options.loggerStyle),
      readyTimeoutMs,
    );
  }

  async write(batch: readonly AnalyticsEvent[], options?: SinkWriteOptions): Promise<void> {
    await this.connection.ready(options?.signal);
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
            await this.options.client.eval(APPEND_BATCH_SCRIPT, 1, key, this.maxLen, payload, this.maxAgeMs);
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
        if (this.maxAgeMs !== '') {
          if (typeof pipeline.xtrim !== 'function')
            throw new TypeError(
              'RedisStreamSink: option `maxAgeMs` in pipeline mode needs a client whose pipeline has xtrim()',
            );
          pipeline.xtrim(key, 'MINID', '~', Date.now() - Number(this.maxAgeMs));
        }
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

  /** Stops waiting and listening; with `closeClient`, closes the client whatever its state. Never rejects. */
  close(): Promise<void> {
    return this.connection.close(this.options.closeClient ?? false);
  }
}
