import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import {
  METRIC_RECORDS,
  MetricsAggregator,
  TrackingRecorder,
  metricOf,
  metricsNamespace,
  parseEventsRecord,
  parseUnitRecord,
  parseWindowRecord,
} from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';
import { details, hookContext } from './support/evaluations.js';

/** Counter records in memory: the `increment`/`counters` half of the server state contract. */
class Counters {
  readonly records = new Map<string, Record<string, number>>();
  readonly ttls = new Map<string, number>();
  failing = false;
  calls = 0;

  async increment(
    namespace: string,
    id: string,
    counters: Readonly<Record<string, number>>,
    options?: { ttlMs?: number },
  ): Promise<Record<string, number>> {
    this.calls++;
    if (this.failing) throw new Error('state unreachable');
    const key = `${namespace}/${id}`;
    const record = this.records.get(key) ?? {};
    for (const [name, by] of Object.entries(counters)) record[name] = (record[name] ?? 0) + by;
    this.records.set(key, record);
    if (options?.ttlMs !== undefined) this.ttls.set(key, options.ttlMs);
    return { ...record };
  }

  async counters(namespace: string, id: string): Promise<Record<string, number>> {
    return { ...(this.records.get(`${namespace}/${id}`) ?? {}) };
  }
}

const HOUR = 3_600_000;
const set = 'shop';
const ns = metricsNamespace(set);
const meta = (extra: Record<string, string | number | boolean> = {}) => ({ flagSetId: set, ...extra });

