/**
 * HTTP load with autocannon (32 connections, as the goals say), typed by hand: autocannon ships
 * no types. A short warm-up run precedes each measured one so that every route is measured hot.
 */
import { createRequire } from 'node:module';

/** One load scenario. */
export interface LoadCase {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The status every answer must have (a run with others is reported as failed). */
  readonly status: number;
  /** HTTP method (default POST, as OFREP evaluates; Unleash's frontend API is read with GET, no body). */
  readonly method?: 'GET' | 'POST';
  /** Concurrent connections (default {@link CONNECTIONS}). */
  readonly connections?: number;
  /** Reads the CPU time (µs) of the process that serves this case, when it is not the one `runLoad` is given. */
  readonly serverCpu?: () => Promise<number>;
}

/** What a run measured. */
export interface LoadResult {
  readonly name: string;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Answers with another status than expected, errors and timeouts. */
  readonly wrong: number;
  /** CPU time the server process spent per answer (user + system), in µs. */
  readonly serverCpuUs: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Concurrent connections of every run. */
export const CONNECTIONS = 32;

/**
 * Runs `scenario` for `durationS` seconds after a warm-up of `warmupS`; `serverCpu` reads the
 * server process's CPU time (µs), so that the cost per answer is known even on a busy machine.
 */
export async function runLoad(
  scenario: LoadCase,
  durationS: number,
  warmupS: number,
  serverCpu: () => Promise<number>,
): Promise<LoadResult> {
  const method = scenario.method ?? 'POST';
  const options = {
    url: scenario.url,
    method,
    headers:
      method === 'POST' ? { 'content-type': 'application/json', ...scenario.headers } : scenario.headers,
    ...(method === 'POST' && { body: scenario.body }),
    connections: scenario.connections ?? CONNECTIONS,
    pipelining: 1,
  };
  const readCpu = scenario.serverCpu ?? serverCpu;
  if (warmupS > 0) await autocannon({ ...options, duration: warmupS });
  const cpuBefore = await readCpu();
  const result = await autocannon({ ...options, duration: durationS });
  const cpu = (await readCpu()) - cpuBefore;
  const statuses = result.statusCodeStats ?? {};
  const right = statuses[String(scenario.status)]?.count ?? 0;
  const answered = Object.values(statuses).reduce((sum, s) => sum + s.count, 0);
  return {
    name: scenario.name,
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    wrong: answered - right + result.errors + result.timeouts,
    serverCpuUs: cpu / Math.max(1, result.requests.total),
  };
}
