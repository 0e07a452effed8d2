/**
 * Webhooks with several server instances on one real Redis (`RedisFlagStore` as the flag writer's
 * ACL user, `RedisServerState` as the state's) and a real receiver: each change delivered exactly
 * once however many instances run, also when the delivering instance goes away; a restarted
 * instance resumes from the shared cursor without duplicates or gaps; a paused holder that lost
 * its lease can neither move the cursor back nor deliver anything after it.
 */
import { RedisFlagStore, redisAclRules } from '@ensign/redis-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import {
  type CursorState,
  type EnsignServer,
  RedisServerState,
  type WebhookOptions,
  createServer,
  issueToken,
  redisStateAclRules,
} from '../src/index.js';
import { quiet } from './support/server.js';
import { WebhookReceiver, until } from './support/webhook-receiver.js';

const FAST: WebhookOptions = {
  pollIntervalMs: 50,
  leaseTtlMs: 1_000,
  initialBackoffMs: 50,
  maxBackoffMs: 200,
  maxAttempts: 4,
  timeoutMs: 5_000,
};
const flag = { state: 'ENABLED' as const, variants: { on: true, off: false }, defaultVariant: 'off' };

let redis: RedisServer;
let writer: RedisFlagStore;
let admin: RedisServerState;
let adminToken: string;
const instances: Instance[] = [];
const receivers: WebhookReceiver[] = [];

interface Instance {
  server: EnsignServer;
  url: string;
  id: string;
  close(): Promise<void>;
}

/** One server instance with its own connections, as another process would have. */
async function instance(webhooks: WebhookOptions | false = FAST, logger = quiet): Promise<Instance> {
  const store = new RedisFlagStore({
    url: `redis://writer:writer-pw@127.0.0.1:${redis.port}`,
    logger: quiet,
  });
  const state = new RedisServerState({ url: `redis://state:state-pw@127.0.0.1:${redis.port}` });
  const server = await createServer({
    store,
    state,
    logger,
    webhooks: webhooks === false ? { dispatch: false } : webhooks,
  });
  const url = await server.listen();
  let closed = false;
  const running: Instance = {
    server,
    url,
    id: server.context.instanceId,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await Promise.all([store.close(), state.close()]);
    },
  };
  instances.push(running);
  return running;
}

async function subscribe(via: Instance, url: string, flagSet: string): Promise<string> {
  const response = await fetch(`${via.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, flagSets: [flagSet] }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { webhook: { id: string } }).webhook.id;
}

let sets = 0;
async function newSet(): Promise<string> {
  const set = `app-${++sets}`;
  await writer.replaceFlagSet(set, { flags: { a: flag } }, { actor: 'seed' });
  return set;
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

/** The owner of a set's delivery lease, as Redis holds it. */
const leaseOwner = async (set: string) => redis.cli('hget', `ensign:lease:{webhooks:${set}}`, 'owner');
const cursorOf = async (set: string) => (await admin.get<CursorState>('webhook-cursors', set))?.value;
/** Versions delivered, in arrival order. */
const versions = (r: WebhookReceiver) => r.bodies().map((b) => b.version as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  redis = await RedisServer.start();
  expect(await redis.cli('acl', 'setuser', 'writer', 'on', '>writer-pw', ...redisAclRules('writer'))).toBe(
    'OK',
  );
  expect(await redis.cli('acl', 'setuser', 'state', 'on', '>state-pw', ...redisStateAclRules())).toBe('OK');
  writer = new RedisFlagStore({ url: `redis://writer:writer-pw@127.0.0.1:${redis.port}`, logger: quiet });
  admin = new RedisServerState({ url: `redis://state:state-pw@127.0.0.1:${redis.port}` });
  ({ token: adminToken } = await issueToken(admin, { name: 'ops', role: 'admin', createdBy: 'test' }));
});
afterEach(async () => {
  await Promise.all(instances.splice(0).map((i) => i.close()));
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  await Promise.all([writer?.close(), admin?.close()]);
  await redis?.stop();
});

