/**
 * The kill-switch hook reads a kill made by the admin API's action (`killFlag`: the flag's
 * `offVariant` served to everyone, `killedAt` in its metadata) as a kill, and the restore as its
 * end: the same meaning of "kill" in the API, the CLI, the webhooks and the hook's log lines.
 */
import type { FlagSetDocument } from '@ensign/core';
import { KillSwitchHook } from '@ensign/hooks';
import { MemoryFlagStore, StoreProvider, killFlag, restoreFlag } from '@ensign/store';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';

const document: FlagSetDocument = {
  flags: {
    'bookings-enabled': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'kill-switch', offVariant: 'off' },
    },
  },
};

describe('KillSwitchHook on a kill made by killFlag (off variant, killedAt)', () => {
  afterAll(() => OpenFeature.clearProviders());

  it('logs the kill as active with who killed it, and the flip on and off through the change feed', async () => {
    const store = new MemoryFlagStore({ flagSets: { fitness: document } });
    const lines: { message: string; fields: Record<string, unknown> }[] = [];
    const logger = {
      error() {},
      info() {},
      debug() {},
      warn: (message: string, fields: Record<string, unknown>) => void lines.push({ message, fields }),
    };
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console', auditLog: store, flagSet: 'fitness' });
    const provider = new StoreProvider({ store, flagSet: 'fitness' });
    await OpenFeature.setProviderAndWait('intents', provider);
    const client = OpenFeature.getClient('intents');
    client.addHooks(hook);
    const detach = hook.attach(client);
    try {
      expect(await client.getBooleanValue('bookings-enabled', true)).toBe(true);
      await hook.idle();
      expect(lines).toEqual([]);

      const killed = await killFlag(store, 'fitness', 'bookings-enabled', {
        actor: 'alice',
        reason: 'INC-42',
      });
      expect(killed.detail.mode).toBe('off-variant');
      await expect
        .poll(() => client.getBooleanDetails('bookings-enabled', true).then((d) => d.value))
        .toBe(false);
      await hook.idle();
      await expect
        .poll(async () => {
          await hook.idle();
          return lines.map((l) => l.message);
        })
        .toEqual(
          expect.arrayContaining([
            expect.stringMatching(
              /^kill switch "bookings-enabled" turned ON \(feature off\) by alice at .*: INC-42$/,
            ),
            expect.stringMatching(
              /^kill switch "bookings-enabled" is active \(turned on by alice at .*: INC-42\)$/,
            ),
          ]),
        );
      expect(hook.stats().activeFlags).toEqual(['bookings-enabled']);

      lines.length = 0;
      await restoreFlag(store, 'fitness', 'bookings-enabled', { actor: 'bob', reason: 'fixed' });
      await expect.poll(() => client.getBooleanValue('bookings-enabled', false)).toBe(true);
      await expect
        .poll(async () => {
          await hook.idle();
          return lines.map((l) => l.message);
        })
        .toEqual([
          expect.stringMatching(
            /^kill switch "bookings-enabled" turned OFF \(feature back on\) by bob at .*: fixed$/,
          ),
        ]);
      expect(hook.stats().activeFlags).toEqual([]);
    } finally {
      detach();
    }
  });
});
