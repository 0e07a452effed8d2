/**
 * A bounded chaos run of the kill-switch path (about 45 s): writers doing compare-and-set patches
 * and provider processes evaluating flat out, against an AOF (`appendfsync always`) Redis that is
 * killed with -9 and restarted, whose connections are killed with CLIENT KILL, behind a proxy
 * that stalls, cuts, and swallows write replies. Then a change written around the write script.
 * It asserts what the product promises: no acknowledged write lost, none applied twice, exactly
 * one audit entry per version, no provider ever going back to an older version, and every
 * provider converging to the store's final version and content; and it reports how many faults
 * hit a write or a read in flight.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlagSetDocument, compileFlagSet } from '@ensign/core';
import { RedisFlagStore } from '@ensign/redis-provider';
import { VersionConflictError } from '@ensign/store';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer, killClients } from './support/redis-server.js';
import { TcpProxy } from './support/tcp-proxy.js';

const here = dirname(fileURLToPath(import.meta.url));
const SET = 'chaos';
const KEYS = Array.from({ length: 8 }, (_, i) => `f${i}`);
const WRITERS = 3;
const PROVIDERS = 3;
const FAULT_PHASE_MS = 30_000;
const CONVERGE_MS = 15_000;
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** A small seeded PRNG (mulberry32): the fault schedule is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function initialDocument(): FlagSetDocument {
  const flags: FlagSetDocument['flags'] = {};
  for (const key of KEYS) {
    flags[key] = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      metadata: { seq: 0 },
    };
  }
  return { flags };
}

interface Child {
  process: ChildProcess;
  versions: number[];
  logs: string[];
  stale: number;
  final?: {
    version: number;
    status: string;
    results: Record<string, [string | null, number | null]>;
    evaluations: number;
  };
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('kill switch under chaos', () => {
  it('loses no acknowledged write, applies none twice, and every provider converges in version and content', async () => {
    const server = await RedisServer.start({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    cleanups.push(() => server.stop());
    const proxy = await TcpProxy.start({ host: server.host, port: server.port });
    cleanups.push(() => proxy.stop());
    const admin = new RedisFlagStore({ url: server.url, logger: quiet });
    cleanups.push(() => admin.close());
    await admin.replaceFlagSet(SET, initialDocument(), { actor: 'setup' });

    // Provider processes, every connection through the proxy.
    const children: Child[] = [];
    for (let i = 0; i < PROVIDERS; i++) {
      const process = fork(join(here, 'fixtures', 'chaos-provider.mjs'), [proxy.url, SET, KEYS.join(',')], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const child: Child = { process, versions: [], logs: [], stale: 0 };
      process.on(
        'message',
        (m: { type: string; version?: number; event?: string; level?: string; message?: string }) => {
          if (m.type === 'version') child.versions.push(m.version!);
          else if (m.type === 'event' && m.event === 'stale') child.stale++;
          else if (m.type === 'log') child.logs.push(`${m.level} ${m.message}`);
          else if (m.type === 'final') child.final = m as unknown as Child['final'];
        },
      );
      cleanups.push(() => (process.exitCode === null ? process.kill('SIGKILL') : undefined));
      children.push(child);
    }
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) =>
            c.process.on('message', (m: { type: string }) => m.type === 'ready' && resolve()),
          ),
      ),
    );

    // Writers, through the proxy: compare-and-set patches, each with a unique reason.
    const acknowledged = new Map<string, number>();
    const failed: string[] = [];
    let conflicts = 0;
    let inFlight = 0;
    let faultsDuringWrites = 0;
    let running = true;
    const writers = Array.from({ length: WRITERS }, (_, w) => {
      const store = new RedisFlagStore({ url: proxy.url, logger: quiet });
      cleanups.push(() => store.close());
      return (async () => {
        for (let seq = 1; running; seq++) {
          const reason = `w${w}-${seq}`;
          const key = KEYS[(w * 3 + seq) % KEYS.length]!;
          inFlight++;
          try {
            const { version } = await store.load(SET);
            const result = await store.patchFlag(
              SET,
              key,
              { defaultVariant: seq % 2 ? 'on' : 'off', metadata: { seq: w * 1_000_000 + seq } },
              { expectedVersion: version, actor: `writer-${w}`, reason },
            );
            acknowledged.set(reason, result.version);
          } catch (error) {
            if (error instanceof VersionConflictError) conflicts++;
            else failed.push(reason);
          } finally {
            inFlight--;
          }
        }
      })();
    });

    // Faults, on a seeded schedule.
    const next = random(42);
    const faults = { kill9: 0, clientKill: 0, feedKill: 0, stall: 0, cut: 0, dropReply: 0 };
    const deadline = Date.now() + FAULT_PHASE_MS;
    while (Date.now() < deadline) {
      await sleep(1_500 + next() * 2_000);
      if (inFlight > 0) faultsDuringWrites++;
      const pick = next();
      if (pick < 0.2) {
        faults.kill9++;
        await server.kill9();
        await sleep(300 + next() * 700);
        await server.restart();
      } else if (pick < 0.35) {
        faults.clientKill++;
        await server.cli('client', 'kill', 'type', 'normal');
      } else if (pick < 0.5) {
        faults.feedKill += await killClients(server, 'xread');
      } else if (pick < 0.7) {
        faults.stall++;
        proxy.stall();
        await sleep(500 + next() * 2_000);
        proxy.resume();
      } else if (pick < 0.85) {
        faults.cut++;
        proxy.cutAll();
      } else {
        const dropped = proxy.dropReplyTo((request) => /evalsha|eval/i.test(request.toString('latin1')));
        if (await Promise.race([dropped.then(() => true), sleep(2_000).then(() => false)]))
          faults.dropReply++;
      }
    }
    running = false;
    await Promise.all(writers);

    /** Asks every provider for what it serves until all match `results` at `version`. */
    const convergence = async (version: number, results: Record<string, [string | null, number | null]>) => {
      const start = Date.now();
      while (Date.now() - start < CONVERGE_MS) {
        await sleep(250);
        for (const c of children) {
          c.final = undefined;
          c.process.send({ type: 'report' });
        }
        await sleep(100);
        const done = children.every(
          (c) => c.final?.version === version && JSON.stringify(c.final.results) === JSON.stringify(results),
        );
        if (done) return Date.now() - start;
      }
      return undefined;
    };
    const expectedOf = (document: FlagSetDocument) => {
      const compiled = compileFlagSet(document, { invalidFlags: 'isolate' });
      const results: Record<string, [string | null, number | null]> = {};
      for (const key of KEYS) {
        const result = compiled.evaluate(key, 'boolean', false, { targetingKey: 'chaos-user', tier: 'pro' });
        results[key] = [result.variant ?? null, (result.flagMetadata?.seq as number | undefined) ?? null];
      }
      return results;
    };

    const final = await admin.load(SET);
    const convergedAfterMs = await convergence(final.version, expectedOf(final.document));

    // Then a change around the write script: the providers' content check must find it and say so.
    const handEdited = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { seq: -1 },
    };
    await server.cli('hset', admin.keys(SET).defs, 'f0', JSON.stringify(handEdited));
    const edited = await admin.load(SET);
    const handEditFoundAfterMs = await convergence(edited.version, expectedOf(edited.document));

    // The audit log: one entry per version, each acknowledged write exactly once where reported.
    const history = (await admin.history(SET, { limit: 100_000 })).reverse();
    const reasons = new Map<string, number[]>();
    for (const entry of history) {
      if (entry.reason === undefined) continue;
      reasons.set(entry.reason, [...(reasons.get(entry.reason) ?? []), entry.version]);
    }
    const lost = [...acknowledged].filter(([reason, version]) => reasons.get(reason)?.[0] !== version);
    const twice = [...reasons].filter(([, versions]) => versions.length > 1);
    const staleEvents = children.reduce((n, c) => n + c.stale, 0);
    const summary = {
      acknowledged: acknowledged.size,
      failedInFlight: failed.length,
      conflicts,
      faults,
      faultsDuringWrites,
      providerStaleEvents: staleEvents,
      repliesSwallowed: proxy.stats.repliesDropped,
      finalVersion: final.version,
      convergedAfterMs,
      handEditFoundAfterMs,
      evaluations: children.map((c) => c.final?.evaluations),
    };
    console.log(`chaos summary: ${JSON.stringify(summary)}`);

    expect(history.map((e) => e.version)).toEqual(Array.from({ length: final.version }, (_, i) => i + 1));
    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    for (const c of children) {
      for (let i = 1; i < c.versions.length; i++)
        expect(c.versions[i]!).toBeGreaterThanOrEqual(c.versions[i - 1]!);
    }
    expect(convergedAfterMs, JSON.stringify(children.map((c) => c.final))).toBeDefined();
    expect(handEditFoundAfterMs, JSON.stringify(children.map((c) => c.final))).toBeDefined();
    for (const c of children)
      expect(c.logs.some((l) => /without a write through the store/.test(l))).toBe(true);
    // A run where no fault hit anything in flight proves nothing.
    expect(acknowledged.size).toBeGreaterThan(100);
    expect(faultsDuringWrites).toBeGreaterThan(3);
    expect(failed.length + proxy.stats.repliesDropped).toBeGreaterThan(0);
    expect(staleEvents).toBeGreaterThan(0);

    for (const c of children) c.process.send({ type: 'close' });
  }, 120_000);
});
