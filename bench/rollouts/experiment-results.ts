/**
 * One way of getting experiment results for the 1M-user experiment the rollouts benchmark wrote
 * to Redis, in a process of its own so that its peak memory is its own:
 *   events:     today's path: read every exposure and conversion from the stream, analyse in memory;
 *   aggregates: the aggregates' path: read the flag's units record, analyse the counts.
 * Prints one JSON line: { ms, peakHeapMb, maxRssMb, users, converted }.
 * Usage: tsx bench/rollouts/experiment-results.ts events|aggregates REDIS_URL
 */
import {
  METRIC_RECORDS,
  analyzeExperiment,
  metricOf,
  metricsNamespace,
  parseUnitRecord,
  readExperimentEvents,
} from '@ensign/hooks';
import { RedisServerState } from '@ensign/server';
import { Redis } from 'ioredis';

const [mode, url] = process.argv.slice(2);
if ((mode !== 'events' && mode !== 'aggregates') || url === undefined) {
  console.error('usage: experiment-results.ts events|aggregates REDIS_URL');
  process.exit(64);
}
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 5);
const start = performance.now();
let analysis: ReturnType<typeof analyzeExperiment>;
if (mode === 'events') {
  const redis = new Redis(url);
  const { exposures, conversions } = await readExperimentEvents(redis, {
    key: 'exposures:{bench}',
    flagKey: 'checkout-exp',
    metric: 'purchase',
    pageSize: 5_000,
  });
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  analysis = analyzeExperiment({
    exposures,
    conversions,
    flagKey: 'checkout-exp',
    metric: 'purchase',
    control: 'control',
    weights: { control: 50, treatment: 50 },
  });
  redis.disconnect();
} else {
  const state = new RedisServerState({ url });
  const units = parseUnitRecord(
    await state.counters(metricsNamespace('bench'), METRIC_RECORDS.units('checkout-exp', '')),
  );
  analysis = analyzeExperiment({
    flagKey: 'checkout-exp',
    metric: 'purchase',
    control: 'control',
    weights: { control: 50, treatment: 50 },
    aggregates: [...units].map(([variant, v]) => ({
      variant,
      units: v.units,
      converted: metricOf(units, variant, 'purchase').units,
    })),
  });
  await state.close();
}
const ms = performance.now() - start;
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
console.log(
  JSON.stringify({
    ms,
    peakHeapMb: peakHeap / 1_048_576,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    users: analysis.users,
    converted: analysis.variants.reduce((sum, v) => sum + v.convertedUsers, 0),
  }),
);
