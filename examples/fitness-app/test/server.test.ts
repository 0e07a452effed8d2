/**
 * The example server driven by a real MCP `Client` over the SDK's in-memory transport, on the
 * in-memory flag store, with `_meta["openai/subject"]` set per call as ChatGPT does.
 */
import { compileFlagSet } from '@ensign/core';
import { MemoryFlagStore } from '@ensign/store';
import { ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FitnessApp, readSampleFlags, startFitnessApp } from '../src/app.js';
import { applyDemoChange, readDemoFlags } from '../src/demo-controls.js';
import { BOOKING_LAYOUT, CANCEL_BOOKING, FLAG_SET, REFRESH_TOOL, WIDGET_FLAGS } from '../src/flag-keys.js';
import {
  CANCEL_NOT_AVAILABLE_MESSAGE,
  MAINTENANCE_MESSAGE,
  MCP_APP_MIME_TYPE,
  MCP_APP_URI,
  WIDGET_MIME_TYPE,
  WIDGET_URI,
} from '../src/server.js';
import { collectingLogger } from './support/collecting-logger.js';
import { type TestMcpClient, connectClient, textOf, widgetPayload } from './support/mcp-client.js';

const SUBJECTS = Array.from({ length: 200 }, (_, i) => `subject-${i}`);

