/**
 * The Redis provider, side by side with its physical limits in the same run:
 * 1. propagation: a write returning → every one of N provider processes serving the new value,
 *    beside a bare Redis PUBLISH → N subscriber processes (N = 1, 8, 50), idle; then the kill
 *    switch under evaluation load (N = 1, 8, 50 processes evaluating flat out), beside a bare
 *    PUBLISH to a subscriber in the same busy processes;
 * 2. cold start (snapshot load + compile) of 1,000 and 10,000 flags, and applying one change;
 * 3. `client.getStringValue` through the OpenFeature SDK against a trivial constant provider,
 *    and the heap held for 10,000 flags.
 * Env: PROPAGATION_WRITES (default 500), PROPAGATION_WRITES_50 (writes at N = 50, default 250:
 * a hundred processes on a small machine make each round slow), PROPAGATION_FLAGS (default 100).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFlagSet } from '@ensign/core';
import { RedisFlagStore, RedisProvider } from '@ensign/redis-provider';
import { MemoryFlagStore } from '@ensign/store';
import { OpenFeature, type Provider, ProviderEvents, type ResolutionDetails } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { RedisServer } from '../test/support/redis-server.js';
import { asyncThroughput } from './redis-provider/async-throughput.js';
import { BENCH_FLAG, benchFlag, benchFlagSet } from './redis-provider/flags.js';
import { Fleet, wallClockMs } from './redis-provider/fleet.js';
import { killSwitchUnderLoad } from './redis-provider/kill-switch-load.js';
import { heapUsed, latencySummary, printTable } from './support/measure.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const WRITES = Number(process.env.PROPAGATION_WRITES ?? 500);
const WRITES_50 = Number(process.env.PROPAGATION_WRITES_50 ?? Math.min(WRITES, 250));
const PROPAGATION_FLAGS = Number(process.env.PROPAGATION_FLAGS ?? 100);
const FLEET_SIZES = [1, 8, 50];
const LOAD_TRIALS = Number(process.env.KILL_SWITCH_TRIALS ?? 200);
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const verdicts: string[] = [];

function verdict(goal: string, pass: boolean, detail: string): void {
  verdicts.push(`${pass ? 'PASS' : 'MISS'}  ${goal}: ${detail}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function propagation(server: RedisServer): Promise<void> {
  console.log(
    `\n## Propagation: write returned → all N processes have the value (${PROPAGATION_FLAGS}-flag set)`,
  );
  const flagSet = 'propagation';
  const writer = new RedisFlagStore({ url: server.url, logger: quiet });
  const publisher = new Redis(server.url);
  await writer.replaceFlagSet(flagSet, benchFlagSet(PROPAGATION_FLAGS), { actor: 'bench' });
  const rows: Record<string, string | number>[] = [];
  let p99At50: { ours: number; bare: number } | undefined;
  for (const n of FLEET_SIZES) {
    const bare = await Fleet.start(
      join(here, 'redis-provider', 'subscriber-child.mjs'),
      [server.url, 'bench-bare'],
      n,
    );
    const ours = await Fleet.start(
      join(here, 'redis-provider', 'provider-child.mjs'),
      [server.url, flagSet, BENCH_FLAG],
      n,
    );
    const bareMs: number[] = [];
    const oursMs: number[] = [];
    const oursFromCallMs: number[] = [];
    let lost = 0;
    const writes = n === 50 ? WRITES_50 : WRITES;
    // Interleaved, so both see the same background load.
    for (let i = 0; i < writes; i++) {
      const value = `n${n}-w${i}`;
      const bareSeen = bare.expect(value);
      await publisher.publish('bench-bare', value);
      const bareStart = wallClockMs();
      const bareAt = await bareSeen;
      if (bareAt === undefined) lost++;
      else bareMs.push(bareAt - bareStart);

      const oursSeen = ours.expect(value);
      const oursCall = wallClockMs();
      await writer.putFlag(flagSet, BENCH_FLAG, benchFlag(value), { actor: 'bench' });
      const oursStart = wallClockMs();
      const oursAt = await oursSeen;
      if (oursAt === undefined) lost++;
      else {
        oursMs.push(oursAt - oursStart);
        oursFromCallMs.push(oursAt - oursCall);
      }
    }
    await Promise.all([bare.close(), ours.close()]);
    const b = latencySummary(bareMs);
    const o = latencySummary(oursMs);
    const c = latencySummary(oursFromCallMs);
    rows.push({
      N: n,
      writes,
      'bare p50 ms': b.p50,
      'bare p99 ms': b.p99,
      'provider p50 ms': o.p50,
      'provider p99 ms': o.p99,
      'p99 ratio': o.p99 / b.p99,
      'provider p99 from write call ms': c.p99,
      'timed out': lost,
    });
    if (n === 50) p99At50 = { ours: o.p99, bare: b.p99 };
  }
  printTable(rows);
  console.log(
    '(a child seeing a value before the writer got its reply counts as a negative time; "from write call"\n' +
      " also counts the writer's own read-validate-script round trips, which the bare PUBLISH does not have)",
  );
  if (p99At50) {
    const ratio = p99At50.ours / p99At50.bare;
    verdict(
      'propagation p99 ≤ 3× bare PUBLISH at N = 50 (idle, separate subscriber processes)',
      ratio <= 3,
      `${p99At50.ours.toFixed(2)} ms vs ${p99At50.bare.toFixed(2)} ms (${ratio.toFixed(2)}×)`,
    );
  }
  publisher.disconnect();
  await writer.close();
}

async function coldStart(server: RedisServer): Promise<void> {
  console.log('\n## Cold start and applying one change (RedisFlagStore, in process)');
  const writer = new RedisFlagStore({ url: server.url, logger: quiet, validateOnLoad: false });
  const rows: Record<string, string | number>[] = [];
  for (const count of [1_000, 10_000]) {
    const flagSet = `cold-${count}`;
    await writer.replaceFlagSet(flagSet, benchFlagSet(count), { actor: 'bench' });
    const load: number[] = [];
    const compile: number[] = [];
    const init: number[] = [];
    for (let r = 0; r < 5; r++) {
      let t = performance.now();
      const snapshot = await writer.load(flagSet);
      load.push(performance.now() - t);
      t = performance.now();
      compileFlagSet(snapshot.document, { invalidFlags: 'isolate' });
      compile.push(performance.now() - t);
      const provider = new RedisProvider({
        store: new RedisFlagStore({ url: server.url, validateOnLoad: false }),
        flagSet,
        logger: quiet,
      });
      t = performance.now();
      await provider.initialize();
      init.push(performance.now() - t);
      await provider.onClose();
    }
    // One change to one flag: load + recompile of what changed, in a live provider.
    const provider = new RedisProvider({
      store: new RedisFlagStore({ url: server.url, validateOnLoad: false }),
      flagSet,
      logger: quiet,
    });
    await provider.initialize();
    const apply: number[] = [];
    for (let r = 0; r < 10; r++) {
      const changed = new Promise<void>((resolve) =>
        provider.events.addHandler(ProviderEvents.ConfigurationChanged, () => resolve()),
      );
      await writer.putFlag(flagSet, BENCH_FLAG, benchFlag(`c${r}`), { actor: 'bench' });
      const t = performance.now();
      await changed;
      apply.push(performance.now() - t);
      provider.events.removeAllHandlers(ProviderEvents.ConfigurationChanged);
    }
    await provider.onClose();
    rows.push({
      flags: count,
      'load ms': median(load),
      'compile ms': median(compile),
      'initialize ms (load+compile+subscribe)': median(init),
      'apply 1 change ms (write returned → event)': median(apply),
    });
  }
  printTable(rows);
  console.log('(medians of 5 cold starts and 10 changes)');
  await writer.close();
}

class ConstantProvider implements Provider {
  readonly metadata = { name: 'constant' };
  readonly runsOn = 'server' as const;
  resolveBooleanEvaluation(): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve({ value: true, reason: 'STATIC' });
  }
  resolveStringEvaluation(): Promise<ResolutionDetails<string>> {
    return Promise.resolve({ value: 'control', reason: 'STATIC', variant: 'control' });
  }
  resolveNumberEvaluation(): Promise<ResolutionDetails<number>> {
    return Promise.resolve({ value: 1, reason: 'STATIC' });
  }
  resolveObjectEvaluation<T>(): Promise<ResolutionDetails<T>> {
    return Promise.resolve({ value: {} as T, reason: 'STATIC' });
  }
}

async function throughputAndMemory(): Promise<void> {
  console.log('\n## Through the OpenFeature client: client.getStringValue, sequential');
  const document = benchFlagSet(1_000);
  const store = new MemoryFlagStore({ flagSets: { bench: document } });
  await OpenFeature.setProviderAndWait('ours', new RedisProvider({ store, flagSet: 'bench', logger: quiet }));
  await OpenFeature.setProviderAndWait('constant', new ConstantProvider());
  const ours = OpenFeature.getClient('ours');
  const constant = OpenFeature.getClient('constant');
  const users = Array.from({ length: 1024 }, (_, i) => ({
    targetingKey: `user-${i}`,
    tier: i % 3 ? 'free' : 'pro',
  }));
  // flag-2 is a 50/50 fractional rollout over the targeting key: the realistic hot path.
  const cases = [
    { name: 'rollout (fractional)', key: 'flag-2' },
    { name: 'static', key: BENCH_FLAG },
  ];
  const rows: Record<string, string | number>[] = [];
  for (const { name, key } of cases) {
    const floor: number[] = [];
    const ourRuns: number[] = [];
    const ratios: number[] = [];
    // Paired rounds, alternating which goes first: the ratio of each pair sees the same load.
    for (let round = 0; round < 6; round++) {
      const runFloor = () => asyncThroughput((i) => constant.getStringValue(key, 'x', users[i & 1023]), 700);
      const runOurs = () => asyncThroughput((i) => ours.getStringValue(key, 'x', users[i & 1023]), 700);
      let f: number;
      let o: number;
      if (round % 2 === 0) {
        f = await runFloor();
        o = await runOurs();
      } else {
        o = await runOurs();
        f = await runFloor();
      }
      floor.push(f);
      ourRuns.push(o);
      ratios.push(o / f);
    }
    const ratio = median(ratios);
    rows.push({
      flag: name,
      'constant provider ops/s': median(floor),
      'RedisProvider ops/s': median(ourRuns),
      'ratio (median of 6 pairs)': ratio,
    });
    if (name.startsWith('rollout')) {
      verdict(
        'client throughput ≥ 90% of a constant provider',
        ratio >= 0.9,
        `${(ratio * 100).toFixed(1)}% (rollout flag)`,
      );
    }
  }
  printTable(rows);
  await OpenFeature.close();

  console.log('\n## Memory for 10,000 flags (heap after GC, provider over MemoryFlagStore)');
  const big = benchFlagSet(10_000);
  const bigStore = new MemoryFlagStore({ flagSets: { big } });
  const before = heapUsed();
  const provider = new RedisProvider({ store: bigStore, flagSet: 'big', logger: quiet, closeStore: false });
  await provider.initialize();
  const after = heapUsed();
  const json = JSON.stringify(big).length;
  printTable([
    {
      flags: 10_000,
      'provider heap MB': (after - before) / 1e6,
      'bytes per flag': Math.round((after - before) / 10_000),
      'document JSON MB': json / 1e6,
    },
  ]);
  await provider.onClose();
}

const server = await RedisServer.start();
try {
  await propagation(server);
  const load = await killSwitchUnderLoad(server, here, [
    { n: 1, busy: true, trials: LOAD_TRIALS },
    { n: 8, busy: true, trials: LOAD_TRIALS },
    { n: 50, busy: true, trials: Math.ceil(LOAD_TRIALS / 4) },
    { n: 50, busy: false, trials: LOAD_TRIALS },
  ]);
  const at8 = load.get('8 busy')!;
  verdict(
    'kill switch p99 ≤ 2× bare PUBLISH under load at 8 processes',
    at8.ours <= 2 * at8.bare,
    `${at8.ours.toFixed(2)} ms vs ${at8.bare.toFixed(2)} ms (${(at8.ours / at8.bare).toFixed(2)}×)`,
  );
  const idle50 = load.get('50 idle')!;
  verdict(
    'kill switch p99 ≤ 1.5× bare PUBLISH at 50 idle processes',
    idle50.ours <= 1.5 * idle50.bare,
    `${idle50.ours.toFixed(2)} ms vs ${idle50.bare.toFixed(2)} ms (${(idle50.ours / idle50.bare).toFixed(2)}×)`,
  );
  await coldStart(server);
  await throughputAndMemory();
} finally {
  await server.stop();
}
console.log('\n## Goals');
for (const line of verdicts) console.log(line);
