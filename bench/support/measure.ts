/** Shared measuring helpers for the benchmarks: throughput, latency percentiles, tables. */

/** Percentile (0–100) of already sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Summary of latency samples in milliseconds. */
export function latencySummary(samplesMs: readonly number[]): {
  p50: number;
  p99: number;
  max: number;
  n: number;
} {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    n: sorted.length,
  };
}

/**
 * Runs `fn(i)` repeatedly for about `durationMs` after a warm-up and returns operations per second.
 * `fn` is called in batches so the clock is read rarely.
 */
export function throughput(fn: (i: number) => unknown, durationMs = 1000, warmupMs = 300): number {
  let sink: unknown;
  const run = (ms: number) => {
    const start = performance.now();
    let ops = 0;
    let now = start;
    while (now - start < ms) {
      for (let j = 0; j < 1000; j++) sink = fn(ops + j);
      ops += 1000;
      now = performance.now();
    }
    return (ops * 1000) / (now - start);
  };
  run(warmupMs);
  const result = run(durationMs);
  if (sink === Symbol.for('never')) console.log(sink);
  return result;
}

/** Per-call latency in microseconds: p50 and p99 over `samples` single calls (after warm-up). */
export function callLatencyUs(fn: (i: number) => unknown, samples = 20_000): { p50: number; p99: number } {
  for (let i = 0; i < 5000; i++) fn(i);
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    fn(i);
    times[i] = (performance.now() - t0) * 1000;
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Heap used after a forced GC, in bytes (run node with `--expose-gc`, as `pnpm bench` does). */
export function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Prints rows as an aligned plain-text table. */
export function printTable(rows: readonly Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]!);
  const cells = rows.map((row) => headers.map((h) => formatCell(row[h])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) console.log(line(c));
}

function formatCell(value: string | number | undefined): string {
  if (typeof value !== 'number') return value ?? '';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}
