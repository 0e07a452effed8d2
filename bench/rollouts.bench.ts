/**
 * The guarded-rollouts benchmark, one run, side by side:
 * (1) the statistics: false-alarm rate and detection time of the anytime-valid harm test (looked
 *     at every 50 units per arm) against a fixed-horizon test of the same α and power (one look at
 *     the planned sample), and against that fixed-horizon test peeking at the same looks; and the
 *     real controller over simulated staged rollouts, against the fixed-horizon design for the
 *     same staged allocation;
 * (2) ingestion into the aggregates: events per second through the MetricsAggregator (hook +
 *     tracking sink, flushed as counter increments to a real redis-server) against today's path,
 *     exposures batched into a Redis stream (87 k/s in the hooks benchmark);
 * (3) results of an experiment with 1,000,000 exposed users: time and peak memory of the
 *     aggregates' path against today's (read every event from the stream, analyse in memory),
 *     each in a process of its own.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type AnalyticsEvent,
  EventPipeline,
  METRIC_RECORDS,
  MetricsAggregator,
  RedisStreamSink,
  compareSequentially,
  metricsNamespace,
  normalQuantile,
  optimalMixtureRho,
  stratumEffect,
} from '@ensign/hooks';
import { RedisServerState } from '@ensign/server';
import { Redis } from 'ioredis';
import { Random } from '../packages/hooks/test/support/random.js';
import { RedisServer } from '../test/support/redis-server.js';
import { median, simulateRollout, simulationPlan } from '../test/support/rollout-simulation.js';
import { printTable } from './support/measure.js';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`node ${process.version}, ${cpus().length} CPUs, load average at start: ${load()}`);
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

// --- (1a) the statistics on balanced arms ------------------------------------------------------
const ALPHA = 0.05;
const POWER = 0.8;
const BASE = 0.01;
const DESIGN_EFFECT = 0.01;
const zA = normalQuantile(1 - ALPHA);
const zB = normalQuantile(POWER);
/** Units per arm of the one-sided fixed-horizon z-test of BASE → BASE + DESIGN_EFFECT at α, power. */
const nFixed = Math.ceil(
  ((zA + zB) ** 2 * (BASE * (1 - BASE) + (BASE + DESIGN_EFFECT) * (1 - BASE - DESIGN_EFFECT))) /
    DESIGN_EFFECT ** 2,
);
const STEP = 50;
const maxLooks = Math.ceil((4 * nFixed) / STEP);
const rho = optimalMixtureRho(nFixed / (2 * BASE * (1 - BASE)), ALPHA, 1);

function scenario(effect: number, runs: number, seed: number) {
  const random = new Random(seed);
  let seqHits = 0;
  let fixedHits = 0;
  let peekHits = 0;
  const detection: number[] = [];
  for (let run = 0; run < runs; run++) {
    const control = { units: 0, successes: 0 };
    const treatment = { units: 0, successes: 0 };
    let seq = false;
    let peek = false;
    let fixed = false;
    for (let look = 1; look <= maxLooks && !seq; look++) {
      control.units += STEP;
      control.successes += random.binomial(STEP, BASE);
      treatment.units += STEP;
      treatment.successes += random.binomial(STEP, BASE + effect);
      const result = compareSequentially([stratumEffect('proportion', { control, treatment }, 'increase')], {
        alpha: ALPHA,
        rho,
      });
      if (result.harm) {
        seq = true;
        detection.push(treatment.units);
      }
      if (treatment.units <= nFixed && result.fixedHorizon.harm) peek = true;
      if (treatment.units >= nFixed && treatment.units - STEP < nFixed) fixed = result.fixedHorizon.harm;
    }
    // A sequential run that stopped early never reached the fixed look: draw the rest of it.
    if (seq && treatment.units < nFixed) {
      const more = nFixed - treatment.units;
      const c = { units: nFixed, successes: control.successes + random.binomial(more, BASE) };
      const t = { units: nFixed, successes: treatment.successes + random.binomial(more, BASE + effect) };
      fixed = compareSequentially([stratumEffect('proportion', { control: c, treatment: t }, 'increase')], {
        alpha: ALPHA,
        rho,
      }).fixedHorizon.harm;
    }
    if (seq) seqHits++;
    if (fixed) fixedHits++;
    if (peek) peekHits++;
  }
  return {
    seqHits: seqHits / runs,
    fixedHits: fixedHits / runs,
    peekHits: peekHits / runs,
    medianUnits: detection.length ? median(detection) : Number.NaN,
  };
}

