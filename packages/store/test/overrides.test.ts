/**
 * Local overrides (`withOverrides`) through the real OpenFeature SDK, over `StoreProvider` on a
 * `MemoryFlagStore`: what wins, what falls through, what is refused, and that the real provider's
 * events, errors and metadata still reach the app.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagSetDocument } from '@ensign/core';
import {
  ErrorCode,
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  FlagOverrideError,
  MemoryFlagStore,
  OverridingProvider,
  type ProviderTrackingEvent,
  StoreProvider,
  withOverrides,
} from '../src/index.js';
import { recordEvents } from './fixtures/events.js';
import { FLAG_SET, sampleDocument } from './fixtures/flags.js';
import { clientFor, memoryLogger, newDomain, releaseDomains, until } from './fixtures/harness.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const dir = mkdtempSync(join(tmpdir(), 'ensign-overrides-'));

/** The sample set plus a kill switch named for what `true` means. */
function documentWithKillSwitch(): FlagSetDocument {
  const document = sampleDocument();
  document.flags['bookings-enabled'] = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'on',
    metadata: { kind: 'kill-switch', clientSide: false },
  };
  return document;
}

function storeProvider(extra: { trackingSink?: { track(event: ProviderTrackingEvent): void } } = {}) {
  const store = new MemoryFlagStore({ flagSets: { [FLAG_SET]: documentWithKillSwitch() } });
  return { store, provider: new StoreProvider({ store, flagSet: FLAG_SET, logger: quiet, ...extra }) };
}

function overridden(
  env: Record<string, string>,
  options: { cwd?: string; allowInProduction?: boolean } = {},
) {
  const logger = memoryLogger();
  const { store, provider } = storeProvider();
  const wrapped = withOverrides(provider, { env, logger, ...options });
  return { store, provider, wrapped, logger };
}

const OVERRIDE = { variant: 'override', reason: StandardResolutionReasons.STATIC };

