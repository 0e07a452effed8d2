/**
 * Side-by-side measuring for a busy machine: contenders take turns in several short rounds (in a
 * rotating order), so a burst of load from another process hits all of them, and the median of
 * the rounds is reported.
 */
import { heapUsed, throughput } from '../support/measure.js';

/** One implementation under test. */
export interface Contender {
  readonly name: string;
  /** One operation for the `i`-th call (cycle through the users with `i`). */
  readonly run: (i: number) => unknown;
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Throughput of one contender: per second of wall time and per second of this process's CPU time. */
export interface Rate {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Runs `fn(i)` in batches for about `durationMs` after a warm-up. Counts operations per wall-clock
 * second and per CPU second of this process (user + system, all threads, GC included): on a
 * machine shared with other work the CPU figure is the one that does not count time spent waiting
 * for a core.
 */
export function measureRate(fn: (i: number) => unknown, durationMs: number, warmupMs: number): Rate {
  throughput(fn, warmupMs, 0);
  let sink: unknown;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let ops = 0;
  let now = start;
  while (now - start < durationMs) {
    for (let j = 0; j < 1000; j++) sink = fn(ops + j);
    ops += 1000;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuStart);
  if (sink === Symbol.for('never')) console.log(sink);
  return { wall: (ops * 1000) / (now - start), cpu: (ops * 1e6) / (cpu.user + cpu.system) };
}

/** Throughput of each contender: the median over `rounds` interleaved rounds. */
export function interleavedRates(
  contenders: readonly Contender[],
  rounds = 5,
  roundMs = 600,
  warmupMs = 200,
): Map<string, Rate> {
  const samples = new Map<string, Rate[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const contender = contenders[(r + j) % contenders.length]!;
      samples.get(contender.name)!.push(measureRate(contender.run, roundMs, warmupMs));
    }
  }
  return new Map(
    [...samples].map(([name, rates]) => [
      name,
      { wall: median(rates.map((r) => r.wall)), cpu: median(rates.map((r) => r.cpu)) },
    ]),
  );
}

/**
 * Bytes that stay reachable after `build()` (heap used after GC, before and after), and how long
 * `build()` took. The result is kept alive until both readings are taken.
 */
export function retained<T>(build: () => T): { bytes: number; ms: number; value: T } {
  const before = heapUsed();
  const start = performance.now();
  const value = build();
  const ms = performance.now() - start;
  const bytes = heapUsed() - before;
  return { bytes, ms, value };
}
