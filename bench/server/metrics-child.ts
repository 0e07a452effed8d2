/**
 * The server process of `bench/server-metrics.bench.ts`: the Ensign server over a memory store
 * (the same flags and request as the OFREP benchmark) with its metrics on (`/metrics` on the main
 * port, every request counted) or off (`metrics: false`), chosen by `BENCH_METRICS`. Reports
 * `{ url, token }` over IPC and answers `cpu` requests with its CPU time, in µs.
 */
import { createServer, issueToken } from '@ensign/server';
import { MemoryFlagStore } from '@ensign/store';
import { SET, serverBenchFlags } from './shape.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const metrics = process.env.BENCH_METRICS !== 'off';
const server = await createServer({
  store: new MemoryFlagStore({ flagSets: { [SET]: serverBenchFlags() }, logger: quiet }),
  logger: quiet,
  rateLimit: 1_000_000_000,
  flagSets: [SET],
  metrics,
});
const url = await server.listen();
const { token } = await issueToken(server.context.state, {
  name: 'bench-server',
  role: 'server',
  flagSets: [SET],
  createdBy: 'bench',
});
const { token: viewer } = await issueToken(server.context.state, {
  name: 'bench-scraper',
  role: 'viewer',
  createdBy: 'bench',
});

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send?.({ type: 'cpu', micros: user + system });
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
process.send?.({ type: 'ready', url, token, viewer, metrics });
