/**
 * The change feed of `FirestoreFlagStore` under faults, and `StoreProvider` over it, against the
 * official Firestore emulator: a network that stops carrying packets, read permission withdrawn
 * from a listener, the emulator stopped (and an empty one in its place) under a running provider,
 * and a kill switch reaching the provider.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { StoreProvider } from '@ensign/store';
import {
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreEmulator, userToken } from '../../../test/support/firestore-emulator.js';
import { recordEvents } from '../../store/test/fixtures/events.js';
import { sampleDocument } from '../../store/test/fixtures/flags.js';
import { clientFor, memoryLogger, releaseDomains, until } from '../../store/test/fixtures/harness.js';
import { FirestoreFlagStore, type FirestoreFlagStoreOptions } from '../src/index.js';
import { LossyProxy } from './support/lossy-proxy.js';

const PROJECT = 'demo-ensign-feed';
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const boolFlag: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
};
/**
 * Feed checks fast enough for a test: an outage is noticed within a few seconds (not less: on a
 * busy machine the emulator can take seconds to answer).
 */
const fastFeed = { feedCheckMs: 250, feedTimeoutMs: 3_000 };

let emulator: FirestoreEmulator;
/** Takes the place of `emulator` in the last test (a Java program takes seconds to start: started ahead). */
let replacement: FirestoreEmulator;
const stores: FirestoreFlagStore[] = [];
const proxies: LossyProxy[] = [];
beforeAll(async () => {
  [emulator, replacement] = await Promise.all([FirestoreEmulator.start(), FirestoreEmulator.start()]);
});
// Each test closes what it opened: nothing of one test retries calls while another stops the emulator.
afterEach(async () => {
  await releaseDomains();
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  await OpenFeature.close();
  await Promise.all([emulator, replacement].map((e) => e?.stop()));
});

function open(options: FirestoreFlagStoreOptions = {}): FirestoreFlagStore {
  const store = new FirestoreFlagStore({ settings: emulator.settings(PROJECT), logger: quiet, ...options });
  stores.push(store);
  return store;
}

