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

/** Operations per second of each contender: the median over `rounds` interleaved rounds. */
export function interleavedThroughput(
  contenders: readonly Contender[],
  rounds = 5,
  roundMs = 600,
  warmupMs = 200,
): Map<string, number> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const contender = contenders[(r + j) % contenders.length]!;
      samples.get(contender.name)!.push(throughput(contender.run, roundMs, warmupMs));
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
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
