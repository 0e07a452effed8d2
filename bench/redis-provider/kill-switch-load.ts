/**
 * The kill switch under evaluation load: N provider processes evaluating flat out, each with a
 * bare Redis subscriber in the same process; per trial, a bare PUBLISH → every process has the
 * message, then a kill-switch write returned → every process serves `DISABLED` (or, on the next
 * trial, serves it again). Both paths cross the same busy event loops, so the ratio is the cost
 * of the provider's own path.
 */
import { join } from 'node:path';
import { RedisFlagStore } from '@ensign/redis-provider';
import { Redis } from 'ioredis';
import type { RedisServer } from '../../test/support/redis-server.js';
import { latencySummary, printTable } from '../support/measure.js';
import { benchFlagSet } from './flags.js';
import { Fleet, wallClockMs } from './fleet.js';

const KILL_FLAG = 'kill-switch';
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** One configuration: N processes, busy (evaluating flat out) or idle, and the trials to run. */
export interface LoadCase {
  n: number;
  busy: boolean;
  trials: number;
}

/** The p99 ratio of each case, for the goals. */
export type LoadRatios = Map<string, { ours: number; bare: number }>;

export async function killSwitchUnderLoad(
  server: RedisServer,
  here: string,
  cases: LoadCase[],
): Promise<LoadRatios> {
  console.log('\n## Kill switch under evaluation load: write returned → every process serves the new state');
  const flagSet = 'kill-load';
  const writer = new RedisFlagStore({ url: server.url, logger: quiet });
  const publisher = new Redis(server.url);
  const document = benchFlagSet(100);
  document.flags[KILL_FLAG] = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'on',
    metadata: { kind: 'kill-switch', trial: -1 },
  };
  await writer.replaceFlagSet(flagSet, document, { actor: 'bench' });
  const rows: Record<string, string | number>[] = [];
  const ratios: LoadRatios = new Map();
  for (const { n, busy, trials } of cases) {
    const fleet = await Fleet.start(
      join(here, 'redis-provider', 'busy-child.mjs'),
      [server.url, flagSet, KILL_FLAG, 'bench-busy-bare', busy ? '1' : '0'],
      n,
    );
    const bareMs: number[] = [];
    const oursMs: number[] = [];
    let lost = 0;
    for (let trial = 0; trial < trials; trial++) {
      const bareValue = `bare-${n}-${busy}-${trial}`;
      const bareSeen = fleet.expect(bareValue);
      const bareStart = wallClockMs();
      await publisher.publish('bench-busy-bare', bareValue);
      const bareAt = await bareSeen;
      if (bareAt === undefined) lost++;
      else bareMs.push(bareAt - bareStart);

      const kill = trial % 2 === 0;
      const oursSeen = fleet.expect(`${kill ? 'DISABLED' : 'STATIC'}|${trial}`);
      await writer.patchFlag(
        flagSet,
        KILL_FLAG,
        { state: kill ? 'DISABLED' : 'ENABLED', metadata: { kind: 'kill-switch', trial } },
        { actor: 'bench', reason: 'kill-switch benchmark' },
      );
      const oursStart = wallClockMs();
      const oursAt = await oursSeen;
      if (oursAt === undefined) lost++;
      else oursMs.push(oursAt - oursStart);
    }
    await fleet.close();
    const b = latencySummary(bareMs);
    const o = latencySummary(oursMs);
    const label = `${n} ${busy ? 'busy' : 'idle'}`;
    ratios.set(label, { ours: o.p99, bare: b.p99 });
    rows.push({
      processes: label,
      trials,
      'bare p50 ms': b.p50,
      'bare p99 ms': b.p99,
      'kill switch p50 ms': o.p50,
      'kill switch p99 ms': o.p99,
      'p99 ratio': o.p99 / b.p99,
      'timed out': lost,
    });
  }
  printTable(rows);
  console.log(
    '(bare: PUBLISH sent → every process has the message; kill switch: patchFlag returned → every process serves it)',
  );
  publisher.disconnect();
  await writer.close();
  return ratios;
}
