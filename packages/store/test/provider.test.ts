/**
 * `StoreProvider` through the real OpenFeature server SDK, over `MemoryFlagStore`: every value
 * type, every reason and error code, events on writes, tracking and bootstrap. The Redis paths
 * (and the same app code on every provider) are in provider-redis.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFlagSet } from '@ensign/core';
import {
  ErrorCode,
  FlagNotFoundError,
  type Hook,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  StandardResolutionReasons,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type FlagStore, MemoryFlagStore, type ProviderTrackingEvent, StoreProvider } from '../src/index.js';
import { recordEvents } from './fixtures/events.js';
import { FLAG_SET, sampleDocument } from './fixtures/flags.js';
import { clientFor, memoryLogger, newDomain, releaseDomains, until } from './fixtures/harness.js';

afterEach(releaseDomains);

afterAll(async () => {
  await OpenFeature.close();
});

describe(StoreProvider.name, () => {
  it('names what is behind it in its metadata: ensign-<store name>', async () => {
    const store = new MemoryFlagStore();
    expect(new StoreProvider({ store }).metadata.name).toBe('ensign-memory');
    const nameless: FlagStore = Object.assign(Object.create(store) as FlagStore, { name: undefined });
    expect(new StoreProvider({ store: nameless }).metadata.name).toBe('ensign-store');
    const client = await clientFor(new StoreProvider({ store, flagSet: FLAG_SET }));
    expect(client.metadata.providerMetadata.name).toBe('ensign-memory');
  });

  it('evaluates every value type through the OpenFeature client, with set and flag metadata', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const client = await clientFor(new StoreProvider({ store, flagSet: FLAG_SET }));

    const pro = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', tier: 'pro' });
    expect(pro).toMatchObject({
      value: true,
      variant: 'on',
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
    expect(pro.flagMetadata).toMatchObject({
      flagSetId: FLAG_SET,
      version: 1,
      kind: 'release',
      team: 'checkout',
    });
    expect(pro.errorCode).toBeUndefined();

    const free = await client.getBooleanDetails('new-checkout', true, { targetingKey: 'u2', tier: 'free' });
    expect(free).toMatchObject({ value: false, variant: 'off', reason: StandardResolutionReasons.DEFAULT });

    expect(await client.getStringDetails('headline', 'x')).toMatchObject({
      value: 'Welcome',
      variant: 'a',
      reason: StandardResolutionReasons.STATIC,
    });
    expect(await client.getNumberValue('max-items', 0)).toBe(10);
    expect(await client.getObjectValue('theme', {})).toEqual({ color: 'white' });
  });

  it('serves a disabled flag as the caller default with reason DISABLED, not as an error', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const client = await clientFor(new StoreProvider({ store, flagSet: FLAG_SET }));
    const details = await client.getBooleanDetails('payments-kill', false);
    expect(details).toMatchObject({ value: false, reason: StandardResolutionReasons.DISABLED });
    expect(details.errorCode).toBeUndefined();
    expect(details.flagMetadata.flagSetId).toBe(FLAG_SET);
  });

  it('reports FLAG_NOT_FOUND, TYPE_MISMATCH and GENERAL with message, metadata and the OpenFeature error class', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const client = await clientFor(new StoreProvider({ store, flagSet: FLAG_SET }));
    const seen: unknown[] = [];
    const hook: Hook = { error: (_context, error) => void seen.push(error) };
    client.addHooks(hook);

    const missing = await client.getBooleanDetails('nope', true);
    expect(missing).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(missing.errorMessage).toContain('"nope"');
    expect(missing.flagMetadata).toMatchObject({ flagSetId: FLAG_SET, version: 1 });
    expect(seen.pop()).toBeInstanceOf(FlagNotFoundError);

    const mismatch = await client.getNumberDetails('headline', 7);
    expect(mismatch).toMatchObject({ value: 7, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(mismatch.errorMessage).toContain('string flag');
    expect(mismatch.flagMetadata.flagSetId).toBe(FLAG_SET);
    expect(seen.pop()).toBeInstanceOf(TypeMismatchError);

    const general = await client.getStringDetails('picker', 'fallback', { pick: 'z' });
    expect(general).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: ErrorCode.GENERAL });
    expect(general.errorMessage).toContain('"z"');
    expect((await client.getStringDetails('picker', 'fallback', { pick: 'y' })).value).toBe('y');
  });

  it('isolates an invalid flag of a bootstrap document as PARSE_ERROR and warns naming it', async () => {
    const logger = memoryLogger();
    const bootstrap = sampleDocument();
    (bootstrap.flags as Record<string, unknown>).broken = {
      state: 'ENABLED',
      variants: { a: 1 },
      defaultVariant: 'b',
    };
    // The set was never written: the provider keeps serving the bootstrap rather than nothing.
    const store = new MemoryFlagStore();
    const client = await clientFor(new StoreProvider({ store, flagSet: FLAG_SET, bootstrap, logger }));
    const broken = await client.getNumberDetails('broken', 0);
    expect(broken).toMatchObject({ value: 0, reason: 'ERROR', errorCode: ErrorCode.PARSE_ERROR });
    expect(broken.errorMessage).toContain('/flags/broken/defaultVariant');
    expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('"broken"'))).toBe(true);
  });

  it('applies writes and emits PROVIDER_CONFIGURATION_CHANGED with exactly the flags changed', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const provider = new StoreProvider({ store, flagSet: FLAG_SET });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    // A READY handler added to a ready provider runs at once (OpenFeature spec 5.3.3).
    expect(events).toEqual([{ type: ProviderEvents.Ready }]);
    events.splice(0);

    await store.patchFlag(FLAG_SET, 'payments-kill', { state: 'ENABLED' }, { actor: 'oncall' });
    await until(() => events.length === 1, 'the first change event');
    expect(events[0]).toEqual({ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['payments-kill'] });
    expect(await client.getBooleanValue('payments-kill', false)).toBe(true);
    expect(provider.version).toBe(2);

    const next = sampleDocument();
    delete (next.flags as Record<string, unknown>).picker;
    next.flags.headline!.defaultVariant = 'b';
    next.flags.added = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' };
    await store.replaceFlagSet(FLAG_SET, next);
    await until(() => events.length === 2, 'the second change event');
    const second = events[1]!;
    expect(second.type).toBe(ProviderEvents.ConfigurationChanged);
    // payments-kill is DISABLED again in `next`, so it changed back too.
    expect(second.flagsChanged).toEqual(['added', 'headline', 'payments-kill', 'picker']);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');
    expect((await client.getBooleanDetails('picker', false)).errorCode).toBe(ErrorCode.FLAG_NOT_FOUND);
    expect(events.every((e) => e.type === ProviderEvents.ConfigurationChanged)).toBe(true);
  });

  it('ends up serving exactly the store set after a burst of mixed writes', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const provider = new StoreProvider({ store, flagSet: FLAG_SET, logger: memoryLogger() });
    const client = await clientFor(provider);
    const changed = new Set<string>();
    client.addHandler(ProviderEvents.ConfigurationChanged, (d) => {
      for (const key of (d as { flagsChanged?: string[] }).flagsChanged ?? []) changed.add(key);
    });
    // Not awaited one by one: notices arrive while loads are in flight.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(
        store.putFlag(FLAG_SET, `burst-${i % 5}`, {
          state: 'ENABLED',
          variants: { v: i },
          defaultVariant: 'v',
        }),
      );
      if (i === 7) writes.push(store.deleteFlag(FLAG_SET, 'picker'));
      if (i === 12) writes.push(store.patchFlag(FLAG_SET, 'headline', { defaultVariant: 'b' }));
    }
    await Promise.all(writes);
    const final = await store.load(FLAG_SET);
    await until(() => provider.version === final.version, 'the last version');
    const expected = compileFlagSet(final.document, { invalidFlags: 'isolate' });
    const types = { boolean: false, string: '', number: 0, object: {} } as const;
    for (const key of [...expected.keys(), 'picker']) {
      for (const [type, fallback] of Object.entries(types)) {
        const ours = provider.evaluate(key, type as keyof typeof types, fallback, { tier: 'pro' });
        const theirs = expected.evaluate(key, type as keyof typeof types, fallback, { tier: 'pro' });
        expect({
          key,
          type,
          value: ours.value,
          variant: ours.variant,
          reason: ours.reason,
          errorCode: ours.errorCode,
        }).toEqual({
          key,
          type,
          value: theirs.value,
          variant: theirs.variant,
          reason: theirs.reason,
          errorCode: theirs.errorCode,
        });
      }
    }
    expect([...changed].sort()).toEqual([
      'burst-0',
      'burst-1',
      'burst-2',
      'burst-3',
      'burst-4',
      'headline',
      'picker',
    ]);
  });

  it('goes STALE when version checks fail on a store without feed reports, and READY with the changes when they pass', async () => {
    // A custom FlagStore (the documented seam) that can become unreachable: reads reject.
    const inner = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    let reachable = true;
    const unreachable = () => Promise.reject(new Error('ECONNREFUSED'));
    const store: FlagStore = {
      load: (set) => (reachable ? inner.load(set) : unreachable()),
      version: (set) => (reachable ? inner.version(set) : unreachable()),
      putFlag: (...args) => inner.putFlag(...args),
      deleteFlag: (...args) => inner.deleteFlag(...args),
      patchFlag: (...args) => inner.patchFlag(...args),
      replaceFlagSet: (...args) => inner.replaceFlagSet(...args),
      history: (...args) => inner.history(...args),
      revert: (...args) => inner.revert(...args),
      // Entries are dropped, as a feed that is down would deliver none.
      follow: (set, position) => inner.follow(set, position, () => {}),
      close: () => inner.close(),
    };
    const logger = memoryLogger();
    const provider = new StoreProvider({
      store,
      flagSet: FLAG_SET,
      resyncIntervalMs: 50,
      requestTimeoutMs: 100,
      logger,
    });
    const client = await clientFor(provider);
    const events = recordEvents(client);
    events.splice(0);

    reachable = false;
    await until(() => events.length === 1, 'PROVIDER_STALE');
    expect(events).toEqual([{ type: ProviderEvents.Stale }]);
    expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
    expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([
      expect.stringContaining('flag store unreachable: ECONNREFUSED'),
    ]);

    await inner.patchFlag(FLAG_SET, 'headline', { defaultVariant: 'b' });
    reachable = true;
    await until(() => events.length === 3, 'PROVIDER_READY and PROVIDER_CONFIGURATION_CHANGED');
    expect(events).toEqual([
      { type: ProviderEvents.Stale },
      { type: ProviderEvents.Ready },
      { type: ProviderEvents.ConfigurationChanged, flagsChanged: ['headline'] },
    ]);
    expect(await client.getStringValue('headline', 'x')).toBe('Hello');
  });

  it('does not emit PROVIDER_READY itself during initialize: handlers run once', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const provider = new StoreProvider({ store, flagSet: FLAG_SET });
    let ready = 0;
    provider.events.addHandler(ProviderEvents.Ready, () => void ready++);
    const domain = newDomain();
    let apiReady = 0;
    OpenFeature.getClient(domain).addHandler(ProviderEvents.Ready, () => void apiReady++);
    await OpenFeature.setProviderAndWait(domain, provider);
    await new Promise((r) => setTimeout(r, 20));
    expect(ready).toBe(0);
    expect(apiReady).toBe(1);
    expect(OpenFeature.getClient(domain).providerStatus).toBe(ProviderStatus.READY);
  });

  it('hands track() calls to the tracking sink, and survives a sink that throws', async () => {
    const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } });
    const tracked: ProviderTrackingEvent[] = [];
    const client = await clientFor(
      new StoreProvider({
        store,
        flagSet: FLAG_SET,
        trackingSink: { track: (event) => void tracked.push(event) },
      }),
    );
    const before = Date.now();
    client.track('checkout-completed', { targetingKey: 'u1', tier: 'pro' }, { value: 42, currency: 'EUR' });
    expect(tracked).toHaveLength(1);
    expect(tracked[0]).toMatchObject({
      eventName: 'checkout-completed',
      context: { targetingKey: 'u1', tier: 'pro' },
      details: { value: 42, currency: 'EUR' },
    });
    expect(tracked[0]!.timestamp).toBeGreaterThanOrEqual(before);

    const logger = memoryLogger();
    const failing = await clientFor(
      new StoreProvider({
        store: new MemoryFlagStore({ flagSets: { [FLAG_SET]: sampleDocument() } }),
        flagSet: FLAG_SET,
        logger,
        trackingSink: {
          track: () => {
            throw new Error('sink down');
          },
        },
      }),
    );
    expect(() => failing.track('x', {}, {})).not.toThrow();
    expect(logger.lines.some((l) => l.includes('tracking sink failed') && l.includes('"x"'))).toBe(true);
  });

  it('serves a bootstrap file until the set is written, then announces exactly what changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensign-bootstrap-'));
    try {
      const path = join(dir, 'flags.json');
      const bootstrap = sampleDocument();
      bootstrap.flags.headline!.defaultVariant = 'b';
      writeFileSync(path, JSON.stringify(bootstrap));
      // A set never written reads as version 0 and empty: the bootstrap stays in place.
      const store = new MemoryFlagStore();
      const logger = memoryLogger();
      const provider = new StoreProvider({ store, flagSet: FLAG_SET, bootstrap: path, logger });
      const client = await clientFor(provider);
      const changed: (string[] | undefined)[] = [];
      client.addHandler(ProviderEvents.ConfigurationChanged, (d) => void changed.push(d?.flagsChanged));
      expect(await client.getStringValue('headline', 'x')).toBe('Hello');
      await until(() => logger.lines.some((l) => l.includes('empty at version 0')), 'the empty-set warning');
      expect(provider.version).toBe(-1);
      await store.replaceFlagSet(FLAG_SET, sampleDocument());
      await until(() => changed.length === 1, 'catching up with the store');
      expect(changed[0]).toEqual(['headline']);
      expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
      expect(provider.version).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bootstrap file that is not JSON, naming the option and the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensign-bootstrap-'));
    try {
      const path = join(dir, 'bad.json');
      writeFileSync(path, '{ nope');
      const provider = new StoreProvider({
        store: new MemoryFlagStore(),
        flagSet: FLAG_SET,
        bootstrap: path,
      });
      await expect(provider.initialize()).rejects.toThrow(
        /bootstrap file .*bad\.json.*option bootstrap.*not JSON/,
      );
      await provider.onClose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the option when an interval is not a positive number', () => {
    expect(() => new StoreProvider({ store: new MemoryFlagStore(), resyncIntervalMs: 0 })).toThrow(
      /resyncIntervalMs/,
    );
    expect(() => new StoreProvider({ store: new MemoryFlagStore(), initTimeoutMs: -1 })).toThrow(
      /initTimeoutMs/,
    );
  });
});