describe('fitness app over MCP (memory store)', () => {
  let store: MemoryFlagStore;
  let app: FitnessApp;
  let mcp: TestMcpClient;
  const logger = collectingLogger();

  beforeAll(async () => {
    store = new MemoryFlagStore();
    app = await startFitnessApp({ store, domain: 'fitness-app-test-memory', logger });
    mcp = await connectClient(app);
  });

  afterAll(async () => {
    await mcp?.close();
    await app?.close();
    await store?.close();
  });

  it('lists both tools, whatever the user, with the widget template on list_bookings', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['cancel_booking', 'list_bookings', REFRESH_TOOL]);
    // The refresh tool is for the widget only: hidden from the model on both host contracts.
    expect(tools.find((tool) => tool.name === REFRESH_TOOL)?._meta).toEqual({
      ui: { visibility: ['app'] },
      'openai/visibility': 'private',
      'openai/widgetAccessible': true,
    });
    const list = tools.find((tool) => tool.name === 'list_bookings');
    expect(list?._meta?.['openai/outputTemplate']).toBe(WIDGET_URI);
    expect(list?._meta?.ui).toEqual({ resourceUri: MCP_APP_URI });
    const mcpApp = await mcp.client.readResource({ uri: MCP_APP_URI });
    expect(mcpApp.contents[0]?.mimeType).toBe(MCP_APP_MIME_TYPE);

    const { contents } = await mcp.client.readResource({ uri: WIDGET_URI });
    expect(contents).toHaveLength(1);
    expect(contents[0]?.mimeType).toBe(WIDGET_MIME_TYPE);
    const html = String(contents[0] && 'text' in contents[0] ? contents[0].text : '');
    expect(html).toMatch(/^<!doctype html>/);
    // The bundled widget reads flags through the OpenFeature web SDK from the hand-off key.
    expect(html).toContain('ensign/flags');
    expect(html).toContain('openai:set_globals');
  }, 60_000);

  it('puts users in stable buckets: same subject, same variants, in the configured proportions', async () => {
    const reference = compileFlagSet(await readSampleFlags(), { metadata: { version: 1 } });
    const layouts = new Map<string, number>();
    let cancelAvailable = 0;
    for (const subject of SUBJECTS) {
      const first = widgetPayload(await mcp.call('list_bookings', subject)).flags;
      const second = widgetPayload(await mcp.call('list_bookings', subject)).flags;
      expect(second[BOOKING_LAYOUT]?.variant).toBe(first[BOOKING_LAYOUT]?.variant);
      expect(second[CANCEL_BOOKING]?.variant).toBe(first[CANCEL_BOOKING]?.variant);
      // The server buckets exactly as the flag definition says (flagd's fractional).
      const expected = reference.evaluate(BOOKING_LAYOUT, 'string', 'list', { targetingKey: subject });
      expect(first[BOOKING_LAYOUT]?.value).toBe(expected.value);
      const layout = String(first[BOOKING_LAYOUT]?.value);
      layouts.set(layout, (layouts.get(layout) ?? 0) + 1);

      // The tool's own check agrees with what the widget was told, on every call.
      const canCancel = first[CANCEL_BOOKING]?.value === true;
      const cancel = await mcp.call('cancel_booking', subject, { bookingId: 'bk-101' });
      const again = await mcp.call('cancel_booking', subject, { bookingId: 'bk-101' });
      if (canCancel) {
        cancelAvailable++;
        expect(textOf(cancel)).toContain('Cancelled Sunrise Yoga');
        expect(textOf(again)).toContain('no upcoming booking with id bk-101');
      } else {
        expect(textOf(cancel)).toBe(CANCEL_NOT_AVAILABLE_MESSAGE);
        expect(textOf(again)).toBe(CANCEL_NOT_AVAILABLE_MESSAGE);
      }
    }
    // booking-layout is 34/33/33; cancel-booking is rolled out to 25%. Binomial 200 draws: the
    // bounds are more than 3 standard deviations wide.
    expect([...layouts.keys()].sort()).toEqual(['calendar', 'cards', 'list']);
    for (const count of layouts.values()) {
      expect(count / SUBJECTS.length).toBeGreaterThan(0.22);
      expect(count / SUBJECTS.length).toBeLessThan(0.45);
    }
    expect(cancelAvailable / SUBJECTS.length).toBeGreaterThan(0.15);
    expect(cancelAvailable / SUBJECTS.length).toBeLessThan(0.35);
  });

  it('hands the widget results only: no rules, weights, allowlists or server-only flags', async () => {
    const result = await mcp.call(
      'list_bookings',
      'subject-privacy',
      {},
      { 'openai/organization': 'acme-gyms' },
    );
    const payload = widgetPayload(result);
    expect(Object.keys(payload.flags).sort()).toEqual(Object.keys(WIDGET_FLAGS).sort());
    // acme-gyms is targeted: the rule matched, but the widget only learns the result.
    expect(payload.flags[CANCEL_BOOKING]).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    for (const entry of Object.values(payload.flags)) {
      for (const key of Object.keys(entry))
        expect(['value', 'variant', 'reason', 'errorCode', 'flagMetadata']).toContain(key);
      for (const key of Object.keys(entry.flagMetadata ?? {}))
        expect(['flagSetId', 'version', 'kind']).toContain(key);
    }
    const meta = JSON.stringify(result._meta);
    for (const secret of [
      'fractional',
      'targeting',
      'acme-gyms',
      'variants',
      'owner',
      'expiresAt',
      'bookings-enabled',
      'max-bookings-per-week',
      'premium-classes',
    ]) {
      expect(meta).not.toContain(secret);
    }
  });

  it('turns bookings off on the next call when the kill switch is flipped in the store, and back on', async () => {
    const before = await mcp.call('list_bookings', 'subject-kill');
    expect(before.structuredContent).toMatchObject({ maintenance: false });
    expect((before.structuredContent?.bookings as unknown[]).length).toBeGreaterThan(0);

    // The memory store announces the write before it returns, and the provider applies it at once.
    await applyDemoChange(store, { action: 'kill' }, 'test');
    const killed = await mcp.call('list_bookings', 'subject-kill');
    expect(textOf(killed)).toBe(MAINTENANCE_MESSAGE);
    expect(killed.structuredContent).toEqual({ bookings: [], maintenance: true });
    expect(killed._meta).toBeUndefined();
    expect(textOf(await mcp.call('cancel_booking', 'subject-kill', { bookingId: 'bk-102' }))).toBe(
      MAINTENANCE_MESSAGE,
    );
    expect((await readDemoFlags(store)).killed).toBe(true);
    // The kill-switch hook saw the evaluation and names who flipped it, from the audit log.
    await app.killSwitches.idle();
    expect(
      logger.lines.filter((line) => line.startsWith('kill switch "bookings-enabled" is active')),
    ).toEqual([expect.stringContaining('turned on by test at')]);

    await applyDemoChange(store, { action: 'revive' }, 'test');
    const revived = await mcp.call('list_bookings', 'subject-kill');
    expect(revived.structuredContent).toMatchObject({ maintenance: false });
    expect((await store.history(FLAG_SET, { limit: 2 })).map((entry) => entry.actor)).toEqual([
      'test',
      'test',
    ]);
  });

  it('widens the cancel-booking rollout for users outside it on their next call', async () => {
    const reference = compileFlagSet(await readSampleFlags());
    const outside = Array.from({ length: 50 }, (_, i) => `subject-rollout-${i}`).find(
      (subject) =>
        reference.evaluate(CANCEL_BOOKING, 'boolean', false, { targetingKey: subject }).value === false,
    ) as string;
    let onChanged: () => void = () => {};
    const changed = new Promise<void>((resolve) => {
      onChanged = resolve;
    });
    app.flags.addHandler(ProviderEvents.ConfigurationChanged, onChanged);
    expect(textOf(await mcp.call('cancel_booking', outside, { bookingId: 'bk-103' }))).toBe(
      CANCEL_NOT_AVAILABLE_MESSAGE,
    );

    await applyDemoChange(store, { action: 'rollout', percent: 100 }, 'test');
    await changed;
    app.flags.removeHandler(ProviderEvents.ConfigurationChanged, onChanged);
    expect((await readDemoFlags(store)).cancelRolloutPercent).toBe(100);
    expect(textOf(await mcp.call('cancel_booking', outside, { bookingId: 'bk-103' }))).toContain(
      'Cancelled Spin Intervals',
    );
    expect(widgetPayload(await mcp.call('list_bookings', outside)).flags[CANCEL_BOOKING]?.value).toBe(true);

    await applyDemoChange(store, { action: 'rollout', percent: 0 }, 'test');
    expect(widgetPayload(await mcp.call('list_bookings', outside)).flags[CANCEL_BOOKING]?.value).toBe(false);
    await expect(applyDemoChange(store, { action: 'rollout', percent: 101 })).rejects.toThrow(
      /percent must be an integer/,
    );
  });
});
