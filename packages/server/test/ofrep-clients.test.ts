/**
 * The real OpenFeature OFREP server provider (`@openfeature/ofrep-provider` 0.1.3 with
 * `@openfeature/ofrep-core` 0.1.4) through the OpenFeature server SDK, against single-flag
 * evaluation: values of every type, reasons, variants, metadata, errors, and rate limiting.
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { ErrorCode, OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../src/index.js';
import { closeServer } from './ofrep/close.js';
import { ofrepFlags } from './ofrep/flags.js';
import { type TestServer, startServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ shop: ofrepFlags() });
});
afterAll(async () => {
  await OpenFeature.clearProviders();
  await closeServer(t);
});

/** A client of the real OFREP provider with `token`, counting the HTTP requests it makes. */
async function ofrepClient(domain: string, token: string) {
  const requests = { count: 0 };
  const provider = new OFREPProvider({
    baseUrl: t.url,
    headers: { Authorization: `Bearer ${token}` },
    fetchImplementation: (input, init) => {
      requests.count++;
      return fetch(input, init);
    },
  });
  await OpenFeature.setProviderAndWait(domain, provider);
  return { client: OpenFeature.getClient(domain), requests };
}

describe('OFREP with @openfeature/ofrep-provider', () => {
  it('evaluates every value type with the server’s reasons, variants and metadata', async () => {
    const { client } = await ofrepClient('ofrep-values', t.tokens.server);
    const context = { targetingKey: 'u1', tier: 'pro', country: 'US', email: 'a@vip.example' };
    expect(await client.getBooleanDetails('banner', false, context)).toMatchObject({
      value: true,
      reason: 'STATIC',
      variant: 'on',
      flagMetadata: { flagSetId: 'shop', version: 1, clientSide: true, kind: 'release' },
    });
    expect(await client.getStringDetails('checkout-layout', 'list', context)).toMatchObject({
      value: 'grid',
      reason: 'TARGETING_MATCH',
      variant: 'grid',
    });
    expect(await client.getStringDetails('checkout-layout', 'x', { targetingKey: 'u1' })).toMatchObject({
      value: 'list',
      reason: 'DEFAULT',
    });
    expect(await client.getNumberValue('internal-pricing', 1, context)).toBe(1.25);
    expect(await client.getObjectValue('secret-discount', {}, context)).toEqual({
      percent: 20,
      code: 'VIP20',
    });
  });

  it('maps the server’s error answers to OpenFeature error codes, with the caller’s default', async () => {
    const { client } = await ofrepClient('ofrep-errors', t.tokens.server);
    expect(await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u1' })).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(await client.getNumberDetails('runtime-broken', 7, { pick: 'zz' })).toMatchObject({
      value: 7,
      errorCode: ErrorCode.GENERAL,
    });
    expect(await client.getStringDetails('banner', 'x', {})).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    // This provider predates OFREP's code-default answers (no `value`): it reports an error, but
    // the app still gets its own default, so a kill switch works through it.
    expect(await client.getBooleanDetails('admin-tools', false, {})).toMatchObject({
      value: false,
      reason: 'ERROR',
    });
  });

  it('reports a refused token as an error and keeps the default', async () => {
    const { client } = await ofrepClient('ofrep-refused', t.tokens.viewer);
    expect(await client.getBooleanDetails('banner', false, {})).toMatchObject({
      value: false,
      errorCode: ErrorCode.GENERAL,
    });
  });

  it('honours 429 and Retry-After: no request until the pause is over, then evaluates again', async () => {
    const { token } = await issueToken(t.server.context.state, {
      name: 'slow-service',
      role: 'server',
      flagSets: ['shop'],
      rateLimit: 1,
      createdBy: 'test',
    });
    const { client, requests } = await ofrepClient('ofrep-429', token);
    const values: boolean[] = [];
    let limited = -1;
    for (let i = 0; i < 5 && limited < 0; i++) {
      const details = await client.getBooleanDetails('banner', false, {});
      values.push(details.value);
      if (details.errorCode !== undefined) limited = i;
    }
    expect(values.slice(0, 2)).toEqual([true, true]); // the burst (twice the rate)
    expect(limited).toBeGreaterThanOrEqual(2);
    const sent = requests.count;
    // Paused: the provider does not even ask the server.
    const paused = await client.getBooleanDetails('banner', false, {});
    expect(paused).toMatchObject({ value: false, errorCode: ErrorCode.GENERAL });
    expect(paused.errorMessage).toMatch(/paused/);
    expect(requests.count).toBe(sent);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await client.getBooleanValue('banner', false, {})).toBe(true);
    expect(requests.count).toBe(sent + 1);
  });
});
