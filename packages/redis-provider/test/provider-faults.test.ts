/**
 * The kill switch under attack and faults, against real `redis-server` processes: forged notices
 * published by a reader with the previous release's permissive ACL, a stalled connection, a flag
 * nested thousands of levels deep written by hand, changes made around the write script, and a
 * provider that fell behind a trimmed log. In each, no change is skipped and the provider says
 * when it cannot keep up.
 */
import type { FlagDefinition } from '@ensign/core';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { recordEvents } from '../../store/test/fixtures/events.js';
import { FLAG_SET, sampleDocument } from '../../store/test/fixtures/flags.js';
import { clientFor, memoryLogger, releaseDomains, until } from '../../store/test/fixtures/harness.js';
import { RedisFlagStore, createRedisProvider } from '../src/index.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const servers: RedisServer[] = [];
const proxies: TcpProxy[] = [];
const closers: (() => Promise<unknown> | unknown)[] = [];

async function redis(args: string[] = []): Promise<{ server: RedisServer; writer: RedisFlagStore }> {
  const server = await RedisServer.start({ args });
  servers.push(server);
  const writer = new RedisFlagStore({ url: server.url, logger: quiet });
  closers.push(() => writer.close());
  await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
  return { server, writer };
}

async function proxyTo(server: RedisServer): Promise<TcpProxy> {
  const proxy = await TcpProxy.start({ host: server.host, port: server.port });
  proxies.push(proxy);
  return proxy;
}

afterEach(releaseDomains);
afterAll(async () => {
  await OpenFeature.close();
  for (const close of closers) await close();
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(servers.map((s) => s.stop()));
});