/** {@link until}, with what was seen so far in the error when it times out. */
async function within(
  check: () => boolean,
  what: string,
  timeoutMs: number,
  state: () => unknown,
): Promise<void> {
  await until(check, what, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}; state: ${JSON.stringify(state(), null, 1)}`);
  });
}

/** Follows `set` from its current position, recording entries and interruptions. */
async function watch(store: FirestoreFlagStore, set: string) {
  const seen = { versions: [] as number[], events: [] as string[] };
  await store.follow(set, (await store.load(set)).position, (entry) => seen.versions.push(entry.version), {
    onInterrupt: () => seen.events.push('interrupt'),
    onResume: () => seen.events.push('resume'),
  });
  return seen;
}

describe(`${FirestoreFlagStore.name} change feed`, () => {
  it('reports a network that stops carrying packets, then resumes with every entry once, in order', async () => {
    const proxy = await LossyProxy.start(emulator.port);
    proxies.push(proxy);
    const follower = open({ settings: { projectId: PROJECT, host: proxy.address, ssl: false }, ...fastFeed });
    const writer = open();
    const set = 'stalled';
    const seen = await watch(follower, set);
    await writer.putFlag(set, 'a', boolFlag);
    await until(() => seen.versions.length === 1, 'the first entry');
    proxy.hold();
    await until(() => seen.events.length === 1, 'the interruption', 15_000);
    await writer.putFlag(set, 'b', boolFlag);
    await writer.putFlag(set, 'c', boolFlag);
    proxy.release();
    await until(() => seen.events.includes('resume') && seen.versions.length === 3, 'resumption', 15_000);
    expect(seen.events).toEqual(['interrupt', 'resume']);
    expect(seen.versions).toEqual([1, 2, 3]);
  });

  it('reports a listener whose read permission is withdrawn, and resumes when it is given back', async () => {
    const project = 'demo-ensign-feed-rules';
    const rules = (uid: string) => `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} { allow read: if request.auth != null && request.auth.uid == '${uid}'; }
  }
}`;
    await emulator.setRules(project, rules('reader'));
    const writer = open({ settings: emulator.settings(project) });
    const reader = open({
      settings: emulator.settings(project, { Authorization: `Bearer ${userToken(project, 'reader')}` }),
      ...fastFeed,
    });
    const set = 'withdrawn';
    await writer.putFlag(set, 'a', boolFlag);
    const seen = await watch(reader, set);
    await emulator.setRules(project, rules('somebody-else'));
    await until(() => seen.events.length === 1, 'the interruption', 15_000);
    await writer.putFlag(set, 'b', boolFlag);
    await emulator.setRules(project, rules('reader'));
    await until(() => seen.events.includes('resume') && seen.versions.length === 1, 'resumption', 20_000);
    expect(seen.events).toEqual(['interrupt', 'resume']);
    expect(seen.versions).toEqual([2]);
  });
});

describe(`${StoreProvider.name} over ${FirestoreFlagStore.name}`, () => {
  it('follows a kill switch: PROVIDER_CONFIGURATION_CHANGED with exactly that flag, evaluations DISABLED', async () => {
    const writer = open();
    const set = 'kill-switch';
    await writer.replaceFlagSet(set, sampleDocument(), { actor: 'test' });
    const provider = new StoreProvider({ store: open(fastFeed), flagSet: set, logger: quiet });
    const client = await clientFor(provider);
    expect(client.metadata.providerMetadata.name).toBe('ensign-firestore');
    expect(await client.getBooleanValue('new-checkout', false, { tier: 'pro' })).toBe(true);
    const events = recordEvents(client);
    events.splice(0);
    await writer.patchFlag(set, 'new-checkout', { state: 'DISABLED' }, { actor: 'oncall', reason: 'INC-7' });
    await until(() => events.length === 1, 'PROVIDER_CONFIGURATION_CHANGED');
    expect(events).toEqual([{ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['new-checkout'] }]);
    expect(await client.getBooleanDetails('new-checkout', true, { tier: 'pro' })).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.DISABLED,
    });
  });

  // Last in the file: it stops the emulator.
  it('survives the emulator stopped and replaced by an empty one: feed interrupted and resumed, STALE, READY, then new writes', async () => {
    // The replacement is warmed up first: a Java program answers its first requests slowly.
    const warm = open({ settings: replacement.settings(PROJECT) });
    const warmed = await watch(warm, 'warm-up');
    for (let i = 0; i < 5; i++) await warm.putFlag('warm-up', 'a', boolFlag);
    await until(() => warmed.versions.length === 5, 'the replacement to answer listeners', 15_000);
    // Everything reaches the emulator through a proxy: the network stops carrying packets, the
    // emulator stops (its data is gone), and connections that come back reach the replacement at
    // the same address. (Without the proxy, the gRPC client's reconnect backoff, which grows while
    // a server refuses connections, would set the pace of the test.)
    const proxy = await LossyProxy.start(emulator.port);
    proxies.push(proxy);
    const throughProxy = { settings: { projectId: PROJECT, host: proxy.address, ssl: false }, ...fastFeed };
    const writer = open(throughProxy);
    const set = 'replaced';
    await writer.replaceFlagSet(set, sampleDocument(), { actor: 'test' });
    const logger = memoryLogger();
    const provider = new StoreProvider({
      store: open({ ...throughProxy, logger }),
      flagSet: set,
      resyncIntervalMs: 500,
      requestTimeoutMs: 5_000,
      logger,
    });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    events.splice(0);
    const seen = await watch(open(throughProxy), set);

    proxy.hold();
    await until(
      () => events.length > 0 && seen.events.length > 0,
      'PROVIDER_STALE and the interruption',
      15_000,
    );
    expect(events).toEqual([{ type: ProviderEvents.Stale }]);
    expect(seen.events).toEqual(['interrupt']);
    // The last good flags are served meanwhile.
    expect(await client.getBooleanValue('new-checkout', false, { tier: 'pro' })).toBe(true);

    await emulator.stop();
    proxy.retarget(replacement.port);
    proxy.release();
    const state = () => ({ events, seen, lines: logger.lines.slice(-30) });
    await within(
      () => seen.events.includes('resume') && events.length === 2,
      'resumption and READY',
      60_000,
      state,
    );
    expect(events[1]).toEqual({ type: ProviderEvents.Ready });
    // The new emulator is empty: the provider keeps its flags, and the first write recreates the set.
    expect(
      logger.lines.some((line) => /is empty at version 0 in the store; keeping the last good/.test(line)),
    ).toBe(true);
    const next: FlagSetDocument = sampleDocument();
    next.flags.headline!.defaultVariant = 'b';
    await writer.replaceFlagSet(set, next, { actor: 'test' });
    await until(() => events.length === 3, 'PROVIDER_CONFIGURATION_CHANGED', 15_000);
    expect(events[2]).toEqual({ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['headline'] });
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');
    expect(seen.events).toEqual(['interrupt', 'resume']);
  }, 120_000);
});
