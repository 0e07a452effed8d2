/**
 * The lifecycle records of `MetricsAggregator`: `seen` (when each flag last served each variant)
 * and `unknown` (keys evaluated that the set does not hold), raised with the sink's `maximize`,
 * and left alone by a sink without it (so counters of older sinks are untouched).
 */
import { describe, expect, it } from 'vitest';
import {
  METRIC_RECORDS,
  MetricsAggregator,
  metricsNamespace,
  parseSeenRecord,
  parseUnknownRecord,
  parseWindowRecord,
} from '../src/index.js';
import { details, hookContext } from './support/evaluations.js';

/** Counter records in memory with both halves of the contract: `increment` adds, `maximize` raises. */
class RaisingCounters {
  readonly records = new Map<string, Record<string, number>>();
  readonly ttls = new Map<string, number>();
  raises = 0;

  async increment(namespace: string, id: string, counters: Readonly<Record<string, number>>) {
    const record = this.record(namespace, id);
    for (const [name, by] of Object.entries(counters)) record[name] = (record[name] ?? 0) + by;
    return { ...record };
  }

  async maximize(
    namespace: string,
    id: string,
    values: Readonly<Record<string, number>>,
    options?: { ttlMs?: number },
  ): Promise<void> {
    this.raises++;
    const record = this.record(namespace, id);
    for (const [name, value] of Object.entries(values))
      if (record[name] === undefined || value > record[name]!) record[name] = value;
    if (options?.ttlMs !== undefined) this.ttls.set(`${namespace}/${id}`, options.ttlMs);
  }

  async counters(namespace: string, id: string): Promise<Record<string, number>> {
    return { ...(this.records.get(`${namespace}/${id}`) ?? {}) };
  }

  private record(namespace: string, id: string): Record<string, number> {
    const key = `${namespace}/${id}`;
    let record = this.records.get(key);
    if (record === undefined) {
      record = {};
      this.records.set(key, record);
    }
    return record;
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const set = 'shop';
const ns = metricsNamespace(set);
const meta = { flagSetId: set };
const notFound = (key: string) =>
  details(key, undefined, { errorCode: 'FLAG_NOT_FOUND' as never, reason: 'ERROR', flagMetadata: meta });

describe(`${MetricsAggregator.name}: last-seen records`, () => {
  it('raises, per flag and variant, the time of its latest evaluation, and keeps the earliest as `since`', async () => {
    let now = 100 * DAY + 5;
    const sink = new RaisingCounters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false, now: () => now });
    metrics.finally(hookContext('u1', 'checkout'), details('checkout', 'on', { flagMetadata: meta }));
    now += 10;
    metrics.finally(hookContext('u2', 'checkout'), details('checkout', 'off', { flagMetadata: meta }));
    now += 10;
    // Disabled: evaluated, no variant served.
    metrics.finally(
      hookContext('u2', 'kill'),
      details('kill', undefined, { reason: 'DISABLED', flagMetadata: meta }),
    );
    await metrics.flush();
    const first = parseSeenRecord(await sink.counters(ns, METRIC_RECORDS.seen));
    // `since` is the earliest of those times: never earlier than the first evaluation really was.
    expect(first.since).toBe(100 * DAY + 15);
    // Both variants carry the window's latest evaluation of the flag (at most a window late).
    expect(first.flags.get('checkout')).toEqual({
      lastEvaluatedAt: 100 * DAY + 15,
      variants: new Map([
        ['on', 100 * DAY + 15],
        ['off', 100 * DAY + 15],
      ]),
    });
    expect(first.flags.get('kill')?.variants).toEqual(new Map([['', 100 * DAY + 25]]));

    // A week later only `on` is served: `off` keeps its old time, `since` its earliest.
    now += 7 * DAY;
    metrics.finally(hookContext('u3', 'checkout'), details('checkout', 'on', { flagMetadata: meta }));
    await metrics.flush();
    const later = parseSeenRecord(await sink.counters(ns, METRIC_RECORDS.seen));
    expect(later.since).toBe(100 * DAY + 15);
    expect(later.flags.get('checkout')?.variants).toEqual(
      new Map([
        ['on', 107 * DAY + 25],
        ['off', 100 * DAY + 15],
      ]),
    );
    expect(later.flags.get('checkout')?.lastEvaluatedAt).toBe(107 * DAY + 25);
    expect(sink.ttls.get(`${ns}/${METRIC_RECORDS.seen}`)).toBe(400 * DAY);
    await metrics.close();
  });

