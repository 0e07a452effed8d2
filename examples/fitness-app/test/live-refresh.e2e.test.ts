/**
 * Live refresh as a user sees it: the simulated ChatGPT and MCP Apps hosts and the example widget
 * in Debian's Chromium (playwright-core), the example app, and an Ensign server on another origin
 * than the widget (so CORS is real; the MCP Apps frame is sandboxed, origin `null`). Flags are
 * changed with the `ensign` command, as the on-call engineer would; the widget is never sent a
 * new tool result unless a test says so.
 */
import { killFlag } from '@ensign/store';
import { type Browser, type Frame, type FrameLocator, type Page, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOOKING_LAYOUT, CANCEL_BOOKING, FLAG_SET } from '../src/flag-keys.js';
import { LiveStack, WIDGET_SECRET } from './support/live-stack.js';

/** Generous: the machine is shared, the first call bundles the widget, restarts back off. */
const POLL = { timeout: 20_000 };

let stack: LiveStack;
let browser: Browser;
/** A second stack whose widget tokens live 2 seconds (see the last test). */
let shortLived: LiveStack;

/** An open widget in the host page, as one user of acme-gyms (everyone there may cancel). */
interface OpenWidget {
  page: Page;
  widget: FrameLocator;
  frame: () => Frame;
  /** The tool results the host received (the page's `_meta` panel changes with each). */
  toolResults: () => Promise<string | null>;
  cancelButtons: () => Promise<number>;
  liveStatus: () => Promise<string | null>;
}

async function openWidget(
  host: 'openai' | 'mcp-apps',
  subject: string,
  query = '',
  on: LiveStack = stack,
): Promise<OpenWidget> {
  const page = await browser.newPage();
  await page.goto(`${on.http.url}/${query}`);
  await page.selectOption('#host-kind', host);
  await page.fill('#subject', subject);
  await page.selectOption('#organization', 'acme-gyms');
  await page.click('#call');
  const widget = page.frameLocator('#widget');
  await expect.poll(() => widget.locator('button', { hasText: 'Cancel' }).count(), POLL).toBeGreaterThan(0);
  return {
    page,
    widget,
    frame: () => {
      const frame = page.frames().find((f) => f !== page.mainFrame());
      if (!frame) throw new Error('no widget frame');
      return frame;
    },
    toolResults: () => page.locator('#meta').textContent(),
    cancelButtons: () => widget.locator('button', { hasText: 'Cancel' }).count(),
    liveStatus: () => widget.locator('[data-live-status]').getAttribute('data-live-status'),
  };
}

/** What the server decides for this user now (the app's own OpenFeature client). */
const serverLayout = (subject: string) =>
  stack.app.flags.getStringValue(BOOKING_LAYOUT, 'list', {
    targetingKey: subject,
    organization: 'acme-gyms',
  });

