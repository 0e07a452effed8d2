/**
 * `@ensign/server` OFREP, side by side in one run with the HTTP stack's own limit:
 * 1. throughput at 32 connections (autocannon) of OFREP bulk evaluation (100 flags, one
 *    context), single-flag evaluation and bulk 304s, beside a bare route of the same fastify
 *    that returns the same bytes as a constant; ratios against it;
 * 2. a kill switch sent through the admin API (or, before the admin API exists, through the
 *    store in the server process) → event-stream clients that behave as the OFREP web provider
 *    does hold the new state: p50/p99, for 1 and 100 clients;
 * 3. peers measured by an optional harness or given as figures (see `bench/server/peers.ts`),
 *    beside ours with the goal's verdict. Unleash (`bench/unleash/`, its own install) runs when
 *    installed: its frontend API's cases join our rounds (interleaved, same autocannon, same
 *    context), with our bulk route at 1 connection beside its own, then its Node SDK's kill switch;
 *    otherwise the ratios say "not measured".
 * The server runs in its own process (one core), the load generator and clients in this one.
 * Each case runs ROUNDS times, the cases interleaved (so that a change in the machine's load
 * falls on all of them), and its median round is reported.
 * Env: BENCH_SERVER_DURATION_S (default 5), BENCH_SERVER_WARMUP_S (default 2), BENCH_SERVER_ROUNDS (default 3),
 * BENCH_KILL_TRIALS (default 100), BENCH_PEER_FIGURES (a JSON file of peer figures).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { killSwitchLatency } from './server/kill-switch.js';
import { CONNECTIONS, type LoadCase, type LoadResult, runLoad } from './server/load.js';
import { type PeerFigures, peerFigures } from './server/peers.js';
import { FLAG_COUNT, KILL_FLAG, REQUEST_BODY, SET, SINGLE_FLAG, type ServerReady } from './server/shape.js';
import {
  UNLEASH_BULK,
  UNLEASH_BULK_ONE,
  openUnleashPeer,
  unleashFigures,
  unleashKillSwitch,
} from './server/unleash.js';
import { latencySummary, printTable } from './support/measure.js';

const DURATION_S = Number(process.env.BENCH_SERVER_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_SERVER_WARMUP_S ?? 2);
const ROUNDS = Number(process.env.BENCH_SERVER_ROUNDS ?? 3);
const KILL_TRIALS = Number(process.env.BENCH_KILL_TRIALS ?? 100);
const verdicts: string[] = [];

function verdict(goal: string, pass: boolean, detail: string): void {
  verdicts.push(`${pass ? 'PASS' : 'MISS'}  ${goal}: ${detail}`);
}

async function startServerProcess(): Promise<{ child: ChildProcess; ready: ServerReady }> {
  const child = fork(fileURLToPath(new URL('./server/server-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ServerReady));
    child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  return { child, ready };
}

/** Sends the kill switch through the admin API when it has the kill route, else through the store. */
async function flipper(child: ChildProcess, ready: ServerReady) {
  const doc = (await (await fetch(`${ready.ofrepUrl}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, unknown>;
  };
  if (doc.paths['/api/v1/flag-sets/{set}/flags/{key}/kill'] !== undefined) {
    return {
      via: 'admin API (POST …/kill, …/restore)',
      flip: async (state: 'ENABLED' | 'DISABLED') => {
        const action = state === 'DISABLED' ? 'kill' : 'restore';
        const response = await fetch(
          `${ready.ofrepUrl}/api/v1/flag-sets/${SET}/flags/${KILL_FLAG}/${action}`,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${ready.adminToken}`,
              'content-type': 'application/json',
              'if-match': '*',
            },
            body: JSON.stringify({ reason: 'bench' }),
          },
        );
        if (response.status !== 200)
          throw new Error(`${action}: HTTP ${response.status} ${await response.text()}`);
        await response.body?.cancel();
      },
    };
  }
  return {
    via: 'the store in the server process (no admin API kill route in this build)',
    flip: (state: 'ENABLED' | 'DISABLED') =>
      new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.send({ type: 'flip', state });
      }),
  };
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

/** The server process's CPU time so far, in µs. */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; micros?: number }) => {
      if (message.type !== 'cpu') return;
      child.off('message', onMessage);
      resolve(message.micros ?? Number.NaN);
    };
    child.on('message', onMessage);
    child.send({ type: 'cpu' });
  });
}

/** Our bulk route at one connection: measured only beside a peer's, for that ratio. */
const OFREP_BULK_ONE = 'OFREP bulk, 1 connection';