describe(MetricsAggregator.name, () => {
  it('counts every evaluation per flag, variant and window, with errors and keys the set lacks', async () => {
    let now = 10 * HOUR + 5;
    const sink = new Counters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false, now: () => now });
    metrics.finally(hookContext('u1', 'checkout'), details('checkout', 'on', { flagMetadata: meta() }));
    metrics.finally(hookContext('u2', 'checkout'), details('checkout', 'on', { flagMetadata: meta() }));
    metrics.finally(hookContext(undefined, 'checkout'), details('checkout', 'off', { flagMetadata: meta() }));
    metrics.finally(
      hookContext('u1', 'typo'),
      details('typo', undefined, { errorCode: 'FLAG_NOT_FOUND' as never, flagMetadata: meta() }),
    );
    now += HOUR; // the next window
    metrics.finally(hookContext('u1', 'checkout'), details('checkout', 'off', { flagMetadata: meta() }));
    await metrics.flush();
    const first = parseWindowRecord(await sink.counters(ns, METRIC_RECORDS.window(10 * HOUR)));
    expect([...first.flags.get('checkout')!.evaluations]).toEqual([
      ['on', 2],
      ['off', 1],
    ]);
    expect(first.flags.get('typo')).toEqual({ evaluations: new Map([['', 1]]), errors: 1, notFound: 1 });
    const second = parseWindowRecord(await sink.counters(ns, METRIC_RECORDS.window(11 * HOUR)));
    expect([...second.flags.keys()]).toEqual(['checkout']);
    expect(sink.ttls.get(`${ns}/${METRIC_RECORDS.window(10 * HOUR)}`)).toBe(35 * 24 * HOUR);
    // The cumulative evaluations record sums the windows and keeps no expiry.
    expect(await sink.counters(ns, METRIC_RECORDS.evaluations('checkout'))).toEqual({
      'n|on': 2,
      'n|off': 2,
    });
    expect(sink.ttls.has(`${ns}/${METRIC_RECORDS.evaluations('checkout')}`)).toBe(false);
    // No flag tracked per unit: no units record at all.
    expect([...sink.records.keys()].some((key) => key.includes('/u:'))).toBe(false);
    // The evaluation error counts as an `error` event of the set.
    expect([...parseEventsRecord(await sink.counters(ns, METRIC_RECORDS.events))]).toEqual([['error', 1]]);
    expect(metrics.stats()).toMatchObject({ evaluations: 5, units: 0, flushes: 1, writtenRecords: 5 });
  });

  it('counts a unit once per subject, variant and cohort; a new cohort or variant is a new unit', async () => {
    let now = 1_000;
    const sink = new Counters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false, now: () => now, unitTtlMs: 10_000 });
    const serve = (user: string, variant: string, cohort: string) =>
      metrics.finally(
        hookContext(user, 'checkout'),
        details('checkout', variant, { flagMetadata: meta({ metricsCohort: cohort }) }),
      );
    for (const user of ['a', 'b', 'a', 'a']) serve(user, 'on', 'plan.1');
    serve('c', 'off', 'plan.1');
    serve('a', 'off', 'plan.1'); // another variant: a new unit
    serve('a', 'off', 'plan.2'); // another cohort: a new unit there
    now += 10_000; // the unit has expired: counted again
    serve('b', 'on', 'plan.1');
    await metrics.flush();
    const one = parseUnitRecord(await sink.counters(ns, METRIC_RECORDS.units('checkout', 'plan.1')));
    expect(one.get('on')!.units).toBe(3);
    expect(one.get('off')!.units).toBe(2);
    const two = parseUnitRecord(await sink.counters(ns, METRIC_RECORDS.units('checkout', 'plan.2')));
    expect(two.get('off')!.units).toBe(1);
    expect(metrics.stats()).toMatchObject({ units: 6, subjects: 3 });
  });

  it('attributes tracking events to the units of their subject: events, converted units, sums of values', async () => {
    const sink = new Counters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false });
    await OpenFeature.setProviderAndWait(
      'metrics-test',
      new CoreProvider(
        {
          flags: {
            checkout: {
              state: 'ENABLED',
              variants: { on: true, off: false },
              defaultVariant: 'off',
              targeting: { if: [{ in: [{ var: 'targetingKey' }, ['buyer', 'slow']] }, 'on', 'off'] },
              metadata: { kind: 'experiment' },
            },
            other: { state: 'ENABLED', variants: { x: 'x' }, defaultVariant: 'x' },
          },
        },
        set,
      ),
    );
    const client = OpenFeature.getClient('metrics-test');
    client.addHooks(metrics);
    const tracking = new TrackingRecorder({ sinks: [metrics], flagSetId: set, flushIntervalMs: 60_000 });
    for (const user of ['buyer', 'slow', 'browser']) {
      await client.getBooleanValue('checkout', false, { targetingKey: user });
      await client.getStringValue('other', 'd', { targetingKey: user });
    }
    const track = (user: string, eventName: string, value?: number, extra: Record<string, string> = {}) =>
      tracking.track({
        eventName,
        context: { targetingKey: user },
        details: { ...(value !== undefined && { value }), ...extra },
      });
    track('buyer', 'purchase', 30);
    track('buyer', 'purchase', 10); // a second purchase: one more event, the same converted unit
    track('browser', 'latency', 120);
    track('slow', 'latency', 480);
    track('nobody', 'purchase', 5); // no unit: counted for the set only
    track('buyer', 'purchase', 1, { flagKey: 'checkout', variant: 'off' }); // not buyer's variant
    await tracking.flush();
    await metrics.flush();
    const record = parseUnitRecord(await sink.counters(ns, METRIC_RECORDS.units('checkout', '')));
    expect(record.get('on')!.units).toBe(2);
    expect(record.get('off')!.units).toBe(1);
    expect(metricOf(record, 'on', 'purchase')).toEqual({ events: 2, units: 1, sum: 40, sumSquares: 1000 });
    expect(metricOf(record, 'off', 'purchase').events).toBe(0);
    expect(metricOf(record, 'on', 'latency')).toEqual({ events: 1, units: 1, sum: 480, sumSquares: 230_400 });
    expect(metricOf(record, 'off', 'latency')).toEqual({ events: 1, units: 1, sum: 120, sumSquares: 14_400 });
    const events = parseEventsRecord(await sink.counters(ns, METRIC_RECORDS.events));
    expect([...events]).toEqual([
      ['purchase', 4],
      ['latency', 2],
    ]);
    // `other` is not tracked per unit (no cohort, not an experiment).
    expect(sink.records.has(`${ns}/${METRIC_RECORDS.units('other', '')}`)).toBe(false);
    await OpenFeature.clearProviders();
  });

  it("counts an evaluation error of a tracked flag as the unit's error event", async () => {
    const sink = new Counters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false });
    const cohort = meta({ metricsCohort: 'c' });
    metrics.finally(hookContext('a', 'f'), details('f', 'new', { flagMetadata: cohort }));
    metrics.finally(
      hookContext('a', 'f'),
      details('f', 'new', { flagMetadata: cohort, errorCode: 'TYPE_MISMATCH' as never }),
    );
    metrics.track({ type: 'tracking', eventName: 'error', targetingKey: 'a', flagSetId: set, timestamp: 1 });
    await metrics.flush();
    const record = parseUnitRecord(await sink.counters(ns, METRIC_RECORDS.units('f', 'c')));
    expect(metricOf(record, 'new', 'error')).toMatchObject({ events: 2, units: 1 });
  });

  it('bounds its memory: the subject seen longest ago is forgotten first, and counted again', async () => {
    const sink = new Counters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false, maxSubjects: 2 });
    const serve = (user: string) =>
      metrics.finally(
        hookContext(user, 'f'),
        details('f', 'on', { flagMetadata: meta({ metricsCohort: 'c' }) }),
      );
    for (const user of ['a', 'b', 'c', 'a']) serve(user);
    expect(metrics.stats()).toMatchObject({ units: 4, subjects: 2, evictions: 2 });
    expect(metrics.forgetSubject('a', set)).toBe(true);
    expect(metrics.forgetSubject('a', set)).toBe(false);
  });

  it('drops (never retries) what a failed flush could not write, counts it, and logs one line per outage', async () => {
    const sink = new Counters();
    const warnings: unknown[] = [];
    const logger = { error() {}, warn: (...args: unknown[]) => warnings.push(args), info() {}, debug() {} };
    const metrics = new MetricsAggregator({ sink, autoFlush: false, logger, loggerStyle: 'console' });
    const serve = () => metrics.finally(hookContext('a', 'f'), details('f', 'on', { flagMetadata: meta() }));
    sink.failing = true;
    serve();
    await metrics.flush();
    serve();
    await metrics.flush();
    expect(metrics.stats()).toMatchObject({ failedRecords: 4, writtenRecords: 0 });
    expect(warnings).toHaveLength(1);
    sink.failing = false;
    serve();
    await metrics.flush();
    // Only the evaluation after the outage: the failed deltas were not kept for a retry.
    expect(await sink.counters(ns, METRIC_RECORDS.evaluations('f'))).toEqual({ 'n|on': 1 });
  });

  it('caps the distinct flags per set between flushes (unknown keys are client-controlled)', async () => {
    const sink = new Counters();
    const metrics = new MetricsAggregator({ sink, autoFlush: false, maxFlagsPerFlush: 3 });
    for (let i = 0; i < 10; i++)
      metrics.finally(
        hookContext('a', `k${i}`),
        details(`k${i}`, undefined, { errorCode: 'FLAG_NOT_FOUND' as never, flagMetadata: meta() }),
      );
    await metrics.flush();
    expect(metrics.stats().droppedFlags).toBe(7);
    const windows = [...sink.records.keys()].filter((key) => key.includes('/w:'));
    expect(windows).toHaveLength(1);
    expect(parseWindowRecord(sink.records.get(windows[0]!)!).flags.size).toBe(3);
    await metrics.close();
  });

  it('refuses options that cannot work, naming them', () => {
    expect(() => new MetricsAggregator({ sink: {} as never })).toThrow(/sink/);
    expect(() => new MetricsAggregator({ sink: new Counters(), windowMs: 0 })).toThrow(/windowMs/);
  });
});

afterAll(async () => {
  await OpenFeature.close();
});
