import type { FlagSetDocument } from '@ensign/core';
import { OpenFeature, type Provider, TypedInMemoryProvider } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { NotClientSideFlagError, evaluateWidgetFlags } from '../src/server/index.js';
import { CoreFlagSetProvider } from './support/core-provider.js';
import { BOOKING_FLAGS } from './support/flags.js';
import { withoutOwnMetadata } from './support/foreign-provider.js';

/** The seed flags with `clientSide: true` in the set's metadata, as a set-level "default". */
const SET_MARKED: FlagSetDocument = { ...BOOKING_FLAGS, metadata: { clientSide: true } };

let domains = 0;
async function clientFor(provider: Provider) {
  const domain = `client-side-${++domains}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  return OpenFeature.getClient(domain);
}

afterAll(async () => {
  await OpenFeature.clearProviders();
});

describe('which flags evaluateWidgetFlags hands over', () => {
  describe('on our evaluator (the flag’s own metadata decides)', () => {
    it('ignores clientSide in the set metadata: only flags marked on themselves are handed over', async () => {
      const client = await clientFor(new CoreFlagSetProvider(SET_MARKED, { flagSetId: 'bookings' }));
      // The merged metadata the provider returns does say clientSide: true for the server-only flag.
      expect((await client.getBooleanDetails('refund-override', false)).flagMetadata).toMatchObject({
        clientSide: true,
      });
      const asked = evaluateWidgetFlags(client, { 'booking-layout': 'list', 'refund-override': false });
      await expect(asked).rejects.toBeInstanceOf(NotClientSideFlagError);
      await expect(asked).rejects.toMatchObject({ flagKeys: ['refund-override'] });
      await expect(asked).rejects.toThrow(/"refund-override".*on the flag itself/);
      const payload = await evaluateWidgetFlags(client, { 'booking-layout': 'list' }, { targetingKey: 'u' });
      expect(payload.flags['booking-layout']).toMatchObject({ value: 'list', reason: 'DEFAULT' });
    });

    it('refuses a server-only flag whose evaluation failed, instead of revealing it in the payload', async () => {
      const client = await clientFor(new CoreFlagSetProvider(BOOKING_FLAGS));
      // A string default for a boolean flag: TYPE_MISMATCH, which still tells the widget the flag exists.
      const asked = evaluateWidgetFlags(client, { 'booking-layout': 'list', 'refund-override': 'x' });
      await expect(asked).rejects.toMatchObject({
        name: 'NotClientSideFlagError',
        flagKeys: ['refund-override'],
      });
    });

    it('still hands over FLAG_NOT_FOUND and the errors of client-side flags, without a value', async () => {
      const client = await clientFor(new CoreFlagSetProvider(SET_MARKED));
      const payload = await evaluateWidgetFlags(client, { 'no-such-flag': 'x', 'booking-layout': 42 });
      expect(payload.flags).toEqual({
        'no-such-flag': { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
        'booking-layout': { reason: 'ERROR', errorCode: 'TYPE_MISMATCH' },
      });
    });

    it('lets the allowlist narrow the flags, never widen them', async () => {
      const client = await clientFor(new CoreFlagSetProvider(BOOKING_FLAGS));
      const clientSideFlags = ['booking-layout', 'refund-override'];
      const narrowed = evaluateWidgetFlags(
        client,
        { 'booking-layout': 'list', 'cancel-booking': false },
        {},
        { clientSideFlags },
      );
      // cancel-booking is marked clientSide on the flag, but this app did not list it.
      await expect(narrowed).rejects.toMatchObject({ flagKeys: ['cancel-booking'] });
      await expect(narrowed).rejects.toThrow(/"cancel-booking".*clientSideFlags/);
      const widened = evaluateWidgetFlags(client, { 'refund-override': false }, {}, { clientSideFlags });
      await expect(widened).rejects.toMatchObject({ flagKeys: ['refund-override'] });
      const payload = await evaluateWidgetFlags(
        client,
        { 'booking-layout': 'list' },
        {},
        { clientSideFlags },
      );
      expect(Object.keys(payload.flags)).toEqual(['booking-layout']);
    });
  });

  describe('on providers that cannot tell a flag’s own metadata (the app’s allowlist decides)', () => {
    // OpenFeature's own in-memory provider (TypedInMemoryProvider is the SDK's InMemoryProvider
    // with typed configuration): it returns no flag metadata at all.
    const inMemory = () =>
      new TypedInMemoryProvider({
        'booking-layout': {
          variants: { list: 'list', grid: 'grid' },
          defaultVariant: 'grid',
          disabled: false,
        },
        'cancel-booking': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: true },
        'refund-override': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
      });

    it('hands over the allowlisted flags of OpenFeature’s InMemoryProvider', async () => {
      const client = await clientFor(inMemory());
      const payload = await evaluateWidgetFlags(
        client,
        { 'booking-layout': 'list', 'cancel-booking': false, 'no-such-flag': 1 },
        {},
        { clientSideFlags: ['booking-layout', 'cancel-booking', 'no-such-flag'], issuedAt: 5 },
      );
      expect(payload).toEqual({
        v: 1,
        issuedAt: 5,
        flags: {
          'booking-layout': { value: 'grid', variant: 'grid', reason: 'STATIC' },
          'cancel-booking': { reason: 'DISABLED' },
          'no-such-flag': { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
        },
      });
    });

    it('refuses flags outside the allowlist, and every flag when there is none, naming the option', async () => {
      const client = await clientFor(inMemory());
      const outside = evaluateWidgetFlags(
        client,
        { 'booking-layout': 'list', 'refund-override': false },
        {},
        { clientSideFlags: ['booking-layout'] },
      );
      await expect(outside).rejects.toMatchObject({ flagKeys: ['refund-override'] });
      const none = evaluateWidgetFlags(client, { 'booking-layout': 'list', 'cancel-booking': false });
      await expect(none).rejects.toMatchObject({ flagKeys: ['booking-layout', 'cancel-booking'] });
      await expect(none).rejects.toThrow(/does not report a flag's own metadata.*clientSideFlags/);
    });

    it('does not trust merged metadata from a third-party provider: set-level clientSide marks nothing', async () => {
      const client = await clientFor(withoutOwnMetadata(new CoreFlagSetProvider(SET_MARKED)));
      expect((await client.getBooleanDetails('refund-override', false)).flagMetadata).toMatchObject({
        clientSide: true,
      });
      await expect(evaluateWidgetFlags(client, { 'refund-override': false })).rejects.toMatchObject({
        flagKeys: ['refund-override'],
      });
      const payload = await evaluateWidgetFlags(
        client,
        { 'booking-layout': 'list' },
        {},
        { clientSideFlags: ['booking-layout'] },
      );
      expect(payload.flags['booking-layout']).toMatchObject({ value: 'list', reason: 'DEFAULT' });
    });
  });

  it('reads own metadata only from the provider the client reports evaluating with', async () => {
    const client = await clientFor(new CoreFlagSetProvider(BOOKING_FLAGS));
    // As a client of another OpenFeature API instance would: same domain, another provider.
    const elsewhere = new Proxy(client, {
      get: (target, property) =>
        property === 'metadata'
          ? { ...target.metadata, providerMetadata: { name: 'elsewhere' } }
          : Reflect.get(target, property, target),
    });
    const asked = evaluateWidgetFlags(elsewhere, { 'booking-layout': 'list' });
    await expect(asked).rejects.toMatchObject({
      reasons: new Map([['booking-layout', 'no-metadata-source']]),
    });
  });

  it('before the provider is ready, hands over PROVIDER_NOT_READY for client-side flags only', async () => {
    class LoadingProvider extends CoreFlagSetProvider {
      initialize = () => new Promise<void>(() => {});
    }
    const domain = `client-side-${++domains}`;
    OpenFeature.setProvider(domain, new LoadingProvider(BOOKING_FLAGS));
    const client = OpenFeature.getClient(domain);
    const payload = await evaluateWidgetFlags(client, { 'booking-layout': 'list' });
    expect(payload.flags).toEqual({ 'booking-layout': { reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' } });
    await expect(evaluateWidgetFlags(client, { 'refund-override': false })).rejects.toMatchObject({
      flagKeys: ['refund-override'],
    });
  });

  it('keeps a flag named __proto__ as an own key of the payload', async () => {
    const client = await clientFor(
      new TypedInMemoryProvider({
        ['__proto__']: { variants: { on: true }, defaultVariant: 'on', disabled: false },
      }),
    );
    const payload = await evaluateWidgetFlags(
      client,
      { ['__proto__']: false },
      {},
      { clientSideFlags: ['__proto__'] },
    );
    expect(Object.hasOwn(payload.flags, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(payload)).flags).toEqual(
      JSON.parse('{"__proto__":{"value":true,"variant":"on","reason":"STATIC"}}'),
    );
  });
});
