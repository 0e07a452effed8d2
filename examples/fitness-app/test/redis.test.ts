/**
 * The `REDIS_URL` path: the same app code on a real `redis-server`, seeded on first start, with
 * the kill switch flipped by an operator's own connection (as another process would).
 */
import { compileFlagSet } from '@ensign/core';
import { RedisFlagStore } from '@ensign/redis-provider';
import { ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { type FitnessApp, readSampleFlags, startFitnessApp } from '../src/app.js';
import { applyDemoChange } from '../src/demo-controls.js';
import { BOOKING_LAYOUT, FLAG_SET } from '../src/flag-keys.js';
import { MAINTENANCE_MESSAGE } from '../src/server.js';
import { collectingLogger } from './support/collecting-logger.js';
import { type TestMcpClient, connectClient, textOf, widgetPayload } from './support/mcp-client.js';

describe('fitness app over MCP (REDIS_URL)', () => {
  let redis: RedisServer;
  let app: FitnessApp;
  let second: FitnessApp | undefined;
  let operator: RedisFlagStore;
  let mcp: TestMcpClient;
  const logger = collectingLogger();

  beforeAll(async () => {
    redis = await RedisServer.start();
    app = await startFitnessApp({
      redisUrl: redis.url,
      domain: 'fitness-app-test-redis',
      resyncIntervalMs: 1_000,
      logger,
    });
    operator = new RedisFlagStore({ url: redis.url });
    mcp = await connectClient(app);
  });

  afterAll(async () => {
    await mcp?.close();
    await second?.close();
    await app?.close();
    await operator?.close();
    await redis?.stop();
  });

  it('seeds the sample flag set into an empty Redis once, and serves it', async () => {
    expect(app.storeKind).toBe('redis');
    const [seed] = await operator.history(FLAG_SET);
    expect(seed).toMatchObject({ operation: 'replace', actor: 'fitness-app', version: 1 });

    // A second instance on the same Redis finds the set and does not write it again.
    second = await startFitnessApp({ redisUrl: redis.url, domain: 'fitness-app-test-redis-2', logger });
    expect(await operator.version(FLAG_SET)).toBe(1);

    const reference = compileFlagSet(await readSampleFlags());
    for (const subject of ['user-1', 'user-2', 'user-3', 'user-4']) {
      const payload = widgetPayload(await mcp.call('list_bookings', subject));
      const expected = reference.evaluate(BOOKING_LAYOUT, 'string', 'list', { targetingKey: subject });
      expect(payload.flags[BOOKING_LAYOUT]).toMatchObject({
        value: expected.value,
        variant: expected.variant,
      });
      expect(payload.flags[BOOKING_LAYOUT]?.flagMetadata).toMatchObject({ flagSetId: 'fitness', version: 1 });
    }
  });

  it('turns bookings off on every instance on the call after the kill switch is flipped through another connection', async () => {
    expect((await mcp.call('list_bookings', 'user-9')).structuredContent).toMatchObject({
      maintenance: false,
    });

    const instances = [app, second].filter((instance) => instance !== undefined);
    expect(instances).toHaveLength(2);
    const heard = instances.map(
      (instance) =>
        new Promise<void>((resolve) => {
          const handler = () => {
            instance.flags.removeHandler(ProviderEvents.ConfigurationChanged, handler);
            resolve();
          };
          instance.flags.addHandler(ProviderEvents.ConfigurationChanged, handler);
        }),
    );
    // Pub/sub delivers the change notice asynchronously: the next call is the first one after
    // each provider heard of it.
    await applyDemoChange(operator, { action: 'kill' }, 'sre-on-call');
    await Promise.all(heard);

    for (const instance of instances) {
      const client = instance === app ? mcp : await connectClient(instance);
      const killed = await client.call('list_bookings', 'user-9');
      expect(textOf(killed)).toBe(MAINTENANCE_MESSAGE);
      expect(killed.structuredContent).toEqual({ bookings: [], maintenance: true });
      if (client !== mcp) await client.close();
      await instance.killSwitches.idle();
    }
    // Each instance's kill-switch hook logged it once, naming the operator from the audit log.
    expect(
      logger.lines.filter((line) =>
        line.startsWith('kill switch "bookings-enabled" is active (turned on by sre-on-call'),
      ),
    ).toHaveLength(2);
    const [entry] = await operator.history(FLAG_SET, { flagKey: 'bookings-enabled' });
    expect(entry).toMatchObject({ operation: 'patch', actor: 'sre-on-call' });
  });
});
