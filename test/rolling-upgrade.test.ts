/**
 * A rolling upgrade on one Redis: writers and providers of the previous release (built from git
 * history) and of this one side by side, on data the previous release wrote. No migration step:
 * the keys are read as they are; this release keeps publishing the previous release's notices, and
 * follows the audit stream the previous release also wrote.
 */
import { RedisFlagStore, createRedisProvider } from '@ensign/redis-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG_SET, sampleDocument } from '../packages/store/test/fixtures/flags.js';
import { clientFor, releaseDomains, until } from '../packages/store/test/fixtures/harness.js';
import { type PreviousRelease, loadPreviousRelease } from './support/previous-release.js';
import { RedisServer } from './support/redis-server.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const pro = { targetingKey: 'u', tier: 'pro' };

let server: RedisServer;
let previous: PreviousRelease;
let cleanup: () => void = () => {};
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ release: previous, cleanup } = await loadPreviousRelease());
  server = await RedisServer.start();
}, 60_000);
afterAll(async () => {
  await releaseDomains();
  await OpenFeature.close();
  for (const close of closers) await close();
  await server?.stop();
  cleanup();
});

describe('rolling upgrade from the previous release', () => {
  it('runs old and new writers and providers side by side on data the old release wrote', async () => {
    const oldWriter = new previous.RedisFlagStore({ url: server.url, logger: quiet });
    const newWriter = new RedisFlagStore({ url: server.url, logger: quiet });
    closers.push(
      () => oldWriter.close(),
      () => newWriter.close(),
    );
    // The data as the previous release left it.
    await oldWriter.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'old' });
    await oldWriter.patchFlag(FLAG_SET, 'headline', { defaultVariant: 'b' }, { actor: 'old' });

    const oldProvider = new previous.RedisProvider({
      store: new previous.RedisFlagStore({ url: server.url, logger: quiet }),
      flagSet: FLAG_SET,
      logger: quiet,
    });
    await oldProvider.initialize();
    closers.push(() => oldProvider.onClose());
    const newProvider = createRedisProvider({ url: server.url, flagSet: FLAG_SET, logger: quiet });
    const client = await clientFor(newProvider);
    expect(newProvider.version).toBe(2);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');

    // An old writer flips the kill switch: the new provider follows it from the stream.
    await oldWriter.patchFlag(
      FLAG_SET,
      'new-checkout',
      { state: 'DISABLED' },
      { actor: 'old', reason: 'INC-1' },
    );
    await until(() => newProvider.version === 3 && oldProvider.version === 3, 'both providers at version 3');
    expect((await client.getBooleanDetails('new-checkout', true, pro)).reason).toBe('DISABLED');

    // A new writer restores it: the old provider follows from the notice this release still publishes.
    await newWriter.patchFlag(
      FLAG_SET,
      'new-checkout',
      { state: 'ENABLED' },
      { actor: 'new', reason: 'fixed' },
    );
    await until(() => newProvider.version === 4 && oldProvider.version === 4, 'both providers at version 4');
    expect((await oldProvider.resolveBooleanEvaluation('new-checkout', false, pro)).value).toBe(true);

    // Both releases writing at once, compare-and-set and not: one entry per version, same content everywhere.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const writer = i % 2 ? oldWriter : newWriter;
      writes.push(
        writer.putFlag(FLAG_SET, `mixed-${i % 4}`, {
          state: 'ENABLED',
          variants: { v: `w${i}` },
          defaultVariant: 'v',
        }),
      );
    }
    await Promise.all(writes);
    const version = await newWriter.version(FLAG_SET);
    expect(version).toBe(24);
    await until(
      () => newProvider.version === version && oldProvider.version === version,
      'both providers at the end',
    );
    const history = await newWriter.history(FLAG_SET, { limit: 100 });
    expect(history.map((e) => e.version)).toEqual(Array.from({ length: version }, (_, i) => version - i));
    const snapshot = await newWriter.load(FLAG_SET);
    for (const key of ['mixed-0', 'mixed-1', 'mixed-2', 'mixed-3', 'headline']) {
      const stored = snapshot.document.flags[key]!;
      const expected = stored.variants[stored.defaultVariant!];
      expect(await client.getStringValue(key, 'x'), key).toBe(expected);
      expect((await oldProvider.resolveStringEvaluation(key, 'x', {})).value, key).toBe(expected);
    }
  }, 60_000);
});