/** Runs our cases and `extra` (a peer's, and ours beside them) in the same interleaved rounds. */
async function throughput(
  child: ChildProcess,
  ready: ServerReady,
  extra: readonly LoadCase[] = [],
): Promise<Map<string, LoadResult>> {
  console.log(
    `\n## Throughput: ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${DURATION_S} s runs ` +
      `(${WARMUP_S} s warm-up before each); ` +
      `${FLAG_COUNT} flags, one context; bulk answer ${ready.bulkBytes} B, single ${ready.singleBytes} B`,
  );
  const auth = { authorization: `Bearer ${ready.serverToken}` };
  const cases: LoadCase[] = [
    {
      name: 'bare fastify, constant bulk-sized JSON',
      url: `${ready.bareUrl}/bulk`,
      headers: {},
      body: REQUEST_BODY,
      status: 200,
    },
    {
      name: 'OFREP bulk',
      url: `${ready.ofrepUrl}/ofrep/v1/evaluate/flags`,
      headers: auth,
      body: REQUEST_BODY,
      status: 200,
    },
    {
      name: 'bare fastify, constant single-sized JSON',
      url: `${ready.bareUrl}/single`,
      headers: {},
      body: REQUEST_BODY,
      status: 200,
    },
    {
      name: 'OFREP single flag',
      url: `${ready.ofrepUrl}/ofrep/v1/evaluate/flags/${SINGLE_FLAG}`,
      headers: auth,
      body: REQUEST_BODY,
      status: 200,
    },
    {
      name: 'OFREP bulk 304 (If-None-Match)',
      url: `${ready.ofrepUrl}/ofrep/v1/evaluate/flags`,
      headers: { ...auth, 'if-none-match': ready.etag },
      body: REQUEST_BODY,
      status: 304,
    },
  ];
  const ours = new Set(cases.map((c) => c.name));
  cases.push(...extra);
  const rounds = new Map<string, LoadResult[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const scenario of cases)
      rounds.get(scenario.name)!.push(await runLoad(scenario, DURATION_S, WARMUP_S, () => serverCpu(child)));
  }
  const results = new Map<string, LoadResult>();
  for (const [name, runs] of rounds) {
    const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    results.set(name, { ...median, wrong: runs.reduce((sum, r) => sum + r.wrong, 0) });
  }
  const bareBulk = results.get(cases[0]!.name)!;
  const bareSingle = results.get(cases[2]!.name)!;
  printTable(
    [...results.values()]
      .filter((r) => ours.has(r.name))
      .map((r) => ({
        case: r.name,
        'req/s': Math.round(r.reqPerSec),
        'p50 ms': r.p50Ms,
        'p99 ms': r.p99Ms,
        'server CPU µs/answer': r.serverCpuUs,
        'vs bare (same size)':
          r.name.includes('bulk') && !r.name.includes('304')
            ? ratio(r.reqPerSec, bareBulk.reqPerSec)
            : ratio(r.reqPerSec, bareSingle.reqPerSec),
        'wrong answers': r.wrong,
      })),
  );
  if (extra.length > 0) {
    console.log('\nIn the same rounds, beside the peer (server CPU: that server process’s own):');
    printTable(
      [...results.values()]
        .filter((r) => !ours.has(r.name))
        .map((r) => ({
          case: r.name,
          'req/s': Math.round(r.reqPerSec),
          'p50 ms': r.p50Ms,
          'p99 ms': r.p99Ms,
          'server CPU µs/answer': Math.round(r.serverCpuUs),
          'wrong answers': r.wrong,
        })),
    );
  }
  for (const r of results.values()) {
    if (r.wrong > 0)
      verdict(`${r.name} answers`, false, `${r.wrong} of ${r.requests} were not the expected status`);
  }
  const single = results.get(cases[3]!.name)!;
  const notModified = results.get(cases[4]!.name)!;
  verdict(
    'OFREP single flag ≥ 0.7× bare fastify constant JSON',
    single.reqPerSec >= 0.7 * bareSingle.reqPerSec,
    `${Math.round(single.reqPerSec)} vs ${Math.round(bareSingle.reqPerSec)} req/s = ${ratio(single.reqPerSec, bareSingle.reqPerSec)}`,
  );
  verdict(
    'OFREP bulk 304 ≥ 0.7× bare fastify constant JSON',
    notModified.reqPerSec >= 0.7 * bareSingle.reqPerSec,
    `${Math.round(notModified.reqPerSec)} vs ${Math.round(bareSingle.reqPerSec)} req/s = ${ratio(notModified.reqPerSec, bareSingle.reqPerSec)}`,
  );
  return results;
}

