/**
 * `RedisProvider` over real `redis-server` processes, through the real OpenFeature SDK: a crash
 * of Redis under a running provider, a killed subscriber connection, Redis absent at start (with
 * and without bootstrap), and the same app code on memory, Redis and the SDK's InMemoryProvider.
 */
import type { FlagSetDocument } from '@ensign/core';
import { MemoryFlagStore } from '@ensign/store';
import {
  type Client,
  ErrorCode,
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisCluster, RedisServer, freePort, killClients } from '../../../test/support/redis-server.js';
import { recordEvents } from '../../store/test/fixtures/events.js';
import { FLAG_SET, sampleDocument } from '../../store/test/fixtures/flags.js';
import {
  clientFor,
  memoryLogger,
  newDomain,
  releaseDomains,
  until,
} from '../../store/test/fixtures/harness.js';
import { RedisFlagStore, RedisProvider, createRedisProvider, redisAclRules } from '../src/index.js';
import { checkoutView, inMemoryFlags } from './fixtures/app.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const servers: RedisServer[] = [];
const writers: RedisFlagStore[] = [];

async function startRedis(port?: number): Promise<RedisServer> {
  const server = await RedisServer.start(port === undefined ? {} : { port });
  servers.push(server);
  return server;
}

function writerFor(server: RedisServer): RedisFlagStore {
  const store = new RedisFlagStore({ url: server.url, logger: quiet });
  writers.push(store);
  return store;
}

/** A document that differs from `sampleDocument()` in exactly: headline changed, picker removed, added added. */
function nextDocument(): FlagSetDocument {
  const next = sampleDocument();
  next.flags.headline!.defaultVariant = 'b';
  delete (next.flags as Record<string, unknown>).picker;
  next.flags.added = { state: 'ENABLED', variants: { on: 'yes' }, defaultVariant: 'on' };
  return next;
}

afterEach(releaseDomains);