console.log(
  `\n(1a) harm test, balanced arms, error rate ${pct(BASE)}, α = ${ALPHA} one-sided; fixed horizon designed for +${DESIGN_EFFECT * 100} pp at power ${POWER}: ${fmt(nFixed)} units per arm; sequential looks every ${STEP} units per arm up to ${fmt(4 * nFixed)}`,
);
const rows1: Record<string, string | number>[] = [];
for (const [label, effect, runs] of [
  ['no difference', 0, 2000],
  [`+${DESIGN_EFFECT * 100} pp (the design effect)`, DESIGN_EFFECT, 1000],
  ['+3 pp (a large regression)', 0.03, 1000],
] as const) {
  const r = scenario(effect, runs, 7 + Math.round(effect * 1e4));
  rows1.push({
    'true effect': label,
    runs,
    'sequential: rejects': pct(r.seqHits),
    'sequential: median units/arm at detection': Number.isNaN(r.medianUnits) ? '-' : fmt(r.medianUnits),
    'fixed horizon: rejects at its one look': pct(r.fixedHits),
    'fixed: units/arm': fmt(nFixed),
    'fixed, peeking at every look': pct(r.peekHits),
  });
}
printTable(rows1);

// --- (1b) the real controller over staged rollouts ----------------------------------------------
const UNITS_PER_LOOK = 400;
const stageShare = (look: number) => (look <= 35 ? 0.05 : look <= 70 ? 0.25 : 0.5);
/** The earliest look of the staged schedule at which a fixed-horizon test planned there has the power. */
function fixedLookFor(p1: number, p0: number): { look: number; units: number } {
  let rel = 0;
  let rep = 0;
  for (let look = 1; look <= 105; look++) {
    rel += UNITS_PER_LOOK * stageShare(look);
    rep += UNITS_PER_LOOK * (1 - stageShare(look));
    const se = Math.sqrt((p1 * (1 - p1)) / rel + (p0 * (1 - p0)) / rep);
    if ((p1 - p0) / se >= zA + zB) return { look, units: rel + rep };
  }
  return { look: Number.NaN, units: Number.NaN };
}
console.log(
  `\n(1b) the RolloutController over simulated rollouts: ${UNITS_PER_LOOK} units a minute, stages 5% / 25% / 50% of 35 minutes, looked at every minute, α = ${ALPHA}`,
);
const rows2: Record<string, string | number>[] = [];
// The fixed-horizon design a team would plan: the smallest regression that matters, +1 pp.
const designed = fixedLookFor(0.02, 0.01);
const guardrail = [{ metric: 'error', kind: 'proportion', direction: 'increase' }];
for (const [label, p1, runs] of [
  ['none (1% vs 1%)', 0.01, 300],
  ['1% → 2%', 0.02, 200],
  ['1% → 4%', 0.04, 200],
] as const) {
  const units: number[] = [];
  let rolled = 0;
  for (let seed = 0; seed < runs; seed++) {
    const r = await simulateRollout(
      50_000 + seed + Math.round(p1 * 1e5),
      simulationPlan(guardrail, ALPHA),
      { on: { error: p1 }, off: { error: 0.01 } },
      UNITS_PER_LOOK,
    );
    if (r.status === 'rolled-back') {
      rolled++;
      units.push(r.units);
    }
  }
  const exact = p1 === 0.01 ? undefined : fixedLookFor(p1, 0.01);
  rows2.push({
    regression: label,
    rollouts: runs,
    'rolled back': pct(rolled / runs),
    'median units at rollback': units.length ? fmt(median(units)) : '-',
    'fixed horizon for +1 pp (α, power 0.8): units': fmt(designed.units),
    'fixed horizon for this very effect: units': exact ? fmt(exact.units) : '-',
  });
}
printTable(rows2);

// --- (2) ingestion into the aggregates vs exposures into a stream -------------------------------
const server = await RedisServer.start();
const redis = new Redis(server.url, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
});
await redis.connect();
const state = new RedisServerState({ url: server.url });
const USERS = 1_000_000;
const CONVERSION = { control: 0.1, treatment: 0.11 };
const metadata = { flagSetId: 'bench', kind: 'experiment' };
const random = new Random(99);
const variantOf = (i: number) => (i % 2 === 0 ? 'control' : 'treatment');

