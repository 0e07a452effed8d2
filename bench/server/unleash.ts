/**
 * The Unleash side of this benchmark, the hook `peers.ts` names: it drives the optional harness
 * in `bench/unleash/` (its own install, `bash bench/unleash/setup.sh`: Unleash 8.2 pulls hundreds
 * of packages, so it is no part of the workspace's). Unleash runs on its own Node 22 binary over
 * the local PostgreSQL; its frontend API is loaded with the same autocannon, connections and
 * context as our OFREP bulk route, and its Node SDK is timed on a kill switch.
 *
 * `server.bench.ts` opens a session itself to interleave Unleash's runs with ours
 * ({@link openUnleashPeer}); {@link measureUnleash} is the hook's sequential form, for any other
 * caller of `peerFigures`.
 * Env: UNLEASH (unset: run when installed; 1: always try; 0: never), UNLEASH_WARMUP_S (15, once
 * before the rounds), UNLEASH_KILL_TRIALS (20), UNLEASH_KILL_CLIENTS (10), UNLEASH_KILL_REFRESH_MS
 * (1000), UNLEASH_FRESH_DB (1: a new database).
 */
import { latencySummary } from '../support/measure.js';
import {
  INSTALL_HINT,
  TOGGLE_COUNT,
  type UnleashSession,
  harnessInstalled,
  openUnleash,
} from '../unleash/lib/harness.mjs';
import { CONNECTIONS, type LoadCase, type LoadResult, runLoad } from './load.js';
import type { PeerFigures, PeerRunOptions } from './peers.js';

/** The load cases' names (the results are looked up by them). */
export const UNLEASH_BULK = 'Unleash frontend API';
export const UNLEASH_BULK_ONE = 'Unleash frontend API, 1 connection';

/** An open Unleash with what the benchmark asks of it, or why there is none. */
export type UnleashPeer =
  | { readonly ready: false; readonly why: string; readonly hint: string }
  | {
      readonly ready: true;
      readonly session: UnleashSession;
      /** The frontend API's answer for the context: enabled toggles and bytes. */
      readonly answer: { readonly toggles: number; readonly bytes: number };
      /** Frontend API at {@link CONNECTIONS} connections and at one, for the caller's rounds. */
      readonly cases: readonly LoadCase[];
    };

/** Whether this run should try Unleash, and if not, why. */
function wanted(): { run: boolean; why: string } {
  if (process.env.UNLEASH === '0') return { run: false, why: 'UNLEASH=0' };
  if (process.env.UNLEASH === '1' || harnessInstalled()) return { run: true, why: '' };
  return { run: false, why: 'the Unleash harness is not installed' };
}

/**
 * Starts Unleash and readies its cases. Never throws: a machine without the harness, or without
 * PostgreSQL, gets `ready: false` and the reason, so that the benchmark still runs and says
 * "not measured".
 */
export async function openUnleashPeer(context: Readonly<Record<string, string>>): Promise<UnleashPeer> {
  const hint = `${INSTALL_HINT}, then pnpm bench server`;
  const { run, why } = wanted();
  if (!run) return { ready: false, why, hint };
  let session: UnleashSession | undefined;
  try {
    session = await openUnleash({ log: (line) => console.log(`[unleash] ${line}`) });
    const opened = session;
    // Waits until its frontend cache holds every seeded toggle.
    const { bytes, body } = await opened.frontendAnswer(context);
    const { url, headers } = opened.frontendRequest(context);
    const serverCpu = async () => opened.cpuMicros();
    const base = { url, headers, body: '', status: 200, method: 'GET', serverCpu } as const;
    const cases: LoadCase[] = [
      { ...base, name: UNLEASH_BULK },
      { ...base, name: UNLEASH_BULK_ONE, connections: 1 },
    ];
    // Its code path is long (express, sessions, static files, OpenAPI validation): a fresh process
    // answers at about half its warm rate for many seconds, and a running server is warm.
    const warmupS = Number(process.env.UNLEASH_WARMUP_S ?? 15);
    if (warmupS > 0) {
      console.log(`[unleash] warming its frontend API up for ${warmupS} s…`);
      await runLoad(cases[0]!, warmupS, 0, serverCpu);
    }
    return { ready: true, session: opened, answer: { toggles: body.toggles.length, bytes }, cases };
  } catch (error) {
    await session?.close();
    return { ready: false, why: `Unleash did not start: ${(error as Error).message}`, hint };
  }
}

/** Kill switch → the Node SDK (10 clients polling every second, by default): latencies in ms. */
export async function unleashKillSwitch(session: UnleashSession) {
  const clients = Number(process.env.UNLEASH_KILL_CLIENTS ?? 10);
  const trials = Number(process.env.UNLEASH_KILL_TRIALS ?? 20);
  const refreshMs = Number(process.env.UNLEASH_KILL_REFRESH_MS ?? 1000);
  const { seenMs, timeouts } = await session.killSwitchLatency({ clients, trials, refreshMs });
  return { clients, trials, refreshMs, timeouts, ...latencySummary(seenMs) };
}

/** The session's figures, in the form `peers.ts` puts beside ours. */
export function unleashFigures(
  peer: Extract<UnleashPeer, { ready: true }>,
  bulk: LoadResult,
  bulkOne: LoadResult | undefined,
  kill: Awaited<ReturnType<typeof unleashKillSwitch>> | undefined,
): PeerFigures {
  const v = peer.session.versions;
  const pick = (r: LoadResult) => ({ reqPerSec: r.reqPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
  return {
    name: `Unleash ${v.unleash} frontend API`,
    bulk: { ...pick(bulk), serverCpuUs: bulk.serverCpuUs },
    ...(bulkOne && { bulkOneConnection: pick(bulkOne) }),
    ...(kill && { killSwitch: { p50Ms: kill.p50, p99Ms: kill.p99 } }),
    versions: `Unleash ${v.unleash} (open source) on Node ${v.node.replace(/^v/, '')}, PostgreSQL ${v.postgres}, unleash-client ${v.unleashClient}`,
    note:
      `${TOGGLE_COUNT} toggles, GET with the same context (${peer.answer.toggles} enabled, ${peer.answer.bytes} B); ` +
      (kill
        ? `kill switch: Node SDK, ${kill.clients} clients polling every ${kill.refreshMs} ms, ${kill.n} samples` +
          (kill.timeouts > 0 ? `, ${kill.timeouts} timed out` : '')
        : 'kill switch not measured'),
  };
}

/**
 * The hook's form (`peers.ts`): the whole Unleash side, one case after the other, with the
 * caller's connections, duration and context. Throws when Unleash cannot run.
 */
export async function measureUnleash(options: PeerRunOptions): Promise<PeerFigures> {
  const peer = await openUnleashPeer(options.context);
  if (!peer.ready) throw new Error(`${peer.why} (${peer.hint})`);
  try {
    // Unused: the cases read the Unleash process's own CPU time.
    const cpu = async () => Number.NaN;
    const [bulkCase, oneCase] = peer.cases;
    const bulk = await runLoad({ ...bulkCase!, connections: options.connections }, options.durationS, 2, cpu);
    const one = await runLoad(oneCase!, options.durationS, 2, cpu);
    const kill = await unleashKillSwitch(peer.session);
    return unleashFigures(peer, bulk, one, kill);
  } finally {
    await peer.session.close();
  }
}
