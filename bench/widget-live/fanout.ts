/**
 * Idle event streams held by one server process: N widgets (each its own widget token and
 * stream) connected from client processes, the server's memory per stream, and the time from
 * one write to every stream holding its notice; then, with every widget re-fetching the bulk
 * answer on the notice as `LiveRefresh` does, the time until all of them hold the new flags.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { latencySummary } from '../support/measure.js';
import type { ClientMessage, ClientRequest, ServerMessage, ServerRequest } from './shape.js';

/** Streams per client process (each process's open-file limit is 20,000 here). */
export const STREAMS_PER_CLIENT = 2_500;

/** What one fan-out size measured. */
export interface FanoutResult {
  readonly streams: number;
  readonly openFailed: number;
  readonly rssPerStreamBytes: number;
  readonly heapPerStreamBytes: number;
  readonly connectSeconds: number;
  /** Write → every stream holds the notice: p50 and max over streams, per flip (ms). */
  readonly notice: { p50: number; all: number }[];
  /** Write → every widget holds the re-fetched answer (ms). */
  readonly refetch: { p50: number; all: number; failed: number }[];
}

function child(file: string, args: string[] = []): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function next<T>(process: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type !== type) return;
      process.off('message', onMessage);
      process.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`a bench process exited (${code})`));
    process.on('message', onMessage);
    process.once('exit', onExit);
  });
}

async function ask<T extends ServerMessage>(
  server: ChildProcess,
  request: ServerRequest,
  type: T['type'],
): Promise<T> {
  const answer = next<T>(server, type);
  server.send(request);
  return answer;
}

/** Runs one size: `streams` idle streams, `flips` notice-only flips, `refetchFlips` with re-fetches. */
export async function fanout(streams: number, flips: number, refetchFlips: number): Promise<FanoutResult> {
  const server = child('./fanout-server.ts');
  const { url } = await next<Extract<ServerMessage, { type: 'ready' }>>(server, 'ready');
  const clients: ChildProcess[] = [];
  try {
    const before = await ask<Extract<ServerMessage, { type: 'memory' }>>(
      server,
      { type: 'memory' },
      'memory',
    );
    const started = performance.now();
    const processes = Math.ceil(streams / STREAMS_PER_CLIENT);
    const connected: Promise<Extract<ClientMessage, { type: 'connected' }>>[] = [];
    for (let i = 0; i < processes; i++) {
      const count = Math.min(STREAMS_PER_CLIENT, streams - i * STREAMS_PER_CLIENT);
      const client = child('./fanout-clients.ts', [url, String(count)]);
      clients.push(client);
      connected.push(next(client, 'connected'));
    }
    const opened = await Promise.all(connected);
    const connectSeconds = (performance.now() - started) / 1000;
    const open = opened.reduce((sum, c) => sum + c.open, 0);
    const openFailed = opened.reduce((sum, c) => sum + c.failed, 0);
    const after = await ask<Extract<ServerMessage, { type: 'memory' }>>(server, { type: 'memory' }, 'memory');

    const notice: FanoutResult['notice'][number][] = [];
    const refetch: FanoutResult['refetch'][number][] = [];
    let state: 'ENABLED' | 'DISABLED' = 'DISABLED';
    for (let i = 0; i < flips + refetchFlips; i++) {
      const withRefetch = i >= flips;
      for (const client of clients)
        client.send({ type: 'mode', refetch: withRefetch } satisfies ClientRequest);
      const flipped = await ask<Extract<ServerMessage, { type: 'flipped' }>>(
        server,
        { type: 'flip', state },
        'flipped',
      );
      state = state === 'DISABLED' ? 'ENABLED' : 'DISABLED';
      // Let every notice (and re-fetch) land: poll the clients until all have it.
      let reports: Extract<ClientMessage, { type: 'report' }>[] = [];
      const deadline = performance.now() + 60_000;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        reports = await Promise.all(
          clients.map((client) => {
            const report = next<Extract<ClientMessage, { type: 'report' }>>(client, 'report');
            client.send({ type: 'report', version: flipped.version } satisfies ClientRequest);
            return report;
          }),
        );
        const noticed = reports.reduce((sum, r) => sum + r.noticedAt.length, 0);
        const done = reports.reduce((sum, r) => sum + r.refetchedAt.length + r.refetchFailed, 0);
        if ((noticed >= open && (!withRefetch || done >= open)) || performance.now() > deadline) break;
      }
      const noticeMs = reports.flatMap((r) => r.noticedAt.map((at) => at - flipped.startedAt));
      const n = latencySummary(noticeMs);
      if (!withRefetch) notice.push({ p50: n.p50, all: noticeMs.length === open ? n.max : Number.NaN });
      else {
        const refetchMs = reports.flatMap((r) => r.refetchedAt.map((at) => at - flipped.startedAt));
        const r = latencySummary(refetchMs);
        refetch.push({
          p50: r.p50,
          all: refetchMs.length === open ? r.max : Number.NaN,
          failed: reports.reduce((sum, report) => sum + report.refetchFailed, 0),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return {
      streams: open,
      openFailed,
      connectSeconds,
      rssPerStreamBytes: (after.rss - before.rss) / Math.max(1, open),
      heapPerStreamBytes: (after.heapUsed - before.heapUsed) / Math.max(1, open),
      notice,
      refetch,
    };
  } finally {
    for (const client of clients) client.disconnect();
    server.disconnect();
    await Promise.all(
      [...clients, server].map(
        (p) => new Promise((resolve) => (p.exitCode === null ? p.once('exit', resolve) : resolve(null))),
      ),
    );
  }
}
