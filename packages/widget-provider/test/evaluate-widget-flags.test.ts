import { type Hook, OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLAGS_META_KEY,
  NotClientSideFlagError,
  attachWidgetFlags,
  contextFromMcpRequest,
  evaluateWidgetFlags,
} from '../src/server/index.js';
import { CoreFlagSetProvider } from './support/core-provider.js';
import { ALLOWLISTED_USERS, BOOKING_FLAGS } from './support/flags.js';

const DOMAIN = 'widget-hand-off-test';
const WIDGET_FLAGS = {
  'booking-layout': 'list',
  'cancel-booking': false,
  'booking-kill-switch': true,
  'max-bookings': 1,
};
const evaluated: string[] = [];
const recordingHook: Hook = { after: (hookContext) => void evaluated.push(hookContext.flagKey) };

describe(evaluateWidgetFlags.name, () => {
  beforeAll(async () => {
    await OpenFeature.setProviderAndWait(
      DOMAIN,
      new CoreFlagSetProvider(BOOKING_FLAGS, { flagSetId: 'bookings', version: 4 }),
    );
  });
  afterAll(async () => {
    await OpenFeature.clearProviders();
  });

  it('returns results only, typed by the default values, through the client so hooks run', async () => {
    const client = OpenFeature.getClient(DOMAIN);
    client.addHooks(recordingHook);
    const payload = await evaluateWidgetFlags(
      client,
      WIDGET_FLAGS,
      { targetingKey: 'user-1', country: 'SE' },
      { issuedAt: 1234 },
    );
    expect(payload).toEqual({
      v: 1,
      issuedAt: 1234,
      flags: {
        'booking-layout': {
          value: 'grid',
          variant: 'grid',
          reason: 'TARGETING_MATCH',
          flagMetadata: { flagSetId: 'bookings', version: 4, kind: 'experiment' },
        },
        'cancel-booking': expect.objectContaining({ reason: 'TARGETING_MATCH', value: expect.any(Boolean) }),
        // Disabled: no value, so the widget falls back to its own default.
        'booking-kill-switch': {
          reason: 'DISABLED',
          flagMetadata: { flagSetId: 'bookings', version: 4, kind: 'kill-switch' },
        },
        'max-bookings': {
          value: 3,
          variant: 'few',
          reason: 'STATIC',
          flagMetadata: { flagSetId: 'bookings', version: 4 },
        },
      },
    });
    expect(evaluated).toEqual(expect.arrayContaining(Object.keys(WIDGET_FLAGS)));
  });

  it('never puts rules, weights, allowlists, owners or other users into the payload', async () => {
    const payload = await evaluateWidgetFlags(
      OpenFeature.getClient(DOMAIN),
      WIDGET_FLAGS,
      {
        targetingKey: 'user-1',
        country: 'US',
      },
      { issuedAt: 1000 },
    );
    const text = JSON.stringify(payload);
    for (const secret of [
      ...ALLOWLISTED_USERS,
      'fractional',
      'targeting',
      '"var"',
      'SE',
      '25',
      '75',
      'growth@example.com',
      'owner',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('user-1'); // not even the caller's own id
    expect(payload.flags['booking-layout']).toMatchObject({ value: 'list', reason: 'DEFAULT' });
  });

  it('refuses flags not marked clientSide, naming them, instead of leaking their values', async () => {
    const client = OpenFeature.getClient(DOMAIN);
    const asked = evaluateWidgetFlags(
      client,
      { 'booking-layout': 'list', 'refund-override': false },
      { targetingKey: 'staff-user-9' },
    );
    await expect(asked).rejects.toBeInstanceOf(NotClientSideFlagError);
    await expect(asked).rejects.toThrow(/"refund-override".*clientSide/);
    await expect(asked).rejects.toMatchObject({ flagKeys: ['refund-override'] });
  });

  it('passes failed evaluations on as errors without a value', async () => {
    const payload = await evaluateWidgetFlags(OpenFeature.getClient(DOMAIN), {
      'no-such-flag': 'x',
      'booking-layout': 42,
    });
    expect(payload.flags['no-such-flag']).toEqual({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(payload.flags['booking-layout']).toEqual({ reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('forwards only the allowed metadata keys and can omit issuedAt', async () => {
    const payload = await evaluateWidgetFlags(
      OpenFeature.getClient(DOMAIN),
      { 'booking-layout': 'list' },
      { targetingKey: 'u' },
      { metadataKeys: ['version'], issuedAt: false },
    );
    expect(payload).toEqual({
      v: 1,
      flags: {
        'booking-layout': { value: 'list', variant: 'list', reason: 'DEFAULT', flagMetadata: { version: 4 } },
      },
    });
  });

  it('buckets a user the same way on every call', async () => {
    const client = OpenFeature.getClient(DOMAIN);
    const values = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const payload = await evaluateWidgetFlags(
        client,
        { 'cancel-booking': false },
        { targetingKey: 'stable-user' },
      );
      values.add(payload.flags['cancel-booking']?.value);
    }
    expect(values.size).toBe(1);
  });
});

describe(attachWidgetFlags.name, () => {
  it('adds the payload under its key and keeps the existing _meta', () => {
    const payload = { v: 1 as const, flags: { a: { value: true, reason: 'STATIC' } } };
    const result = { content: [], _meta: { 'openai/outputTemplate': 'ui://widget/bookings.html' } };
    const attached = attachWidgetFlags(result, payload);
    expect(attached._meta).toEqual({
      'openai/outputTemplate': 'ui://widget/bookings.html',
      [FLAGS_META_KEY]: payload,
    });
    expect(result._meta).not.toHaveProperty(FLAGS_META_KEY); // the input is not mutated
    expect(attachWidgetFlags({ content: [] }, payload)._meta).toEqual({ [FLAGS_META_KEY]: payload });
  });

  it('with live, adds the OFREP base URL and the widget token to the payload, and checks both', () => {
    const payload = { v: 1 as const, issuedAt: 5, flags: { a: { value: true, reason: 'STATIC' } } };
    const attached = attachWidgetFlags({ content: [] }, payload, {
      live: { url: 'https://flags.example.com/', token: 'ensw1.iv.body' },
    });
    expect(attached._meta[FLAGS_META_KEY]).toEqual({
      ...payload,
      live: { url: 'https://flags.example.com', token: 'ensw1.iv.body' },
    });
    expect(payload).not.toHaveProperty('live');
    expect(() =>
      attachWidgetFlags({ content: [] }, payload, { live: { url: 'flags.example.com', token: 't' } }),
    ).toThrow(/live\.url "flags\.example\.com"/);
    expect(() =>
      attachWidgetFlags({ content: [] }, payload, {
        live: { url: 'https://f.example/?token=x', token: 't' },
      }),
    ).toThrow(/live\.url/);
    expect(() =>
      attachWidgetFlags({ content: [] }, payload, { live: { url: 'https://f.example', token: '' } }),
    ).toThrow(/live\.token/);
  });
});

describe(contextFromMcpRequest.name, () => {
  const meta = {
    'openai/subject': 'subj-1',
    'openai/session': 'sess-1',
    'openai/locale': 'sv-SE',
    'openai/userLocation': { city: 'Malmö', region: 'Skåne', country: 'SE', timezone: 'Europe/Stockholm' },
    'openai/organization': 'org-1',
  };

  it('uses the authenticated user first, never the OAuth client id', () => {
    const context = contextFromMcpRequest({
      authInfo: { token: 't', clientId: 'chatgpt-connector', scopes: [], extra: { userId: 'user-42' } },
      _meta: meta,
    });
    expect(context).toEqual({
      targetingKey: 'user-42',
      targetingKeySource: 'auth',
      authenticated: true,
      locale: 'sv-SE',
      country: 'SE',
      region: 'Skåne',
      organization: 'org-1',
    });
    expect(contextFromMcpRequest({ authInfo: { clientId: 'chatgpt-connector' }, _meta: meta })).toMatchObject(
      {
        targetingKey: 'subj-1',
        authenticated: false,
      },
    );
    expect(
      contextFromMcpRequest({ authInfo: { clientId: 'c', extra: { sub: 'oidc-sub' } } }).targetingKey,
    ).toBe('oidc-sub');
    expect(
      contextFromMcpRequest(
        { authInfo: { clientId: 'c', extra: { account: 'acct-9' } } },
        { userId: (auth) => auth.extra?.account as string },
      ).targetingKey,
    ).toBe('acct-9');
  });

  it('falls back to openai/subject, then openai/session, then no targeting key', () => {
    expect(contextFromMcpRequest({ _meta: meta })).toMatchObject({
      targetingKey: 'subj-1',
      targetingKeySource: 'subject',
      authenticated: false,
    });
    expect(contextFromMcpRequest({ _meta: { 'openai/session': 'sess-1' } })).toEqual({
      targetingKey: 'sess-1',
      targetingKeySource: 'session',
      authenticated: false,
    });
    expect(contextFromMcpRequest({})).toEqual({ authenticated: false });
    expect(
      contextFromMcpRequest({
        _meta: { 'openai/subject': '', 'openai/session': 42, 'openai/userLocation': 'SE' },
      }),
    ).toEqual({ authenticated: false });
  });

  it('accepts the MCP SDK request handler extra as is', async () => {
    const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const server = new McpServer({ name: 'test', version: '1.0.0' });
    server.registerTool('whoami', { description: 'context' }, async (extra) => ({
      content: [{ type: 'text', text: JSON.stringify(contextFromMcpRequest(extra)) }],
    }));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'c', version: '1.0.0' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {}, _meta: meta });
      const text = (result.content as { text: string }[])[0]?.text ?? '';
      expect(JSON.parse(text)).toMatchObject({
        targetingKey: 'subj-1',
        country: 'SE',
        locale: 'sv-SE',
        organization: 'org-1',
      });
    } finally {
      await client.close();
      await server.close();
    }
  });
});