async function killSwitch(child: ChildProcess, ready: ServerReady): Promise<{ p50: number; p99: number }> {
  const { via, flip } = await flipper(child, ready);
  console.log(
    `\n## Kill switch → event-stream clients hold the new state (${KILL_TRIALS} flips, via ${via})`,
  );
  const rows: Record<string, string | number>[] = [];
  let oneClient = { p50: Number.NaN, p99: Number.NaN };
  for (const clients of [1, 100]) {
    const { noticeMs, seenMs } = await killSwitchLatency({
      baseUrl: ready.ofrepUrl,
      token: ready.serverToken,
      clients,
      trials: KILL_TRIALS,
      flip,
    });
    const notice = latencySummary(noticeMs);
    const seen = latencySummary(seenMs);
    if (clients === 1) oneClient = seen;
    rows.push({
      clients,
      samples: seen.n,
      'notice p50 ms': notice.p50,
      'notice p99 ms': notice.p99,
      'state held p50 ms': seen.p50,
      'state held p99 ms': seen.p99,
      'max ms': seen.max,
    });
  }
  printTable(rows);
  console.log(
    'notice: the write sent → the refetchEvaluation event read; state held: → the re-fetched bulk answer ' +
      'shows the change (after the web provider’s 50 ms debounce, as a browser app would see it).',
  );
  verdict(
    'kill switch → an OFREP web client on SSE sees it: p99 ≤ 250 ms',
    oneClient.p99 <= 250,
    `p50 ${oneClient.p50.toFixed(1)} ms, p99 ${oneClient.p99.toFixed(1)} ms (1 client)`,
  );
  return oneClient;
}

