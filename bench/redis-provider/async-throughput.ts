/** Throughput of an async call made sequentially (`await` each), as an app's request path does. */

/** Calls per second of `await fn(i)` over about `durationMs`, after a warm-up. */
export async function asyncThroughput(
  fn: (i: number) => Promise<unknown>,
  durationMs = 1000,
  warmupMs = 300,
): Promise<number> {
  const run = async (ms: number) => {
    const start = performance.now();
    let ops = 0;
    let now = start;
    while (now - start < ms) {
      for (let j = 0; j < 200; j++) await fn(ops + j);
      ops += 200;
      now = performance.now();
    }
    return (ops * 1000) / (now - start);
  };
  await run(warmupMs);
  return run(durationMs);
}