afterEach(releaseDomains);
afterAll(async () => {
  await OpenFeature.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('withOverrides: what wins', () => {
  it('returns the real provider itself, and logs nothing, when no override is configured', () => {
    const logger = memoryLogger();
    const { provider } = storeProvider();
    expect(withOverrides(provider, { env: {}, logger })).toBe(provider);
    expect(withOverrides(provider, { env: { FEATURE_FLAGS_OVERRIDE: '  ' }, logger })).toBe(provider);
    // Production without overrides is simply production.
    expect(withOverrides(provider, { env: { NODE_ENV: 'production' }, logger })).toBe(provider);
    expect(logger.lines).toEqual([]);
  });

  it('enable-all: every boolean is true (off, disabled or unknown alike); other types come from the store', async () => {
    const { wrapped } = overridden({ FEATURE_FLAGS_OVERRIDE: 'enable-all' });
    expect(wrapped).toBeInstanceOf(OverridingProvider);
    const client = await clientFor(wrapped);
    expect(client.metadata.providerMetadata.name).toBe('ensign-memory+overrides');
    for (const key of ['new-checkout', 'payments-kill', 'bookings-enabled', 'not-in-the-store']) {
      expect(await client.getBooleanDetails(key, false, { tier: 'free' })).toMatchObject({
        value: true,
        ...OVERRIDE,
        flagMetadata: { overridden: true, overrideSource: 'FEATURE_FLAGS_OVERRIDE=enable-all' },
      });
    }
    const headline = await client.getStringDetails('headline', 'x');
    expect(headline).toMatchObject({
      value: 'Welcome',
      variant: 'a',
      reason: StandardResolutionReasons.STATIC,
    });
    expect(headline.flagMetadata).toMatchObject({ flagSetId: FLAG_SET, team: 'checkout' });
    expect(await client.getNumberValue('max-items', 0)).toBe(10);
  });

  it('per-flag values of each type, read as the type asked for; per-flag entries win over enable-all', async () => {
    const { wrapped } = overridden({
      FEATURE_FLAGS_OVERRIDE:
        'enable-all, payments-kill=false, headline=Howdy, max-items=42, theme={"color":"red","sizes":[1,2]}, brand-new=true, quoted="a,b"',
    });
    const client = await clientFor(wrapped);
    const source = { flagMetadata: { overridden: true, overrideSource: 'FEATURE_FLAGS_OVERRIDE' } };
    expect(await client.getBooleanDetails('payments-kill', true)).toMatchObject({
      value: false,
      ...OVERRIDE,
      ...source,
    });
    expect(await client.getStringDetails('headline', 'x')).toMatchObject({
      value: 'Howdy',
      ...OVERRIDE,
      ...source,
    });
    expect(await client.getNumberDetails('max-items', 0)).toMatchObject({
      value: 42,
      ...OVERRIDE,
      ...source,
    });
    expect(await client.getObjectDetails('theme', {})).toMatchObject({
      value: { color: 'red', sizes: [1, 2] },
      ...OVERRIDE,
      ...source,
    });
    // A flag the store does not have yet: develop against it before it exists.
    expect(await client.getBooleanValue('brand-new', false)).toBe(true);
    expect(await client.getStringValue('quoted', '')).toBe('a,b');
    // Text is read as the type asked for: the same entry serves a string.
    expect(await client.getStringValue('max-items', '')).toBe('42');
    // Not named, not boolean: the store answers.
    expect(await client.getStringValue('picker', '?', { pick: 'y' })).toBe('y');
  });

  it('lets a typed mismatch fall through to the store (one warning), and passes the store’s own errors on unchanged', async () => {
    const { wrapped, logger } = overridden({ FEATURE_FLAGS_OVERRIDE: 'max-items=lots,new-checkout=yes' });
    const client = await clientFor(wrapped);
    expect(await client.getNumberDetails('max-items', 0)).toMatchObject({ value: 10, variant: 'small' });
    expect(await client.getNumberValue('max-items', 0)).toBe(10);
    expect(await client.getBooleanDetails('new-checkout', false, { tier: 'pro' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
    const warnings = logger.lines.filter((line) => line.includes('which is not a'));
    expect(warnings).toEqual([
      expect.stringContaining(
        'FEATURE_FLAGS_OVERRIDE sets flag "max-items" to "lots", which is not a number',
      ),
      expect.stringContaining(
        'FEATURE_FLAGS_OVERRIDE sets flag "new-checkout" to "yes", which is not a boolean',
      ),
    ]);
    // The SDK's FirstMatchStrategy would report these as GENERAL; the app must see the store's codes.
    const mismatch = await client.getNumberDetails('headline', 1);
    expect(mismatch).toMatchObject({ value: 1, errorCode: ErrorCode.TYPE_MISMATCH });
    expect(mismatch.flagMetadata).toMatchObject({ flagSetId: FLAG_SET });
    expect(await client.getBooleanDetails('missing', true)).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
  });

  it('reads a file of typed values (relative to cwd); the variable’s entries win over the file’s', async () => {
    writeFileSync(
      join(dir, 'overrides.json'),
      JSON.stringify({
        'new-checkout': true,
        headline: 'From file',
        'max-items': 7,
        theme: { color: 'blue' },
      }),
    );
    const { wrapped, logger } = overridden(
      { FEATURE_FLAGS_OVERRIDE_FILE: './overrides.json', FEATURE_FLAGS_OVERRIDE: 'max-items=8' },
      { cwd: dir },
    );
    const client = await clientFor(wrapped);
    expect(await client.getBooleanDetails('new-checkout', false, { tier: 'free' })).toMatchObject({
      value: true,
      ...OVERRIDE,
      flagMetadata: { overridden: true, overrideSource: 'FEATURE_FLAGS_OVERRIDE_FILE' },
    });
    expect(await client.getStringValue('headline', 'x')).toBe('From file');
    expect(await client.getObjectValue('theme', {})).toEqual({ color: 'blue' });
    expect(await client.getNumberDetails('max-items', 0)).toMatchObject({
      value: 8,
      flagMetadata: { overrideSource: 'FEATURE_FLAGS_OVERRIDE' },
    });
    // File values are typed JSON: the boolean `true` is not the string "true"; the store answers.
    expect(await client.getStringValue('new-checkout', 'x')).toBe('x');
    expect(logger.lines.some((line) => line.includes('"new-checkout" to true, which is not a string'))).toBe(
      true,
    );
  });
});

describe('withOverrides: the loud start and production', () => {
  it('logs one warn line at start naming every source, value and the real provider', () => {
    writeFileSync(join(dir, 'qa.json'), JSON.stringify({ headline: 'QA' }));
    const { logger } = overridden(
      { FEATURE_FLAGS_OVERRIDE: 'enable-all,max-items=3', FEATURE_FLAGS_OVERRIDE_FILE: 'qa.json' },
      { cwd: dir },
    );
    expect(logger.lines).toEqual([
      'warn *** FEATURE FLAG OVERRIDES ACTIVE *** FEATURE_FLAGS_OVERRIDE=enable-all (every boolean flag is true); ' +
        'FEATURE_FLAGS_OVERRIDE_FILE: headline="QA"; FEATURE_FLAGS_OVERRIDE: max-items=3. ' +
        'These win over provider "ensign-memory"; every other flag comes from it.',
    ]);
  });

  it('refuses overrides when NODE_ENV=production, naming what is set and how to allow it', () => {
    const { provider } = storeProvider();
    const refused = (env: Record<string, string>) => () => withOverrides(provider, { env, logger: quiet });
    expect(refused({ NODE_ENV: 'production', FEATURE_FLAGS_OVERRIDE: 'enable-all' })).toThrow(
      FlagOverrideError,
    );
    expect(refused({ NODE_ENV: 'production', FEATURE_FLAGS_OVERRIDE: 'enable-all' })).toThrow(
      /^FEATURE_FLAGS_OVERRIDE set while NODE_ENV=production: .* allowInProduction: true/,
    );
    // Refused before the file is even read.
    expect(refused({ NODE_ENV: 'production', FEATURE_FLAGS_OVERRIDE_FILE: '/no/such/file.json' })).toThrow(
      /^FEATURE_FLAGS_OVERRIDE_FILE set while NODE_ENV=production/,
    );
  });

  it('serves overrides in production when explicitly allowed, and says so in the start line', async () => {
    const { wrapped, logger } = overridden(
      { NODE_ENV: 'production', FEATURE_FLAGS_OVERRIDE: 'new-checkout=true' },
      { allowInProduction: true },
    );
    expect(logger.lines).toEqual([
      expect.stringMatching(/^warn \*\*\* FEATURE FLAG OVERRIDES ACTIVE IN PRODUCTION/),
    ]);
    const client = await clientFor(wrapped);
    expect(await client.getBooleanValue('new-checkout', false, { tier: 'free' })).toBe(true);
  });
});

describe('withOverrides: errors name the variable and the entry', () => {
  const variable = (value: string) => () =>
    withOverrides(storeProvider().provider, { env: { FEATURE_FLAGS_OVERRIDE: value }, logger: quiet });
  const file = (content: string | undefined) => () => {
    const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    if (content !== undefined) writeFileSync(path, content);
    return withOverrides(storeProvider().provider, {
      env: { FEATURE_FLAGS_OVERRIDE_FILE: path },
      logger: quiet,
    });
  };

  it.each([
    ['new-checkout', 'FEATURE_FLAGS_OVERRIDE: entry "new-checkout" has no value; write new-checkout=true'],
    ['enable_all', 'FEATURE_FLAGS_OVERRIDE: entry "enable_all" has no value'],
    ['=true', 'FEATURE_FLAGS_OVERRIDE: entry "=true" has no flag key'],
    ['a=1,layout=', 'FEATURE_FLAGS_OVERRIDE: entry "layout=" has no value after "="'],
    ['a=1,a=2', 'FEATURE_FLAGS_OVERRIDE: flag "a" is set twice'],
    ['theme={"color":"red"', 'FEATURE_FLAGS_OVERRIDE: entry "theme={"color":"red"" has an unclosed bracket'],
    ['theme={color:red}', 'FEATURE_FLAGS_OVERRIDE: entry "theme={color:red}" is not valid JSON'],
  ])('FEATURE_FLAGS_OVERRIDE=%s', (value, message) => {
    expect(variable(value)).toThrow(FlagOverrideError);
    expect(variable(value)).toThrow(message);
  });

  it.each([
    [undefined, /^FEATURE_FLAGS_OVERRIDE_FILE \(.*\.json\) cannot be read: ENOENT$/],
    ['{"a": tru', /^FEATURE_FLAGS_OVERRIDE_FILE \(.*\) is not JSON: /],
    ['[true]', /^FEATURE_FLAGS_OVERRIDE_FILE \(.*\) must hold one JSON object of flag key → value/],
    ['{"ok": 1, "gone": null}', /^FEATURE_FLAGS_OVERRIDE_FILE \(.*\): entry "gone" is null/],
  ])('FEATURE_FLAGS_OVERRIDE_FILE holding %s', (content, message) => {
    expect(file(content)).toThrow(message);
  });
});

describe('withOverrides: the real provider behind it', () => {
  it('still delivers the store’s changes: a kill switch written to the store is served for flags not overridden', async () => {
    const { store, wrapped } = overridden({ FEATURE_FLAGS_OVERRIDE: 'new-checkout=true' });
    const client = await clientFor(wrapped);
    const events = recordEvents(client);
    events.splice(0);
    expect(await client.getBooleanValue('bookings-enabled', false)).toBe(true);

    await store.patchFlag(FLAG_SET, 'bookings-enabled', { state: 'DISABLED' }, { actor: 'oncall' });
    await until(() => events.length === 1, 'the kill switch change');
    expect(events).toEqual([
      { type: ProviderEvents.ConfigurationChanged, flagsChanged: ['bookings-enabled'] },
    ]);
    expect(await client.getBooleanDetails('bookings-enabled', false)).toMatchObject({
      value: false,
      reason: StandardResolutionReasons.DISABLED,
    });

    // A change to an overridden flag is announced, but the override keeps winning.
    await store.patchFlag(FLAG_SET, 'new-checkout', { state: 'DISABLED' }, { actor: 'oncall' });
    await until(() => events.length === 2, 'the second change');
    expect(events[1]).toEqual({ type: ProviderEvents.ConfigurationChanged, flagsChanged: ['new-checkout'] });
    expect(await client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, ...OVERRIDE });
  });

  it('sends track() to the real provider and answers its own-metadata question (widget hand-off)', async () => {
    const tracked: ProviderTrackingEvent[] = [];
    const { provider } = storeProvider({ trackingSink: { track: (event) => void tracked.push(event) } });
    const wrapped = withOverrides(provider, { env: { FEATURE_FLAGS_OVERRIDE: 'enable-all' }, logger: quiet });
    const client = await clientFor(wrapped);
    client.track('booked', { targetingKey: 'u1' }, { value: 3 });
    expect(tracked).toMatchObject([{ eventName: 'booked', flagSetId: FLAG_SET, details: { value: 3 } }]);
    expect((wrapped as OverridingProvider).ownFlagMetadata?.('new-checkout')).toEqual({
      kind: 'release',
      owner: 'payments',
    });
    // Over a provider that cannot answer it, the question is not offered at all, so the widget
    // hand-off falls back to its allowlist instead of refusing every flag.
    const overInMemory = withOverrides(new InMemoryProvider({}), {
      env: { FEATURE_FLAGS_OVERRIDE: 'enable-all' },
      logger: quiet,
    });
    expect(overInMemory).toBeInstanceOf(OverridingProvider);
    expect((overInMemory as OverridingProvider).ownFlagMetadata).toBeUndefined();
  });

  it('rejects a failed start with the real provider’s own error, and announces its recovery', async () => {
    class DownStore extends MemoryFlagStore {
      down = true;
      override async load(flagSet: string) {
        if (this.down) throw new Error('store is down');
        return super.load(flagSet);
      }
    }
    const store = new DownStore({ flagSets: { [FLAG_SET]: documentWithKillSwitch() } });
    const provider = new StoreProvider({
      store,
      flagSet: FLAG_SET,
      initTimeoutMs: 100,
      resyncIntervalMs: 50,
      logger: quiet,
    });
    const wrapped = withOverrides(provider, {
      env: { FEATURE_FLAGS_OVERRIDE: 'new-checkout=true' },
      logger: quiet,
    });
    const domain = newDomain();
    const client = OpenFeature.getClient(domain);
    const events = recordEvents(client);
    await expect(OpenFeature.setProviderAndWait(domain, wrapped)).rejects.toThrow(
      /^could not load flag set "checkout" from DownStore within 100 ms .*: store is down/,
    );
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    // Overrides are served even while the real provider is down.
    expect(await client.getBooleanValue('new-checkout', false)).toBe(true);

    store.down = false;
    await until(() => client.providerStatus === ProviderStatus.READY, 'PROVIDER_READY after recovery');
    expect(events.map((event) => event.type)).toEqual([ProviderEvents.Error, ProviderEvents.Ready]);
    expect(await client.getStringValue('headline', 'x')).toBe('Welcome');
  });
});
