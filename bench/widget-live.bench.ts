/**
 * Live refresh of open widgets (`@ensign/widget-provider/live` over OFREP event streams):
 * 1. kill switch → an open widget's DOM changed, in Chromium, p50/p99 over repeated flips, beside
 *    the standard `@openfeature/ofrep-web-provider` 0.4.3 in the same flips, and against the
 *    polling designs it replaces (figures from their documented intervals, not measured here);
 * 2. idle event streams one server process holds: 1,000 and 10,000 (clients in other processes,
 *    2,500 per process: the open-file limit here is 20,000 per process), memory per stream, and
 *    the time from one write to every stream holding its notice, and to every widget holding the
 *    re-fetched answer.
 * Env: BENCH_WIDGET_FLIPS (default 100), BENCH_FANOUT_SIZES (default "1000,10000"),
 * BENCH_FANOUT_FLIPS (default 5 notice-only + 3 with re-fetch).
 */
import { latencySummary, printTable } from './support/measure.js';
import { fanout } from './widget-live/fanout.js';
import { widgetLatency } from './widget-live/latency.js';

const FLIPS = Number(process.env.BENCH_WIDGET_FLIPS ?? 100);
const SIZES = (process.env.BENCH_FANOUT_SIZES ?? '1000,10000').split(',').map(Number);
const FANOUT_FLIPS = Number(process.env.BENCH_FANOUT_FLIPS ?? 5);
const REFETCH_FLIPS = 3;
/** The goal of the issue: kill switch → open widget updated, p99. */
const GOAL_P99_MS = 500;

const ms = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : 'not all');
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

console.log(
  `\n## Kill switch → open widget updated (DOM changed), Chromium, ${FLIPS} flips (kill, restore, …)`,
);
const latency = await widgetLatency(FLIPS);
const ours = latencySummary(latency.ours);
const peer = latencySummary(latency.peer);
printTable([
  {
    client: '@ensign/widget-provider/live (example widget, simulated ChatGPT host)',
    'p50 ms': ms(ours.p50),
    'p99 ms': ms(ours.p99),
    'max ms': ms(ours.max),
  },
  {
    client: '@openfeature/ofrep-web-provider 0.4.3, SSE (same flips, widget token)',
    'p50 ms': ms(peer.p50),
    'p99 ms': ms(peer.p99),
    'max ms': ms(peer.max),
  },
  {
    client: 'the seeds’ design: WebSocket push, 5-minute polling fallback',
    'p50 ms': 'push',
    'p99 ms': '≤ 300,000 when push is down',
    'max ms': '',
  },
  {
    client: 'Unleash web SDK (proxy client) default: polling every 15 s',
    'p50 ms': '~7,500',
    'p99 ms': '~15,000',
    'max ms': '',
  },
  {
    client: 'tool results only (before this issue)',
    'p50 ms': 'next tool call',
    'p99 ms': 'never while open',
    'max ms': '',
  },
]);
console.log(
  `Clock uncertainty (browser vs Node, half the best round trip): ±${latency.clockUncertaintyMs.toFixed(2)} ms. ` +
    `Bulk requests per flip per page: ${latency.bulkPerFlipPerPage} (one per change, no polling).`,
);
console.log(`${ours.p99 <= GOAL_P99_MS ? 'PASS' : 'MISS'}  p99 ≤ ${GOAL_P99_MS} ms: ${ms(ours.p99)} ms`);

console.log('\n## Idle event streams held by one server process');
const rows: Record<string, string | number>[] = [];
for (const size of SIZES) {
  const result = await fanout(size, FANOUT_FLIPS, REFETCH_FLIPS);
  rows.push({
    streams: result.streams,
    'failed to open': result.openFailed,
    'open all (s)': ms(result.connectSeconds),
    'RSS per stream': `${(result.rssPerStreamBytes / 1024).toFixed(1)} KB`,
    'heap per stream': `${(result.heapPerStreamBytes / 1024).toFixed(1)} KB`,
    'write → all notified, median of flips (ms)': ms(median(result.notice.map((n) => n.all))),
    'p50 stream (ms)': ms(median(result.notice.map((n) => n.p50))),
    'write → all re-fetched (ms)': ms(median(result.refetch.map((r) => r.all))),
    're-fetch failures': result.refetch.reduce((sum, r) => sum + r.failed, 0),
  });
}
printTable(rows);
console.log(
  `Notice-only: ${FANOUT_FLIPS} flips; re-fetch: ${REFETCH_FLIPS} flips in which every widget re-fetches the ` +
    'bulk answer on the notice (as LiveRefresh does), through 32 keep-alive sockets per client process.',
);
