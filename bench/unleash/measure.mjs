/**
 * The Unleash side alone (`cd bench/unleash && npm run measure`): the frontend API evaluating
 * 100 toggles for one context at 1 and 32 connections, and the Node SDK's kill-switch latency.
 * `pnpm bench server` runs the same session beside Ensign's server, which is where ratios come
 * from; this entry is for checking the harness, or Unleash alone.
 * Env: UNLEASH_DURATION_S (10), UNLEASH_WARMUP_S (3), UNLEASH_KILL_TRIALS (20),
 * UNLEASH_KILL_CLIENTS (10), UNLEASH_KILL_REFRESH_MS (1000), UNLEASH_FRESH_DB (0).
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { openUnleash } from './lib/harness.mjs';

const autocannon = createRequire(import.meta.url)('autocannon');
const DURATION_S = Number(process.env.UNLEASH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.UNLEASH_WARMUP_S ?? 3);
// The context of Ensign's benchmark requests (bench/server/shape.ts).
const CONTEXT = { targetingKey: 'user-1', tier: 'pro' };

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
console.log(`load average at start: ${load()}`);
const session = await openUnleash({ log: (line) => console.log(line) });
try {
  const answer = await session.frontendAnswer(CONTEXT);
  console.log(`frontend answer: ${answer.body.toggles.length} enabled toggles, ${answer.bytes} B`);
  const { url, headers } = session.frontendRequest(CONTEXT);
  for (const connections of [1, 32]) {
    const options = { url, headers, connections, pipelining: 1 };
    await autocannon({ ...options, duration: WARMUP_S });
    const cpuBefore = session.cpuMicros();
    const result = await autocannon({ ...options, duration: DURATION_S });
    const cpuUs = (session.cpuMicros() - cpuBefore) / Math.max(1, result.requests.total);
    const ok = result.statusCodeStats?.['200']?.count ?? 0;
    console.log(
      `frontend API, ${connections} connection(s): ${Math.round(result.requests.average)} req/s, ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, server CPU ${Math.round(cpuUs)} µs/answer, ` +
        `${result.requests.total - ok + result.errors} not 200`,
    );
  }
  const clients = Number(process.env.UNLEASH_KILL_CLIENTS ?? 10);
  const trials = Number(process.env.UNLEASH_KILL_TRIALS ?? 20);
  const refreshMs = Number(process.env.UNLEASH_KILL_REFRESH_MS ?? 1000);
  const { seenMs, timeouts } = await session.killSwitchLatency({ clients, trials, refreshMs });
  const sorted = seenMs.sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  console.log(
    `kill switch → Node SDK (${clients} clients, ${refreshMs} ms polling, ${trials} flips): ` +
      `p50 ${at(50).toFixed(0)} ms, p99 ${at(99).toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms, ${timeouts} timeouts`,
  );
  const v = session.versions;
  console.log(
    `versions: Unleash ${v.unleash} on Node ${v.node}, PostgreSQL ${v.postgres}, unleash-client ${v.unleashClient}; ` +
      `load generator on Node ${process.version}`,
  );
} finally {
  await session.close();
}
console.log(`load average at end: ${load()}`);