describe('RedisProvider under attack and faults', () => {
  it('applies every kill switch while a reader with the old permissive ACL floods forged notices', async () => {
    const { server, writer } = await redis();
    // The ACL line the previous release documented for providers: it allowed PUBLISH.
    const legacy = ['legacy', 'on', '>pw', '~flags:*', '&flags:*', '+@read', '+@pubsub', '+@connection'];
    expect(await server.cli('acl', 'setuser', ...legacy, '+@transaction', '-@write', '+info')).toBe('OK');
    const provider = createRedisProvider({
      url: `redis://legacy:pw@127.0.0.1:${server.port}`,
      flagSet: FLAG_SET,
      logger: quiet,
    });
    const client = await clientFor(provider);
    const attacker = new Redis({ port: server.port, username: 'legacy', password: 'pw' });
    closers.push(() => attacker.disconnect());
    const channel = writer.keys(FLAG_SET).changes;
    let flooding = true;
    let forged = 0;
    const flood = (async () => {
      while (flooding) {
        const version = await writer.version(FLAG_SET);
        // Notices naming the next versions and a decoy flag, exactly what fooled the old sync.
        const batch = [];
        for (let ahead = 1; ahead <= 3; ahead++) {
          batch.push(
            attacker.publish(
              channel,
              JSON.stringify({
                flagSet: FLAG_SET,
                version: version + ahead,
                operation: 'patch',
                flagKeys: ['headline'],
              }),
            ),
          );
        }
        await Promise.all(batch);
        forged += batch.length;
      }
    })();
    let missed = 0;
    const trials = 40;
    try {
      for (let i = 0; i < trials; i++) {
        const state = i % 2 === 0 ? 'DISABLED' : 'ENABLED';
        await writer.patchFlag(
          FLAG_SET,
          'new-checkout',
          { state },
          { actor: 'oncall', reason: `trial ${i}` },
        );
        const expected = state === 'DISABLED' ? 'DISABLED' : 'TARGETING_MATCH';
        await until(() => provider.version === i + 2, 'the provider to apply the write', 2_000).catch(
          () => void missed++,
        );
        const details = await client.getBooleanDetails('new-checkout', false, {
          targetingKey: 'u',
          tier: 'pro',
        });
        if (details.reason !== expected) missed++;
      }
    } finally {
      flooding = false;
      await flood;
    }
    expect(forged).toBeGreaterThan(trials);
    expect(missed).toBe(0);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('goes STALE within the feed bound during a 3 s stall, then applies the kill switch as soon as it ends', async () => {
    const { server, writer } = await redis();
    const proxy = await proxyTo(server);
    const logger = memoryLogger();
    const provider = createRedisProvider({
      url: proxy.url,
      flagSet: FLAG_SET,
      feedBlockMs: 500,
      feedGraceMs: 500,
      requestTimeoutMs: 500,
      resyncIntervalMs: 60_000,
      logger,
    });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    events.splice(0);
    proxy.stall();
    const stalledAt = Date.now();
    await writer.patchFlag(
      FLAG_SET,
      'new-checkout',
      { state: 'DISABLED' },
      { actor: 'oncall', reason: 'INC-42' },
    );
    await until(() => events.some((e) => e.type === ProviderEvents.Stale), 'PROVIDER_STALE', 3_000);
    const staleAfterMs = Date.now() - stalledAt;
    expect(staleAfterMs).toBeLessThan(1_500);
    // The last good flags are still served while stale.
    expect((await client.getBooleanDetails('new-checkout', false, { tier: 'pro' })).reason).toBe(
      'TARGETING_MATCH',
    );
    await new Promise((r) => setTimeout(r, 3_000 - (Date.now() - stalledAt)));
    proxy.resume();
    const resumedAt = Date.now();
    await until(
      () => provider.version === 2 && client.providerStatus === ProviderStatus.READY,
      'the kill switch',
      3_000,
    );
    const appliedAfterMs = Date.now() - resumedAt;
    expect(appliedAfterMs).toBeLessThan(2_000);
    expect((await client.getBooleanDetails('new-checkout', true, { tier: 'pro' })).reason).toBe('DISABLED');
    expect(events.map((e) => e.type)).toEqual([
      ProviderEvents.Stale,
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
    ]);
    expect(logger.lines.filter((l) => l.startsWith('error'))).toHaveLength(1);
  });

  it('a flag nested 5,000 levels deep, written by hand, breaks only itself: new and running providers follow on', async () => {
    const { server, writer } = await redis();
    const running = createRedisProvider({
      url: server.url,
      flagSet: FLAG_SET,
      verifyIntervalMs: 200,
      logger: quiet,
    });
    const runningClient = await clientFor(running);
    const deep = `{"state":"ENABLED","variants":{"a":${'{"x":'.repeat(5_000)}1${'}'.repeat(5_000)}},"defaultVariant":"a"}`;
    expect(deep.length).toBeGreaterThan(8_000);
    await server.cli('hset', writer.keys(FLAG_SET).defs, 'deep', deep);

    const fresh = createRedisProvider({ url: server.url, flagSet: FLAG_SET, logger: quiet });
    const freshClient = await clientFor(fresh);
    expect(freshClient.providerStatus).toBe(ProviderStatus.READY);
    expect(await freshClient.getStringValue('headline', 'x')).toBe('Welcome');
    expect((await freshClient.getObjectDetails('deep', {})).errorCode).toBe(ErrorCode.PARSE_ERROR);

    // The running provider keeps following writes, and its content check finds the hand edit.
    await writer.patchFlag(FLAG_SET, 'new-checkout', { state: 'DISABLED' }, { actor: 'oncall' });
    await until(
      () => running.version === 2 && fresh.version === 2,
      'both providers to apply the kill switch',
    );
    for (const c of [runningClient, freshClient]) {
      expect((await c.getBooleanDetails('new-checkout', true, { tier: 'pro' })).reason).toBe('DISABLED');
    }
    await until(
      () => running.ownFlagMetadata('deep') !== undefined,
      'the content check to pick up the deep flag',
    );
    expect((await runningClient.getObjectDetails('deep', {})).errorCode).toBe(ErrorCode.PARSE_ERROR);
    expect(runningClient.providerStatus).toBe(ProviderStatus.READY);
    // Writing such a flag through the store is a validation error, not a RangeError.
    const nested = JSON.parse(deep) as FlagDefinition;
    await expect(writer.putFlag(FLAG_SET, 'deep2', nested)).rejects.toThrow(/nested deeper than/);
  });

  it('detects a change written around the write script (HSET by hand), says so, and serves what is stored', async () => {
    const { server, writer } = await redis();
    const logger = memoryLogger();
    const provider = createRedisProvider({
      url: server.url,
      flagSet: FLAG_SET,
      verifyIntervalMs: 200,
      logger,
    });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    events.splice(0);
    const headline = { state: 'ENABLED', variants: { a: 'Welcome', b: 'Hello' }, defaultVariant: 'b' };
    await server.cli('hset', writer.keys(FLAG_SET).defs, 'headline', JSON.stringify(headline));
    await until(() => events.length === 1, 'the content check to find the change', 3_000);
    expect(events).toEqual([{ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['headline'] }]);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');
    expect(provider.version).toBe(1);
    expect(
      logger.lines.some((l) =>
        /warn .*changed at version 1 without a write through the store.*headline/.test(l),
      ),
    ).toBe(true);
  });

  it('reloads in full when the entries it missed were trimmed from the log, and converges', async () => {
    const { server } = await redis(['--stream-node-max-entries', '4']);
    const writer = new RedisFlagStore({ url: server.url, maxLogLength: 10, logger: quiet });
    closers.push(() => writer.close());
    const proxy = await proxyTo(server);
    const logger = memoryLogger();
    const provider = createRedisProvider({
      url: proxy.url,
      flagSet: FLAG_SET,
      feedBlockMs: 300,
      feedGraceMs: 300,
      requestTimeoutMs: 300,
      logger,
    });
    const client = await clientFor(provider);
    proxy.stall();
    for (let i = 0; i < 60; i++) {
      await writer.putFlag(FLAG_SET, 'counter', {
        state: 'ENABLED',
        variants: { [`v${i}`]: i },
        defaultVariant: `v${i}`,
      });
    }
    expect(Number(await server.cli('xlen', writer.keys(FLAG_SET).log))).toBeLessThan(60);
    proxy.resume();
    await until(
      () => provider.version === 61 && client.providerStatus === ProviderStatus.READY,
      'convergence',
      5_000,
    );
    expect(await client.getNumberValue('counter', -1)).toBe(59);
    expect(provider.version).toBe(await writer.version(FLAG_SET));
  });
});