beforeAll(async () => {
  stack = await new LiveStack().start({ domain: 'fitness-app-test-live-e2e' });
  shortLived = await new LiveStack().start({ domain: 'fitness-app-test-live-e2e-ttl', tokenTtlSeconds: 2 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

// A test that fails half-way must not leave a live widget (its requests would count in the next
// test) or a killed flag behind.
afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close();
  await stack?.reset();
  await shortLived?.reset();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await shortLived?.close();
});

describe('open widgets follow flag changes (OFREP event stream, widget tokens)', () => {
  it.each(['openai', 'mcp-apps'] as const)(
    'in the %s host: ensign kill removes the Cancel buttons without a tool call, one bulk request per change',
    async (host) => {
      const subject = `live-${host}-user`;
      const w = await openWidget(host, subject);
      await expect.poll(w.liveStatus, POLL).toBe('live');
      // Another origin than the server: the app's (ChatGPT mode) or a sandbox's opaque `null`.
      const origin = await w.frame().evaluate(() => window.origin);
      expect(origin).toBe(host === 'openai' ? stack.http.url : 'null');
      expect(origin).not.toBe(stack.ensignUrl);
      const before = stack.count();
      const results = await w.toolResults();

      await stack.ensignCli('kill', CANCEL_BOOKING, '--reason', 'e2e: broken cancel');
      await expect.poll(w.cancelButtons, POLL).toBe(0);
      await expect
        .poll(() => w.widget.locator('footer').textContent(), POLL)
        .toContain(`release ${CANCEL_BOOKING}: DISABLED`);
      // The tool handler enforces the kill switch too: the widget is untrusted UI.
      expect(await stack.app.flags.getBooleanValue(CANCEL_BOOKING, false, { targetingKey: subject })).toBe(
        false,
      );

      await stack.ensignCli('flag', 'restore', CANCEL_BOOKING);
      await expect.poll(w.cancelButtons, POLL).toBeGreaterThan(0);
      // The server's decision, live: the experiment moved everyone to `cards`.
      await stack.ensignCli('flag', 'weights', BOOKING_LAYOUT, 'list=0', 'cards=100', 'calendar=0');
      await expect
        .poll(() => w.widget.locator('[data-layout]').getAttribute('data-layout'), POLL)
        .toBe('cards');
      expect(await serverLayout(subject)).toBe('cards');
      await stack.ensignCli('flag', 'weights', BOOKING_LAYOUT, 'list=34', 'cards=33', 'calendar=33');
      await expect
        .poll(() => w.widget.locator('[data-layout]').getAttribute('data-layout'), POLL)
        .toBe(await serverLayout(subject));

      // No new tool result reached the host, and no polling: one bulk request per change, one stream.
      expect(await w.toolResults()).toBe(results);
      await w.page.waitForTimeout(1_500);
      expect(stack.count().bulk - before.bulk).toBe(4);
      expect(stack.count().streams - before.streams).toBe(0);
      expect(await w.liveStatus()).toBe('live');
      await w.page.close();
    },
    90_000,
  );

  it('opens with one bulk request and one stream, showing the variants the server decided', async () => {
    const before = stack.count();
    const subjects = ['variant-user-1', 'variant-user-2', 'variant-user-3'];
    for (const subject of subjects) {
      const w = await openWidget('openai', subject);
      await expect.poll(w.liveStatus, POLL).toBe('live');
      expect(await w.widget.locator('[data-layout]').getAttribute('data-layout')).toBe(
        await serverLayout(subject),
      );
      await w.page.close();
    }
    expect(stack.count().bulk - before.bulk).toBe(subjects.length);
    expect(stack.count().streams - before.streams).toBe(subjects.length);
  }, 90_000);

  it('reconnects after the server restarts and catches up on a kill made while it was down', async () => {
    const w = await openWidget('openai', 'restart-user');
    await expect.poll(w.liveStatus, POLL).toBe('live');
    const results = await w.toolResults();
    await stack.stopEnsign();
    await expect.poll(w.liveStatus, POLL).toBe('retrying');
    // The kill goes to the store directly (the server is down); the app's handlers see it at once.
    await killFlag(stack.store, FLAG_SET, CANCEL_BOOKING, { actor: 'oncall', reason: 'server down' });
    expect(await w.cancelButtons()).toBeGreaterThan(0); // nothing can reach the widget yet
    await stack.startEnsign(WIDGET_SECRET);
    await expect.poll(w.cancelButtons, POLL).toBe(0);
    await expect.poll(w.liveStatus, POLL).toBe('live');
    expect(await w.toolResults()).toBe(results);
    await stack.ensignCli('flag', 'restore', CANCEL_BOOKING);
    await expect.poll(w.cancelButtons, POLL).toBeGreaterThan(0);
    await w.page.close();
  }, 90_000);

  it('keeps its last flags and says so when its token is revoked (the widget secret rotated)', async () => {
    const w = await openWidget('mcp-apps', 'revoked-user');
    await expect.poll(w.liveStatus, POLL).toBe('live');
    // Rotating the secret revokes every outstanding widget token; this app still mints with the
    // old one, so the renewal through the refresh tool is refused as well.
    await stack.stopEnsign();
    await stack.startEnsign('a-rotated-secret-0123456789abcdefghijkl');
    await expect.poll(w.liveStatus, POLL).toBe('unauthorized');
    await expect
      .poll(() => w.widget.locator('[data-live-status]').textContent(), POLL)
      .toContain('token expired or revoked');
    expect(await w.cancelButtons()).toBeGreaterThan(0);
    const bulk = stack.count().bulk;
    await stack.ensignCli('kill', CANCEL_BOOKING, '--reason', 'e2e: revoked token');
    await w.page.waitForTimeout(1_500);
    expect(await w.cancelButtons()).toBeGreaterThan(0); // the last payload stays
    expect(stack.count().bulk).toBe(bulk); // and nothing more is tried with a refused token
    await stack.ensignCli('flag', 'restore', CANCEL_BOOKING);
    await stack.stopEnsign();
    await stack.startEnsign(WIDGET_SECRET);
    await w.page.close();
  }, 90_000);

  it('outlives its short-lived token: renewed through the app-only refresh tool, still live', async () => {
    const w = await openWidget('openai', 'expiring-user', '', shortLived);
    await expect.poll(w.liveStatus, POLL).toBe('live');
    const results = await w.toolResults();
    const { streams } = shortLived.count();
    // The server ends the stream when the token expires; the refused reconnection is renewed.
    await expect.poll(() => shortLived.count().streams, POLL).toBeGreaterThan(streams + 1);
    await expect.poll(w.liveStatus, POLL).toBe('live');
    await shortLived.ensignCli('kill', CANCEL_BOOKING, '--reason', 'e2e: after expiry');
    await expect.poll(w.cancelButtons, POLL).toBe(0);
    expect(await w.toolResults()).toBe(results); // renewals are not tool results the host shows
    await w.page.close();
  }, 90_000);

  it.each(['openai', 'mcp-apps'] as const)(
    'in the %s host, where the CSP does not allow the server, works on tool results and the refresh tool',
    async (host) => {
      const w = await openWidget(host, `csp-${host}-user`, '?connect=none');
      await expect.poll(w.liveStatus, POLL).toBe('blocked');
      const bulk = stack.count().bulk;
      await stack.ensignCli('kill', CANCEL_BOOKING, '--reason', 'e2e: csp');
      await w.page.waitForTimeout(1_000);
      expect(await w.cancelButtons()).toBeGreaterThan(0); // no stream: the open widget cannot know yet
      // The next tool result carries the kill.
      const results = await w.toolResults();
      await w.page.click('#call');
      await expect.poll(w.toolResults, POLL).not.toBe(results);
      await expect.poll(w.cancelButtons, POLL).toBe(0);
      // The fallback: back on screen, the widget refreshes through the app-only tool, via the host.
      await stack.ensignCli('flag', 'restore', CANCEL_BOOKING);
      await w.frame().evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await expect.poll(w.cancelButtons, POLL).toBeGreaterThan(0);
      expect(stack.count().bulk).toBe(bulk); // the blocked widget never reached the server
      await w.page.close();
    },
    90_000,
  );
});
