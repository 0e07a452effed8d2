/**
 * Erasing one subject's raw events from a Redis stream written by `RedisStreamSink` (a request
 * under GDPR's right to erasure, or a user who left): the stream is read page by page
 * (`XRANGE … COUNT n`) and the entries whose targeting key is the subject's are deleted
 * (`XDEL`, one call per page). Cost: the whole stream is read once, O(stream length) entries
 * over the network (a million entries of ~200 bytes: ~200 MB read, a few seconds); there is no
 * index by subject, which is what keeps every write a plain `XADD`. Run it off-peak, per flag
 * set's stream. The aggregates (`MetricsAggregator`) hold no targeting keys, so they stay as they
 * are; the aggregator's in-process memory of the subject is dropped with `forgetSubject`.
 */
import { boundedTargetingKey } from '../event-bounds.js';
import { PIPELINE_DEFAULTS } from '../event-pipeline.js';
import { STREAM_FIELDS } from './redis-stream-format.js';

/** The part of an ioredis client the eraser uses. */
export interface RedisStreamEraser {
  xrange(
    key: string,
    start: string,
    end: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[id: string, fields: string[]][]>;
  xdel(key: string, ...ids: string[]): Promise<number>;
}

/** Options of {@link eraseSubjectEvents}. */
export interface EraseSubjectOptions {
  /** The stream, e.g. `exposures:{checkout}`. */
  key: string;
  /** The subject's targeting key, as the app passed it (over-long keys are matched by their stand-in). */
  targetingKey: string;
  /** Entries read per XRANGE. @default 1000 */
  pageSize?: number;
  /** The pipeline's `maxTargetingKeyLength` when it was not the default. @default 256 */
  maxTargetingKeyLength?: number;
}

/** What an erasure did. */
export interface EraseSubjectResult {
  /** Entries read. */
  readonly scanned: number;
  /** Entries deleted. */
  readonly deleted: number;
}

/**
 * Deletes every entry of `key` whose targeting key is `targetingKey`.
 * @example await eraseSubjectEvents(redis, { key: 'exposures:{shop}', targetingKey: 'user-42' })
 */
export async function eraseSubjectEvents(
  client: RedisStreamEraser,
  options: EraseSubjectOptions,
): Promise<EraseSubjectResult> {
  const pageSize = options.pageSize ?? 1_000;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(
      `eraseSubjectEvents: option \`pageSize\` must be a positive integer, got ${pageSize}`,
    );
  if (typeof options.targetingKey !== 'string' || options.targetingKey === '')
    throw new TypeError('eraseSubjectEvents: option `targetingKey` must be a non-empty string');
  const subject = boundedTargetingKey(
    options.targetingKey,
    options.maxTargetingKeyLength ?? PIPELINE_DEFAULTS.maxTargetingKeyLength,
  );
  let start = '-';
  let scanned = 0;
  let deleted = 0;
  for (;;) {
    const page = await client.xrange(options.key, start, '+', 'COUNT', pageSize);
    scanned += page.length;
    const matching: string[] = [];
    for (const [id, fields] of page) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i] === STREAM_FIELDS.targetingKey) {
          if (fields[i + 1] === subject) matching.push(id);
          break;
        }
      }
    }
    if (matching.length > 0) deleted += await client.xdel(options.key, ...matching);
    if (page.length < pageSize) break;
    start = `(${page[page.length - 1]![0]}`;
  }
  return { scanned, deleted };
}
