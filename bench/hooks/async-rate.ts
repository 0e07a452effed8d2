/**
 * Sequential async throughput, measured in interleaved rounds so contenders share the same drift.
 * Besides wall-clock rates it records this process's CPU time per operation, which other
 * processes on a shared machine disturb far less than they disturb wall-clock time.
 */

/** One measurement: operations per second and CPU microseconds per operation. */
export interface Rate {
  perSecond: number;
  cpuUsPerOp: number;
}

/** Rate of `fn`, awaited one call after the other for about `durationMs`. */
export async function asyncRate(fn: (i: number) => Promise<unknown>, durationMs: number): Promise<Rate> {
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let j = 0; j < 200; j++) await fn(ops + j);
    ops += 200;
    // Let timers and sockets run, as a server does between requests: a chain of resolved promises
    // never yields to the event loop, which would starve background flushes and hide their cost.
    await new Promise((resolve) => setImmediate(resolve));
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return { perSecond: (ops * 1000) / (now - start), cpuUsPerOp: (used.user + used.system) / ops };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Medians per contender, plus the median over rounds of its CPU time relative to the first contender's in the same round. */
export interface Medians extends Rate {
  /** Median of (this contender's CPU µs/op ÷ the first contender's) over rounds: drift cancels out. */
  cpuRatioToFirst: number;
}

/**
 * Median rate and CPU time per contender over `rounds` interleaved rounds (A B C, A B C, …) after
 * a warm-up, and per-round paired ratios against the first contender.
 */
export async function interleavedMedians(
  contenders: Record<string, (i: number) => Promise<unknown>>,
  rounds = 15,
  durationMs = 300,
): Promise<Record<string, Medians>> {
  const names = Object.keys(contenders);
  const samples: Record<string, Rate[]> = {};
  for (const name of names) {
    await asyncRate(contenders[name]!, 300);
    samples[name] = [];
  }
  for (let r = 0; r < rounds; r++) {
    for (const name of names) samples[name]!.push(await asyncRate(contenders[name]!, durationMs));
  }
  const first = samples[names[0]!]!;
  const medians: Record<string, Medians> = {};
  for (const name of names) {
    const values = samples[name]!;
    medians[name] = {
      perSecond: median(values.map((v) => v.perSecond)),
      cpuUsPerOp: median(values.map((v) => v.cpuUsPerOp)),
      cpuRatioToFirst: median(values.map((v, i) => v.cpuUsPerOp / first[i]!.cpuUsPerOp)),
    };
  }
  return medians;
}
