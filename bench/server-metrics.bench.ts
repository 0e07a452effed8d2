/**
 * What the server's metrics cost OFREP (the observability issue: "the server's OFREP throughput
 * with and without its metrics"): two server processes, identical but for `metrics` (on: every
 * request counted by route and status, every single-flag evaluation by flag and variant, bulk
 * answers by set; off: `metrics: false`), loaded in turn at 32 connections with OFREP bulk
 * (100 flags) and single-flag evaluations, interleaved over rounds; the median round of each
 * case is reported, with the server process's CPU time per answer (steadier than req/s on a
 * shared machine). Then one scrape of `/metrics` under no load: its size and render time.
 * Env: BENCH_SERVER_DURATION_S (default 5), BENCH_SERVER_WARMUP_S (default 2), BENCH_SERVER_ROUNDS (default 3).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LoadResult, runLoad } from './server/load.js';
import { REQUEST_BODY, SINGLE_FLAG } from './server/shape.js';
import { printTable } from './support/measure.js';

const DURATION_S = Number(process.env.BENCH_SERVER_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_SERVER_WARMUP_S ?? 2);
const ROUNDS = Number(process.env.BENCH_SERVER_ROUNDS ?? 3);

interface Ready {
  url: string;
  token: string;
  viewer: string;
  metrics: boolean;
}

async function start(metrics: 'on' | 'off'): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(new URL('./server/metrics-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_METRICS: metrics },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  return { child, ready };
}

function cpuOf(child: ChildProcess): () => Promise<number> {
  return () =>
    new Promise((resolve) => {
      const onMessage = (message: { type?: string; micros?: number }) => {
        if (message.type !== 'cpu') return;
        child.off('message', onMessage);
        resolve(message.micros ?? Number.NaN);
      };
      child.on('message', onMessage);
      child.send({ type: 'cpu' });
    });
}

const median = <T>(values: T[], key: (v: T) => number) =>
  [...values].sort((a, b) => key(a) - key(b))[Math.floor(values.length / 2)]!;

const servers = { on: await start('on'), off: await start('off') };
const cases = [
  { name: 'OFREP bulk (100 flags)', path: '/ofrep/v1/evaluate/flags' },
  { name: 'OFREP single flag', path: `/ofrep/v1/evaluate/flags/${SINGLE_FLAG}` },
];
const results = new Map<string, LoadResult[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    for (const which of ['off', 'on'] as const) {
      const { child, ready } = servers[which];
      const result = await runLoad(
        {
          name: `${c.name}, metrics ${which}`,
          url: `${ready.url}${c.path}`,
          headers: { authorization: `Bearer ${ready.token}` },
          body: REQUEST_BODY,
          status: 200,
        },
        DURATION_S,
        WARMUP_S,
        cpuOf(child),
      );
      const list = results.get(result.name) ?? [];
      list.push(result);
      results.set(result.name, list);
    }
  }
}
const rows = [];
const verdicts: string[] = [];
for (const c of cases) {
  const off = median(results.get(`${c.name}, metrics off`)!, (r) => r.serverCpuUs);
  const on = median(results.get(`${c.name}, metrics on`)!, (r) => r.serverCpuUs);
  const offRate = median(results.get(`${c.name}, metrics off`)!, (r) => r.reqPerSec);
  const onRate = median(results.get(`${c.name}, metrics on`)!, (r) => r.reqPerSec);
  for (const [label, r, rate] of [
    ['off', off, offRate],
    ['on', on, onRate],
  ] as const)
    rows.push({
      case: c.name,
      metrics: label,
      'req/s (median)': Math.round(rate.reqPerSec),
      'p99 ms': rate.p99Ms,
      'server CPU µs/answer (median)': r.serverCpuUs.toFixed(1),
      'wrong answers': r.wrong,
    });
  verdicts.push(
    `${c.name}: metrics add ${(((on.serverCpuUs - off.serverCpuUs) / off.serverCpuUs) * 100).toFixed(1)}% server CPU per answer (${(on.serverCpuUs - off.serverCpuUs).toFixed(1)} µs); req/s ${((onRate.reqPerSec / offRate.reqPerSec) * 100).toFixed(1)}% of without`,
  );
}
console.log(
  `\n## OFREP with and without the server's metrics: ${ROUNDS} interleaved rounds of ${DURATION_S} s (${WARMUP_S} s warm-up)`,
);
printTable(rows);
for (const line of verdicts) console.log(line);

const { ready } = servers.on;
const t0 = performance.now();
const scrape = await fetch(`${ready.url}/metrics`, { headers: { authorization: `Bearer ${ready.viewer}` } });
const text = await scrape.text();
console.log(
  `one scrape of /metrics under no load: ${scrape.status}, ${text.length.toLocaleString('en-US')} bytes, ${text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length} samples, ${(performance.now() - t0).toFixed(1)} ms`,
);
for (const { child } of Object.values(servers)) child.disconnect();
