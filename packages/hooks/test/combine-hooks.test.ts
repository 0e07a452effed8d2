import { OpenFeature } from '@openfeature/server-sdk';
import { InMemoryProvider as WebInMemoryProvider, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CallbackSink,
  type ExposureEvent,
  ExposureHook,
  KillSwitchHook,
  combineHooks,
} from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';

describe(combineHooks.name, () => {
  afterAll(async () => {
    await OpenFeature.clearProviders();
    await WebOpenFeature.clearProviders();
  });

  it('runs every hook in order as one, and a throwing hook stops neither the others nor the evaluation', async () => {
    const events: ExposureEvent[] = [];
    const warnings: string[] = [];
    const exposures = new ExposureHook({
      sinks: [new CallbackSink({ onBatch: (b) => void events.push(...(b as ExposureEvent[])) })],
    });
    const killSwitches = new KillSwitchHook({
      logger: {
        error() {},
        info() {},
        debug() {},
        warn: (message: unknown) => void warnings.push(String(message)),
      },
    });
    const broken = {
      finally() {
        throw new Error('bug in a user hook');
      },
    };
    await OpenFeature.setProviderAndWait(
      'combined',
      new CoreProvider({
        flags: {
          kill: {
            state: 'DISABLED',
            variants: { on: true },
            defaultVariant: 'on',
            metadata: { kind: 'ops' },
          },
        },
      }),
    );
    const client = OpenFeature.getClient('combined').addHooks(combineHooks(broken, exposures, killSwitches));
    expect(await client.getBooleanValue('kill', true, { targetingKey: 'u1' })).toBe(true);
    await exposures.close();
    await killSwitches.idle();
    expect(events.map((e) => [e.flagKey, e.reason])).toEqual([['kill', 'DISABLED']]);
    expect(warnings).toEqual(['kill switch "kill" is active']);
  });

  it('is accepted by the web SDK as a synchronous hook', async () => {
    const events: ExposureEvent[] = [];
    const exposures = new ExposureHook({
      sinks: [new CallbackSink({ onBatch: (b) => void events.push(...(b as ExposureEvent[])) })],
    });
    await WebOpenFeature.setProviderAndWait(
      'combined-web',
      new WebInMemoryProvider({ f: { variants: { a: 'x' }, defaultVariant: 'a', disabled: false } }),
    );
    await WebOpenFeature.setContext('combined-web', { targetingKey: 'w1' });
    const client = WebOpenFeature.getClient('combined-web').addHooks(
      combineHooks(exposures, new KillSwitchHook()),
    );
    expect(client.getStringValue('f', 'd')).toBe('x');
    await exposures.close();
    expect(events.map((e) => [e.targetingKey, e.variant])).toEqual([['w1', 'a']]);
  });
});