console.log(
  `\n(2) ingestion of ${fmt(USERS)} users (one evaluation each, purchases at 10% / 11%) into a real redis-server`,
);
const aggregator = new MetricsAggregator({
  sink: state,
  autoFlush: false,
  logger: quiet,
  maxSubjects: 100_000,
});
const hookContext = { flagKey: 'checkout-exp', context: { targetingKey: '' } };
const details = { flagKey: 'checkout-exp', variant: '', value: false, flagMetadata: metadata };
let tracked = 0;
const aggStart = performance.now();
for (let i = 0; i < USERS; i++) {
  const variant = variantOf(i);
  hookContext.context.targetingKey = `user-${i}`;
  details.variant = variant;
  aggregator.finally(hookContext as never, details as never);
  if (random.next() < CONVERSION[variant]) {
    aggregator.track({
      type: 'tracking',
      eventName: 'purchase',
      targetingKey: `user-${i}`,
      flagSetId: 'bench',
      timestamp: 0,
    });
    tracked++;
  }
  if (i % 50_000 === 49_999) await aggregator.flush();
}
await aggregator.flush();
const aggSeconds = (performance.now() - aggStart) / 1000;
const aggEvents = USERS + tracked;

const pipeline = new EventPipeline({
  sinks: [new RedisStreamSink({ client: redis, key: 'exposures:{bench}', maxLen: 2_000_000 })],
  batchSize: 500,
  maxQueueSize: 100_000,
  flushIntervalMs: 60_000,
  logger: quiet,
});
const streamRandom = new Random(99);
const streamStart = performance.now();
for (let i = 0; i < USERS; i++) {
  const variant = variantOf(i);
  const exposure: AnalyticsEvent = {
    type: 'exposure',
    flagKey: 'checkout-exp',
    variant,
    targetingKey: `user-${i}`,
    flagSetId: 'bench',
    timestamp: 1_000,
  };
  pipeline.push(exposure);
  if (streamRandom.next() < CONVERSION[variant])
    pipeline.push({
      type: 'tracking',
      eventName: 'purchase',
      targetingKey: `user-${i}`,
      flagSetId: 'bench',
      timestamp: 2_000,
    });
  if (i % 40_000 === 39_999) await pipeline.flush();
}
await pipeline.close();
const streamSeconds = (performance.now() - streamStart) / 1000;
const streamLength = Number(await redis.xlen('exposures:{bench}'));
const aggregateRecord = await state.counters(
  metricsNamespace('bench'),
  METRIC_RECORDS.units('checkout-exp', ''),
);
printTable([
  {
    path: 'MetricsAggregator → counter increments (RedisServerState)',
    events: fmt(aggEvents),
    'events/s': fmt(aggEvents / aggSeconds),
    'kept in Redis': `${Object.keys(aggregateRecord).length} counters`,
  },
  {
    path: 'today: events batched into a stream (RedisStreamSink)',
    events: fmt(streamLength),
    'events/s': fmt(streamLength / streamSeconds),
    'kept in Redis': `${fmt(streamLength)} stream entries`,
  },
]);
console.log(
  `aggregator vs stream: ${(aggEvents / aggSeconds / (streamLength / streamSeconds)).toFixed(1)}× the events per second`,
);

// --- (3) experiment results for 1M users ---------------------------------------------------------
console.log(`\n(3) results of the ${fmt(USERS)}-user experiment, each path in its own process`);
const script = fileURLToPath(new URL('./rollouts/experiment-results.ts', import.meta.url));
const results: Record<string, string | number>[] = [];
const measured: Record<
  string,
  { ms: number; peakHeapMb: number; maxRssMb: number; users: number; converted: number }
> = {};
for (const mode of ['events', 'aggregates'] as const) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, mode, server.url], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`experiment-results ${mode} failed: ${child.stderr}`);
  const line = child.stdout.trim().split('\n').at(-1)!;
  measured[mode] = JSON.parse(line);
  results.push({
    path:
      mode === 'events'
        ? 'today: read every event from the stream, analyse in memory'
        : 'aggregates: read one counter record, analyse the counts',
    ms: Math.round(measured[mode]!.ms),
    'peak heap (MB)': measured[mode]!.peakHeapMb.toFixed(1),
    'max RSS (MB)': measured[mode]!.maxRssMb.toFixed(0),
    users: fmt(measured[mode]!.users),
    converted: fmt(measured[mode]!.converted),
  });
}
printTable(results);
const e = measured.events!;
const a = measured.aggregates!;
console.log(
  `aggregates vs events: ${(e.ms / a.ms).toFixed(0)}× faster, peak heap ${(e.peakHeapMb / a.peakHeapMb).toFixed(0)}× smaller; same users: ${e.users === a.users}, same conversions: ${e.converted === a.converted}`,
);
console.log(`load average at end: ${load()}`);

redis.disconnect();
await state.close();
await server.stop();
