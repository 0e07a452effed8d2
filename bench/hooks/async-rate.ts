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
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return { perSecond: (ops * 1000) / (now - start), cpuUsPerOp: (used.user + used.system) / ops };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median rate and CPU time per contender over `rounds` interleaved rounds (A B C, A B C, …) after a warm-up. */
export async function interleavedMedians(
  contenders: Record<string, (i: number) => Promise<unknown>>,
  rounds = 9,
  durationMs = 400,
): Promise<Record<string, Rate>> {
  const samples: Record<string, Rate[]> = {};
  for (const [name, fn] of Object.entries(contenders)) {
    await asyncRate(fn, 300);
    samples[name] = [];
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) samples[name]!.push(await asyncRate(fn, durationMs));
  }
  const medians: Record<string, Rate> = {};
  for (const [name, values] of Object.entries(samples)) {
    medians[name] = {
      perSecond: median(values.map((v) => v.perSecond)),
      cpuUsPerOp: median(values.map((v) => v.cpuUsPerOp)),
    };
  }
  return medians;
}