describe('webhooks on several instances (Redis)', () => {
  it('delivers each change exactly once with two instances, also when the delivering one goes away', async () => {
    const set = await newSet();
    const r = await receiver();
    const a = await instance();
    const b = await instance();
    await subscribe(a, r.url, set);
    for (let i = 0; i < 15; i++)
      await writer.patchFlag(set, 'a', { defaultVariant: i % 2 ? 'off' : 'on' }, { actor: `w${i}` });
    await until(() => r.received.length >= 15, 'the first fifteen deliveries');
    const holder = await leaseOwner(set);
    expect([a.id, b.id]).toContain(holder);
    const [gone, stays] = holder === a.id ? [a, b] : [b, a];
    await gone.close(); // releases its lease: the other instance takes over at its next poll
    for (let i = 15; i < 30; i++)
      await writer.patchFlag(set, 'a', { defaultVariant: i % 2 ? 'off' : 'on' }, { actor: `w${i}` });
    await until(() => r.received.length >= 30, 'all thirty deliveries');
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything extra would arrive now
    expect(versions(r)).toEqual(range(2, 31));
    expect(new Set(r.received.map((x) => x.headers['x-ensign-delivery'])).size).toBe(30);
    expect(await leaseOwner(set)).toBe(stays.id);
    expect(await cursorOf(set)).toMatchObject({ version: 31, holder: { owner: stays.id } });
  });

  it('resumes from the shared cursor after a restart: no duplicates, no gaps', async () => {
    const set = await newSet();
    const r = await receiver();
    const first = await instance();
    await subscribe(first, r.url, set);
    for (let i = 0; i < 5; i++)
      await writer.patchFlag(set, 'a', { defaultVariant: i % 2 ? 'off' : 'on' }, { actor: 'before' });
    await until(() => r.received.length === 5, 'five deliveries');
    await first.close();
    // Written while no instance runs.
    for (let i = 0; i < 5; i++)
      await writer.patchFlag(set, 'a', { defaultVariant: i % 2 ? 'on' : 'off' }, { actor: 'while down' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.received).toHaveLength(5);
    const second = await instance();
    await until(() => r.received.length >= 10, 'the five written while down');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(versions(r)).toEqual(range(2, 11));
    expect(
      r
        .bodies()
        .slice(5)
        .map((b) => b.actor),
    ).toEqual(Array(5).fill('while down'));
    expect(await cursorOf(set)).toMatchObject({ version: 11, holder: { owner: second.id } });
  });

  it('a paused holder that lost its lease neither moves the cursor back nor delivers after it', async () => {
    const set = await newSet();
    const r = await receiver();
    let releaseHung!: () => void;
    const hung = new Promise<void>((resolve) => {
      releaseHung = resolve;
    });
    // The first request hangs, as if the holder were paused in the middle of delivering it.
    r.answer = (_, index) => (index === 0 ? { status: 200, until: hung } : { status: 200 });
    // The subscription exists before the holder starts; the instance used to create it does not deliver.
    const routesOnly = await instance(false);
    const webhookId = await subscribe(routesOnly, r.url, set);
    // A renews rarely (its first poll takes the lease at once); B polls often.
    const logOfA: string[] = [];
    const a = await instance(
      { ...FAST, pollIntervalMs: 60_000, leaseTtlMs: 120_000 },
      { ...quiet, warn: (...args: unknown[]) => logOfA.push(args.join(' ')) },
    );
    await until(async () => (await leaseOwner(set)) === a.id, 'A to hold the lease');
    const b = await instance();

    await writer.patchFlag(set, 'a', { defaultVariant: 'on' }, { actor: 'v2' });
    await until(() => r.received.length === 1, "A's delivery of version 2 (hung)");
    const tokenOfA = (await cursorOf(set))!.holder!.token;
    // A's lease runs out while it is paused: B takes the lease and the cursor over.
    await redis.cli('hset', `ensign:lease:{webhooks:${set}}`, 'expiresAt', '0');
    await until(async () => (await leaseOwner(set)) === b.id, 'B to take the lease');
    await until(() => r.received.length === 2, "B's delivery of version 2");
    await writer.patchFlag(set, 'a', { defaultVariant: 'off' }, { actor: 'v3' });
    await until(() => r.received.length === 3, "B's delivery of version 3");
    await until(async () => (await cursorOf(set))?.version === 3, 'the cursor at version 3');

    // A wakes up: its delivery is answered, and its compare-and-set on the cursor fails.
    releaseHung();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cursor = await cursorOf(set);
    expect(cursor).toMatchObject({ version: 3, holder: { owner: b.id } });
    // A stopped on its failed compare-and-set (its own clock still said the lease was valid).
    expect(logOfA).toEqual([
      expect.stringMatching(/stopped delivering flag set .*another instance claimed the cursor/),
    ]);
    expect(cursor!.holder!.token).toBeGreaterThan(tokenOfA);
    // Version 2 was in flight during the takeover: twice, with one delivery id. Version 3 once.
    expect(versions(r)).toEqual([2, 2, 3]);
    expect(new Set(r.received.slice(0, 2).map((x) => x.headers['x-ensign-delivery']))).toEqual(
      new Set([`${set}:2:${webhookId}`]),
    );
    await writer.patchFlag(set, 'a', { defaultVariant: 'on' }, { actor: 'v4' });
    await until(() => r.received.length === 4, 'version 4');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(versions(r)).toEqual([2, 2, 3, 4]);
    expect((await cursorOf(set))?.version).toBe(4);
  });
});