  it('records keys evaluated while the set lacks them as unknown, never as seen', async () => {
    let now = 50 * DAY;
    const sink = new RaisingCounters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false, now: () => now });
    metrics.finally(hookContext('u1', 'chekout'), notFound('chekout'));
    now += 1_000;
    metrics.finally(hookContext('u1', 'chekout'), notFound('chekout'));
    metrics.finally(hookContext('u1', 'checkout'), details('checkout', 'on', { flagMetadata: meta }));
    await metrics.flush();
    expect(parseUnknownRecord(await sink.counters(ns, METRIC_RECORDS.unknown))).toEqual(
      new Map([['chekout', 50 * DAY + 1_000]]),
    );
    const seen = parseSeenRecord(await sink.counters(ns, METRIC_RECORDS.seen));
    expect([...seen.flags.keys()]).toEqual(['checkout']);
    // The window records still count them, as before.
    const window = parseWindowRecord(await sink.counters(ns, METRIC_RECORDS.window(50 * DAY)));
    expect(window.flags.get('chekout')?.notFound).toBe(2);
    expect(sink.ttls.get(`${ns}/${METRIC_RECORDS.unknown}`)).toBe(35 * DAY);
  });

  it('bounds the unknown keys raised per flush, and skips keys longer than a flag key may be', async () => {
    const sink = new RaisingCounters();
    const metrics = new MetricsAggregator({
      sink,
      autoFlush: false,
      maxUnknownFlagsPerFlush: 3,
      now: () => DAY,
    });
    for (let i = 0; i < 5; i++) metrics.finally(hookContext('u', `typo-${i}`), notFound(`typo-${i}`));
    metrics.finally(hookContext('u', 'x'.repeat(300)), notFound('x'.repeat(300)));
    await metrics.flush();
    expect(parseUnknownRecord(await sink.counters(ns, METRIC_RECORDS.unknown)).size).toBe(3);
    expect(metrics.stats().droppedUnknownFlags).toBe(3);
  });

  it('writes the same increments as before to a sink without maximize, and no last-seen record', async () => {
    const increments: string[] = [];
    const sink = {
      increment: async (namespace: string, id: string) => {
        increments.push(`${namespace}/${id}`);
        return {};
      },
    };
    const metrics = new MetricsAggregator({ sink, autoFlush: false, now: () => 3 * HOUR });
    metrics.finally(hookContext('u1', 'checkout'), details('checkout', 'on', { flagMetadata: meta }));
    metrics.finally(hookContext('u1', 'typo'), notFound('typo'));
    await metrics.flush();
    expect(increments.sort()).toEqual(
      [
        `${ns}/${METRIC_RECORDS.evaluations('checkout')}`,
        `${ns}/${METRIC_RECORDS.evaluations('typo')}`,
        `${ns}/w:${3 * HOUR}`,
        `${ns}/events`,
      ].sort(),
    );
    expect(metrics.stats().failedRecords).toBe(0);
  });

  it('refuses a non-positive retention by naming the option', () => {
    const sink = new RaisingCounters();
    expect(() => new MetricsAggregator({ sink, seenRetentionMs: 0 })).toThrow(/seenRetentionMs/);
    expect(() => new MetricsAggregator({ sink, maxUnknownFlagsPerFlush: -1 })).toThrow(
      /maxUnknownFlagsPerFlush/,
    );
  });
});
