/**
 * A real Ensign server with the dashboard for tests and the bench: `createServer` on the memory
 * store or on a real `redis-server` (flags in `RedisFlagStore`, state in `RedisServerState`),
 * listening on a free loopback port, with a token per role, the sample sets imported through the
 * admin API, and helpers that write metric aggregates exactly as `MetricsAggregator`s lay them out.
 */
import type { FlagSetDocument } from '@ensign/core';
import { METRIC_RECORDS, counterName, metricsNamespace } from '@ensign/hooks';
import { RedisFlagStore } from '@ensign/redis-provider';
import {
  type EnsignServer,
  MemoryServerState,
  RedisServerState,
  type Role,
  type ServerState,
  createServer,
  issueToken,
} from '@ensign/server';
import { type FlagStore, MemoryFlagStore } from '@ensign/store';
import { DASHBOARD_ASSETS_DIR } from '../../src/index.js';

export const quiet = { error() {}, warn() {}, info() {}, debug() {} };

/** Which backend a stack runs on. */
export type Backend = { kind: 'memory' } | { kind: 'redis'; url: string; prefix: string };

/** A running stack. */
export interface Stack {
  readonly server: EnsignServer;
  readonly store: FlagStore;
  readonly state: ServerState;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** One token per role (`editor` may write every set). */
  readonly tokens: Readonly<Record<Role, string>>;
  /** Sends an admin API request with a bearer token (the admin's unless given). */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    token?: string,
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/** Starts a stack and imports `flagSets` through the API. */
export async function startStack(
  backend: Backend,
  flagSets: Record<string, FlagSetDocument>,
): Promise<Stack> {
  const store: FlagStore =
    backend.kind === 'memory'
      ? new MemoryFlagStore({ logger: quiet })
      : new RedisFlagStore({ url: backend.url, prefix: `${backend.prefix}flags:` });
  const state: ServerState =
    backend.kind === 'memory'
      ? new MemoryServerState()
      : new RedisServerState({ url: backend.url, prefix: `${backend.prefix}state:` });
  const server = await createServer({
    store,
    state,
    logger: quiet,
    webhooks: false,
    dashboard: { assetsDir: DASHBOARD_ASSETS_DIR },
  });
  const url = await server.listen();
  const tokens = {} as Record<Role, string>;
  const first = Object.keys(flagSets)[0] ?? 'default';
  for (const role of ['admin', 'editor', 'viewer', 'server', 'client'] as const) {
    const { token } = await issueToken(state, {
      name: `${role[0]!.toUpperCase()}${role.slice(1)} ${role === 'admin' ? 'Ada' : role === 'editor' ? 'Eve' : 'Vic'}`,
      role,
      ...(role === 'editor' && { flagSets: ['*'] }),
      ...((role === 'server' || role === 'client') && { flagSets: [first] }),
      createdBy: 'test',
    });
    tokens[role] = token;
  }
  const call: Stack['call'] = async (method, path, body, headers = {}, token = tokens.admin) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? null : (JSON.parse(text) as unknown),
      headers: response.headers,
    };
  };
  for (const [set, document] of Object.entries(flagSets)) {
    const answer = await call('PUT', `/api/v1/flag-sets/${set}?reason=seed`, document, {
      'if-none-match': '*',
    });
    if (answer.status !== 201)
      throw new Error(`seeding ${set}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return {
    server,
    store,
    state,
    url,
    tokens,
    call,
    async close() {
      await server.close();
      await store.close();
      await state.close();
    },
  };
}

/** Hour-aligned start of the window `hoursAgo` hours before now. */
export function windowStart(hoursAgo: number, now = Date.now()): number {
  return now - (now % 3_600_000) - hoursAgo * 3_600_000;
}

/** Writes evaluations of `flagKey` per variant into the last `hours` windows (a daily wave). */
export async function writeEvaluations(
  state: ServerState,
  flagSet: string,
  flagKey: string,
  perHour: Readonly<Record<string, number>>,
  hours = 24,
): Promise<void> {
  const ns = metricsNamespace(flagSet);
  for (let h = hours - 1; h >= 0; h--) {
    const wave = 1 + 0.5 * Math.sin((h / 24) * 2 * Math.PI);
    const counters: Record<string, number> = {};
    for (const [variant, n] of Object.entries(perHour))
      counters[counterName('n', flagKey, variant)] = Math.round(n * wave);
    await state.increment(ns, METRIC_RECORDS.window(windowStart(h)), counters);
  }
  const seen: Record<string, number> = { s: -windowStart(hours) };
  for (const variant of Object.keys(perHour)) seen[counterName('l', flagKey, variant)] = Date.now() - 60_000;
  await state.maximize(ns, METRIC_RECORDS.seen, seen);
}

/** Units and conversions of one variant of an experiment. */
export interface ArmCounts {
  readonly units: number;
  readonly converted: number;
}

/** Writes an experiment's unit record (cohort `''`) and the set's event count of `metric`. */
export async function writeExperiment(
  state: ServerState,
  flagSet: string,
  flagKey: string,
  metric: string,
  arms: Readonly<Record<string, ArmCounts>>,
): Promise<void> {
  const ns = metricsNamespace(flagSet);
  const counters: Record<string, number> = {};
  let events = 0;
  for (const [variant, arm] of Object.entries(arms)) {
    counters[counterName('x', variant)] = arm.units;
    counters[counterName('u', metric, variant)] = arm.converted;
    counters[counterName('n', metric, variant)] = arm.converted;
    events += arm.converted;
  }
  await state.increment(ns, METRIC_RECORDS.units(flagKey, ''), counters);
  await state.increment(ns, METRIC_RECORDS.events, { [counterName('t', metric)]: events });
}
