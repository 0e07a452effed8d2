/**
 * Reads exposures and tracking events back from a Redis stream written by `RedisStreamSink`,
 * page by page (`XRANGE … COUNT n`, exclusive start), never the whole stream in one reply.
 */
import type { ExposureEvent, TrackingEvent } from '../events.js';
import { decodeStreamEvent } from '../sinks/redis-stream-format.js';

/** The part of an ioredis client the reader uses. */
export interface RedisStreamReader {
  xrange(
    key: string,
    start: string,
    end: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[id: string, fields: string[]][]>;
}

/** Options of {@link readExperimentEvents}. */
export interface ReadExperimentEventsOptions {
  /** The stream, e.g. `exposures:{checkout}`. */
  key: string;
  /** Keep exposures of this flag only. */
  flagKey: string;
  /** Keep tracking events with this name only. @default every tracking event */
  metric?: string;
  /** Entries per XRANGE call. @default 1000 */
  pageSize?: number;
  /** Stream id to start at (inclusive). @default '-' */
  start?: string;
  /** Stream id to stop at (inclusive). @default '+' */
  end?: string;
}

/**
 * Collects the exposures of one flag and the tracking events in a stream, ready for `analyzeExperiment`.
 * @example
 * const { exposures, conversions } = await readExperimentEvents(redis, { key: 'exposures:{shop}', flagKey: 'new-checkout', metric: 'purchase' });
 */
export async function readExperimentEvents(
  client: RedisStreamReader,
  options: ReadExperimentEventsOptions,
): Promise<{ exposures: ExposureEvent[]; conversions: TrackingEvent[] }> {
  const pageSize = options.pageSize ?? 1_000;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new RangeError(
      `readExperimentEvents: option \`pageSize\` must be a positive integer, got ${pageSize}`,
    );
  }
  const exposures: ExposureEvent[] = [];
  const conversions: TrackingEvent[] = [];
  let start = options.start ?? '-';
  const end = options.end ?? '+';
  for (;;) {
    const page = await client.xrange(options.key, start, end, 'COUNT', pageSize);
    for (const [, fields] of page) {
      const event = decodeStreamEvent(fields);
      if (event === undefined) continue;
      if (event.type === 'exposure') {
        if (event.flagKey === options.flagKey) exposures.push(event);
      } else if (options.metric === undefined || event.eventName === options.metric) {
        conversions.push(event);
      }
    }
    if (page.length < pageSize) break;
    start = `(${page[page.length - 1]![0]}`;
  }
  return { exposures, conversions };
}
