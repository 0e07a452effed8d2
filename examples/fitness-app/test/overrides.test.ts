/**
 * The example app with local overrides (`FEATURE_FLAGS_OVERRIDE`, as `pnpm dev` / `npm start`
 * read it from the environment): forced values reach the tool handlers and the widget, the start
 * line says so, and the store's kill switch keeps working for flags that are not overridden.
 */
import { compileFlagSet } from '@ensign/core';
import { MemoryFlagStore } from '@ensign/store';
import { ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FitnessApp, readSampleFlags, startFitnessApp } from '../src/app.js';
import { applyDemoChange } from '../src/demo-controls.js';
import { BOOKING_LAYOUT, CANCEL_BOOKING } from '../src/flag-keys.js';
import { MAINTENANCE_MESSAGE } from '../src/server.js';
import { collectingLogger } from './support/collecting-logger.js';
import { type TestMcpClient, connectClient, textOf, widgetPayload } from './support/mcp-client.js';

describe('fitness app with FEATURE_FLAGS_OVERRIDE', () => {
  let store: MemoryFlagStore;
  let app: FitnessApp;
  let mcp: TestMcpClient;
  const logger = collectingLogger();

  beforeAll(async () => {
    store = new MemoryFlagStore();
    app = await startFitnessApp({
      store,
      domain: 'fitness-app-test-overrides',
      logger,
      env: { FEATURE_FLAGS_OVERRIDE: 'cancel-booking=true,booking-layout=cards' },
    });
    mcp = await connectClient(app);
  });

  afterAll(async () => {
    await mcp?.close();
    await app?.close();
    await store?.close();
  });

  it('logs the overrides once at start', () => {
    expect(logger.lines.filter((line) => line.includes('FEATURE FLAG OVERRIDES ACTIVE'))).toEqual([
      expect.stringContaining(
        'FEATURE_FLAGS_OVERRIDE: cancel-booking=true, booking-layout=cards. These win over provider "ensign-memory"',
      ),
    ]);
  });

  it('lets a user outside the rollout cancel, and shows the widget the forced layout', async () => {
    const reference = compileFlagSet(await readSampleFlags());
    const subjects = Array.from({ length: 50 }, (_, i) => `subject-override-${i}`);
    const outside = subjects.find(
      (subject) =>
        reference.evaluate(CANCEL_BOOKING, 'boolean', false, { targetingKey: subject }).value === false &&
        reference.evaluate<string>(BOOKING_LAYOUT, 'string', 'list', { targetingKey: subject }).value !==
          'cards',
    ) as string;
    expect(outside).toBeDefined();
    const payload = widgetPayload(await mcp.call('list_bookings', outside));
    // Still handed over without an allowlist: the store marks both flags clientSide.
    expect(payload.flags[CANCEL_BOOKING]).toMatchObject({
      value: true,
      variant: 'override',
      reason: 'STATIC',
    });
    expect(payload.flags[BOOKING_LAYOUT]).toMatchObject({ value: 'cards', variant: 'override' });
    expect(textOf(await mcp.call('cancel_booking', outside, { bookingId: 'bk-103' }))).toContain('Cancelled');
  });

  it('still turns bookings off when the kill switch is flipped in the store', async () => {
    const changed = new Promise<void>((resolve) => {
      const handler = () => {
        app.flags.removeHandler(ProviderEvents.ConfigurationChanged, handler);
        resolve();
      };
      app.flags.addHandler(ProviderEvents.ConfigurationChanged, handler);
    });
    await applyDemoChange(store, { action: 'kill' }, 'test');
    await changed;
    expect(textOf(await mcp.call('list_bookings', 'subject-override-kill'))).toBe(MAINTENANCE_MESSAGE);
    await applyDemoChange(store, { action: 'revive' }, 'test');
  });
});