/** What ran on our side, for the versions line. */
function ourVersions(): string {
  const read = (url: URL) => (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  const server = read(new URL('../packages/server/package.json', import.meta.url));
  const autocannon = read(new URL('../node_modules/autocannon/package.json', import.meta.url));
  return `Ensign @ensign/server ${server} on Node ${process.version.replace(/^v/, '')}; load: autocannon ${autocannon} in this process`;
}

/** The Unleash side as `peers` needs it: its figures, or why there are none. */
type UnleashOutcome = { readonly measured: PeerFigures[] } | { readonly why: string; readonly hint: string };

async function peers(
  bulk: LoadResult,
  bulkOne: LoadResult | undefined,
  kill: { p50: number; p99: number },
  unleash: UnleashOutcome,
): Promise<void> {
  const figures = await peerFigures({
    flags: FLAG_COUNT,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    context: JSON.parse(REQUEST_BODY).context as Record<string, string>,
    // Measured above, interleaved with ours (or not at all): the hook is not to run it again.
    measured: 'measured' in unleash ? unleash.measured : [],
  });
  console.log('\n## Peers');
  if (figures.length > 0) {
    printTable([
      {
        system: 'Ensign OFREP bulk',
        source: 'this run',
        'req/s': Math.round(bulk.reqPerSec),
        'p99 ms': bulk.p99Ms,
        'req/s, 1 conn': bulkOne ? Math.round(bulkOne.reqPerSec) : '',
        'p99 ms, 1 conn': bulkOne?.p99Ms ?? '',
        'kill switch p50 / p99 ms': `${kill.p50.toFixed(0)} / ${kill.p99.toFixed(0)}`,
        note: 'kill switch: OFREP web client on SSE',
      },
      ...figures.map((peer) => ({
        system: peer.name,
        source: peer.source ?? '',
        'req/s': Math.round(peer.bulk.reqPerSec),
        'p99 ms': peer.bulk.p99Ms,
        'req/s, 1 conn': peer.bulkOneConnection ? Math.round(peer.bulkOneConnection.reqPerSec) : '',
        'p99 ms, 1 conn': peer.bulkOneConnection?.p99Ms ?? '',
        'kill switch p50 / p99 ms': peer.killSwitch
          ? `${peer.killSwitch.p50Ms.toFixed(0)} / ${peer.killSwitch.p99Ms.toFixed(0)}`
          : '',
        note: peer.note ?? '',
      })),
    ]);
  }
  console.log(`Versions: ${ourVersions()}`);
  for (const peer of figures) if (peer.versions) console.log(`          ${peer.versions} (${peer.source})`);
  console.log('Ratios, Ensign ÷ Unleash:');
  if ('why' in unleash) {
    console.log(`  (Unleash not measured in this run: ${unleash.why}. To measure it: ${unleash.hint}.)`);
    console.log(`  OFREP bulk ÷ Unleash frontend API req/s, ${CONNECTIONS} connections: not measured`);
    console.log('  p99, OFREP bulk vs Unleash frontend API: not measured');
    console.log('  kill switch p99 vs Unleash Node SDK: not measured');
    verdicts.push(
      `----  OFREP bulk ≥ 5× Unleash frontend API req/s, with lower p99: not measured (${unleash.why})`,
    );
  }
  for (const peer of figures.filter((p) => /unleash/i.test(p.name))) {
    const tag = peer.source === 'this run' ? '' : ` (${peer.source}, not this run)`;
    console.log(
      `  OFREP bulk ÷ ${peer.name}, ${CONNECTIONS} connections: ${ratio(bulk.reqPerSec, peer.bulk.reqPerSec)} req/s ` +
        `(${Math.round(bulk.reqPerSec)} vs ${Math.round(peer.bulk.reqPerSec)}); p99 ${bulk.p99Ms} vs ${peer.bulk.p99Ms} ms${tag}`,
    );
    if (peer.bulk.serverCpuUs !== undefined)
      console.log(
        `  server CPU per bulk answer, ${CONNECTIONS} connections: ${bulk.serverCpuUs.toFixed(0)} vs ` +
          `${peer.bulk.serverCpuUs.toFixed(0)} µs = ${ratio(peer.bulk.serverCpuUs, bulk.serverCpuUs)} less ` +
          `(less sensitive to the machine's load than req/s)${tag}`,
      );
    if (bulkOne && peer.bulkOneConnection)
      console.log(
        `  OFREP bulk ÷ ${peer.name}, 1 connection: ${ratio(bulkOne.reqPerSec, peer.bulkOneConnection.reqPerSec)} req/s ` +
          `(${Math.round(bulkOne.reqPerSec)} vs ${Math.round(peer.bulkOneConnection.reqPerSec)}); ` +
          `p99 ${bulkOne.p99Ms} vs ${peer.bulkOneConnection.p99Ms} ms${tag}`,
      );
    if (peer.killSwitch)
      console.log(
        `  kill switch p99: ${kill.p99.toFixed(0)} ms (OFREP web client on SSE) vs ${peer.killSwitch.p99Ms.toFixed(0)} ms ` +
          `(${peer.name.replace(/ frontend API$/, '')} Node SDK) = ${ratio(peer.killSwitch.p99Ms, kill.p99)} faster${tag}`,
      );
    verdict(
      `OFREP bulk ≥ 5× ${peer.name} req/s, with lower p99`,
      bulk.reqPerSec >= 5 * peer.bulk.reqPerSec && bulk.p99Ms < peer.bulk.p99Ms,
      `${ratio(bulk.reqPerSec, peer.bulk.reqPerSec)}; p99 ${bulk.p99Ms} vs ${peer.bulk.p99Ms} ms (${peer.source})`,
    );
  }
}

const context = JSON.parse(REQUEST_BODY).context as Record<string, string>;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
console.log(`load average at start: ${load()}`);
// Unleash (when installed) starts beside our server: its start takes from seconds to a minute.
const [{ child, ready }, unleash] = await Promise.all([startServerProcess(), openUnleashPeer(context)]);
let outcome: UnleashOutcome = unleash.ready ? { measured: [] } : unleash;
try {
  const extra: LoadCase[] = [];
  if (unleash.ready)
    extra.push(
      {
        name: OFREP_BULK_ONE,
        url: `${ready.ofrepUrl}/ofrep/v1/evaluate/flags`,
        headers: { authorization: `Bearer ${ready.serverToken}` },
        body: REQUEST_BODY,
        status: 200,
        connections: 1,
      },
      ...unleash.cases,
    );
  const results = await throughput(child, ready, extra);
  const kill = await killSwitch(child, ready);
  if (unleash.ready) {
    const sdk = await unleashKillSwitch(unleash.session);
    console.log(
      `\n## Kill switch → Unleash's Node SDK (${sdk.clients} clients polling every ${sdk.refreshMs} ms, ` +
        `${sdk.trials} flips through its admin API)`,
    );
    printTable([
      {
        clients: sdk.clients,
        samples: sdk.n,
        'state held p50 ms': sdk.p50,
        'state held p99 ms': sdk.p99,
        'max ms': sdk.max,
        'timed out': sdk.timeouts,
      },
    ]);
    const bulk = results.get(UNLEASH_BULK)!;
    outcome = { measured: [unleashFigures(unleash, bulk, results.get(UNLEASH_BULK_ONE), sdk)] };
  }
  await peers(results.get('OFREP bulk')!, results.get(OFREP_BULK_ONE), kill, outcome);
} finally {
  child.disconnect();
  if (unleash.ready) await unleash.session.close();
}
console.log('\n## Goals');
for (const line of verdicts) console.log(line);
console.log(`\nload average at end: ${load()}`);