afterAll(async () => {
  await OpenFeature.close();
  await Promise.all(writers.map((w) => w.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

describe(`${RedisProvider.name} on Redis`, () => {
  let server: RedisServer;
  let writer: RedisFlagStore;

  beforeAll(async () => {
    server = await startRedis();
    writer = writerFor(server);
  });

  it('survives kill -9 of Redis: STALE, last good flags served, READY after restart, then the new writes', async () => {
    await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    const logger = memoryLogger();
    const provider = createRedisProvider({
      url: server.url,
      flagSet: FLAG_SET,
      resyncIntervalMs: 300,
      requestTimeoutMs: 200,
      logger,
    });
    const client = await clientFor(provider);
    expect(client.metadata.providerMetadata.name).toBe('ensign-redis');
    const events = recordEvents(client);
    events.splice(0);

    await server.kill9();
    await until(() => events.length > 0, 'PROVIDER_STALE');
    expect(events).toEqual([{ type: ProviderEvents.Stale }]);
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    // The last good flags are served, as successful evaluations.
    const served = await client.getStringDetails('headline', 'x');
    expect(served).toMatchObject({ value: 'Welcome', reason: StandardResolutionReasons.STATIC });
    expect(served.errorCode).toBeUndefined();
    expect(await client.getBooleanValue('new-checkout', false, { tier: 'pro' })).toBe(true);
    expect(logger.lines.filter((l) => l.startsWith('error'))).toHaveLength(1);

    // Restarted without persistence, Redis is empty; the first write recreates the set.
    await server.restart();
    await writer.replaceFlagSet(FLAG_SET, nextDocument(), { actor: 'test' });
    await until(() => events.length >= 3, 'PROVIDER_READY and PROVIDER_CONFIGURATION_CHANGED', 15_000);
    expect(events).toEqual([
      { type: ProviderEvents.Stale },
      { type: ProviderEvents.Ready },
      { type: ProviderEvents.ConfigurationChanged, flagsChanged: ['added', 'headline', 'picker'] },
    ]);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');
    expect(await client.getStringValue('added', 'x')).toBe('yes');
    expect(provider.version).toBe(await writer.version(FLAG_SET));
  });

  it('converges when its feed connection is killed while writes go on, without waiting for a check', async () => {
    await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    // The periodic check is out of the picture: the feed itself must resume where it stopped.
    const provider = createRedisProvider({
      url: server.url,
      flagSet: FLAG_SET,
      resyncIntervalMs: 600_000,
      logger: quiet,
    });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    events.splice(0);

    let last = '';
    for (let i = 0; i < 30; i++) {
      last = `v${i}`;
      await writer.putFlag(FLAG_SET, 'counter', {
        state: 'ENABLED',
        variants: { [last]: last },
        defaultVariant: last,
      });
      if (i === 10 || i === 20) {
        // The second kill waits for the feed to be back, so both kill a live connection.
        const deadline = Date.now() + 5_000;
        let killed = 0;
        while (killed === 0 && Date.now() < deadline) killed = await killClients(server, 'xread');
        expect(killed).toBeGreaterThanOrEqual(1);
      }
    }
    const written = await writer.version(FLAG_SET);
    await until(
      () => provider.version === written && client.providerStatus === ProviderStatus.READY,
      'the provider to reach the last version, ready',
      5_000,
    );
    expect(await client.getStringValue('counter', 'x')).toBe(last);
    const changes = events.filter((e) => e.type === ProviderEvents.ConfigurationChanged);
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) expect(change.flagsChanged).toEqual(['counter']);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('runs the same app code on MemoryFlagStore, RedisFlagStore and the SDK InMemoryProvider', async () => {
    await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    const clients: Record<string, Client> = {
      memory: await clientFor(
        new RedisProvider({
          store: new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } }),
          flagSet: FLAG_SET,
        }),
      ),
      redis: await clientFor(
        new RedisProvider({ store: new RedisFlagStore({ url: server.url }), flagSet: FLAG_SET }),
      ),
      sdk: await clientFor(new InMemoryProvider(inMemoryFlags)),
    };
    for (const user of [
      { id: 'u1', tier: 'pro' },
      { id: 'u2', tier: 'free' },
    ]) {
      const expected = await checkoutView(clients.sdk!, user);
      expect(expected.newCheckout).toBe(user.tier === 'pro');
      expect(expected.paymentsEnabled).toBe(false);
      expect(await checkoutView(clients.memory!, user)).toEqual(expected);
      expect(await checkoutView(clients.redis!, user)).toEqual(expected);
    }
    const reasons = await Promise.all(
      Object.values(clients).map(async (c) => (await c.getBooleanDetails('payments-kill', true)).reason),
    );
    expect(reasons).toEqual([
      StandardResolutionReasons.DISABLED,
      StandardResolutionReasons.DISABLED,
      StandardResolutionReasons.DISABLED,
    ]);
  });
});

describe(`${RedisProvider.name} with Redis absent at start`, () => {
  it('rejects initialize after initTimeoutMs naming the address, then recovers when Redis appears', async () => {
    const port = await freePort();
    const provider = createRedisProvider({
      url: `redis://127.0.0.1:${port}`,
      flagSet: FLAG_SET,
      initTimeoutMs: 300,
      resyncIntervalMs: 300,
      logger: quiet,
    });
    const domain = newDomain();
    const client = OpenFeature.getClient(domain);
    const events = recordEvents(client);
    const started = Date.now();
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow(
      new RegExp(`redis://127\\.0\\.0\\.1:${port}.*300 ms \\(option initTimeoutMs\\)`),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    // The SDK lets calls through in ERROR state: the provider answers with the caller's default.
    expect(await client.getStringDetails('headline', 'x')).toMatchObject({
      value: 'x',
      reason: StandardResolutionReasons.ERROR,
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    });

    const server = await startRedis(port);
    await writerFor(server).replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    await until(() => client.providerStatus === ProviderStatus.READY, 'PROVIDER_READY', 15_000);
    expect(events.map((e) => e.type)).toEqual([ProviderEvents.Error, ProviderEvents.Ready]);
    await until(() => provider.version === 1, 'the written set');
    expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
  });

  it('names the Cluster seeds or the Sentinel primary it tried, never credentials', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const cluster = createRedisProvider({
      cluster: {
        startupNodes: [
          { host: '127.0.0.1', port: a },
          { host: '127.0.0.1', port: b },
        ],
        options: { redisOptions: { password: 'secret-pw' } },
      },
      flagSet: FLAG_SET,
      initTimeoutMs: 200,
      logger: quiet,
    });
    const clusterError = await cluster.initialize().catch((e: Error) => e);
    expect(String(clusterError)).toContain(`Redis Cluster (seed nodes 127.0.0.1:${a}, 127.0.0.1:${b})`);
    expect(String(clusterError)).not.toContain('secret-pw');
    await cluster.onClose();

    const sentinel = createRedisProvider({
      redis: { sentinels: [{ host: '127.0.0.1', port: a }], name: 'flags-primary', password: 'secret-pw' },
      flagSet: FLAG_SET,
      initTimeoutMs: 200,
      logger: quiet,
    });
    const sentinelError = await sentinel.initialize().catch((e: Error) => e);
    expect(String(sentinelError)).toContain(`Redis primary "flags-primary" via Sentinel 127.0.0.1:${a}`);
    expect(String(sentinelError)).not.toContain('secret-pw');
    await sentinel.onClose();
  });

  it('serves the bootstrap document at once, then catches up when Redis appears', async () => {
    const port = await freePort();
    const bootstrap = sampleDocument();
    bootstrap.flags.headline!.defaultVariant = 'b';
    const provider = createRedisProvider({
      url: `redis://127.0.0.1:${port}`,
      flagSet: FLAG_SET,
      bootstrap,
      resyncIntervalMs: 300,
      logger: quiet,
    });
    const started = Date.now();
    const client = await clientFor(provider);
    expect(Date.now() - started).toBeLessThan(1_000);
    const events = recordEvents(client);
    events.splice(0);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');

    const server = await startRedis(port);
    await writerFor(server).replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    await until(() => events.length > 0, 'catching up', 15_000);
    expect(events).toEqual([{ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['headline'] }]);
    expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
    expect(provider.version).toBe(1);
  });
});

describe(`${RedisProvider.name} with limited Redis access and topologies`, () => {
  it('runs as the documented reader ACL user, following every kind of write', async () => {
    const server = await startRedis();
    expect(await server.cli('acl', 'setuser', 'reader', 'on', '>reader-pw', ...redisAclRules('reader'))).toBe(
      'OK',
    );
    const writer = writerFor(server);
    await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    const provider = createRedisProvider({
      url: `redis://reader:reader-pw@127.0.0.1:${server.port}`,
      flagSet: FLAG_SET,
      logger: quiet,
    });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    events.splice(0);
    await writer.patchFlag(FLAG_SET, 'headline', { defaultVariant: 'b' }, { actor: 'test' });
    await until(() => events.length === 1, 'the single-flag change');
    await writer.replaceFlagSet(FLAG_SET, nextDocument(), { actor: 'test' });
    await until(() => events.length === 2, 'the whole-set change');
    expect(events).toEqual([
      { type: ProviderEvents.ConfigurationChanged, flagsChanged: ['headline'] },
      { type: ProviderEvents.ConfigurationChanged, flagsChanged: ['added', 'picker'] },
    ]);
    expect(await client.getStringValue('added', 'x')).toBe('yes');
  });

  it('follows live updates on a 3-master Redis Cluster', async () => {
    const cluster = await RedisCluster.start(3);
    try {
      const writer = new RedisFlagStore({ cluster: { startupNodes: cluster.startupNodes }, logger: quiet });
      writers.push(writer);
      await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
      const provider = createRedisProvider({
        cluster: { startupNodes: cluster.startupNodes },
        flagSet: FLAG_SET,
        logger: quiet,
      });
      const client = await clientFor(provider);
      const events = recordEvents(client);
      events.splice(0);
      expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
      await writer.patchFlag(FLAG_SET, 'headline', { defaultVariant: 'b' }, { actor: 'test' });
      await until(() => events.length === 1, 'the change on the cluster');
      expect(events).toEqual([{ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['headline'] }]);
      expect(await client.getStringValue('headline', 'x')).toBe('Hello');
      await releaseDomains();
      await writer.close();
    } finally {
      await cluster.stop();
    }
  }, 60_000);
});
