/**
 * The demo as a person sees it: the simulated ChatGPT host page and the widget in headless
 * Chromium (Debian's `chromium`, driven by playwright-core), against the real server on the
 * in-memory store. Flags are flipped through the page's own controls.
 */
import { MemoryFlagStore } from '@ensign/store';
import { type Browser, type FrameLocator, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FitnessApp, startFitnessApp } from '../src/app.js';
import { type FitnessHttpServer, listenFitnessHttp } from '../src/http-server.js';
import { collectingLogger } from './support/collecting-logger.js';

/** Generous: the first call bundles the widget, and the suite may share two cores with others. */
const POLL = { timeout: 15_000 };

describe('fitness app in a browser (simulated ChatGPT host)', () => {
  let store: MemoryFlagStore;
  let app: FitnessApp;
  let http: FitnessHttpServer;
  let browser: Browser;
  let page: Page;
  let widget: FrameLocator;
  const pageErrors: string[] = [];

  /** Calls list_bookings from the page and waits until the host has the new result. */
  const call = async () => {
    const before = await page.locator('#meta').textContent();
    await page.click('#call');
    await expect.poll(() => page.locator('#meta').textContent(), POLL).not.toBe(before);
  };
  const callAs = async (subject: string) => {
    await page.fill('#subject', subject);
    await call();
  };
  const layoutOf = (subject: string) =>
    app.flags.getStringValue('booking-layout', 'list', { targetingKey: subject });

  beforeAll(async () => {
    store = new MemoryFlagStore();
    app = await startFitnessApp({ store, domain: 'fitness-app-test-e2e', logger: collectingLogger() });
    http = await listenFitnessHttp({ app, port: 0 });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${http.url}/`);
    widget = page.frameLocator('#widget');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await app?.close();
    await store?.close();
  });

  it('shows each user the layout of their bucket, and the same one when they come back', async () => {
    // Two users the experiment puts in different layouts.
    const subjects = Array.from({ length: 20 }, (_, i) => `browser-user-${i}`);
    const layouts = await Promise.all(subjects.map(layoutOf));
    const first = subjects[0] as string;
    const otherIndex = layouts.findIndex((layout) => layout !== layouts[0]);
    const other = subjects[otherIndex] as string;

    await callAs(first);
    await expect
      .poll(() => widget.locator('[data-layout]').getAttribute('data-layout'), POLL)
      .toBe(layouts[0]);
    await callAs(other);
    await expect
      .poll(() => widget.locator('[data-layout]').getAttribute('data-layout'), POLL)
      .toBe(layouts[otherIndex]);
    await callAs(first);
    await expect
      .poll(() => widget.locator('[data-layout]').getAttribute('data-layout'), POLL)
      .toBe(layouts[0]);
    // What the page received: results only.
    const meta = await page.locator('#meta').textContent();
    expect(meta).toContain('"booking-layout"');
    expect(meta).not.toContain('fractional');
  }, 60_000);

  it('shows Cancel buttons once the rollout reaches the user, and maintenance when the kill switch is on', async () => {
    await page.click('[data-change=\'{"action":"rollout","percent":0}\']');
    await expect.poll(() => page.locator('#flag-state').textContent(), POLL).toContain('rollout 0%');
    await callAs('browser-user-0');
    await expect.poll(() => widget.locator('footer').textContent(), POLL).toContain('Cancel here: not yet');
    expect(await widget.locator('button', { hasText: 'Cancel' }).count()).toBe(0);

    await page.click('[data-change=\'{"action":"rollout","percent":100}\']');
    await expect.poll(() => page.locator('#flag-state').textContent(), POLL).toContain('rollout 100%');
    await call();
    await expect.poll(() => widget.locator('button', { hasText: 'Cancel' }).count(), POLL).toBe(4);

    // The widget calls cancel_booking through window.openai.callTool.
    await widget.locator('button', { hasText: 'Cancel' }).first().click();
    await expect.poll(() => widget.locator('.status').textContent(), POLL).toMatch(/^Cancelled /);
    await expect.poll(() => widget.locator('button', { hasText: 'Cancel' }).count(), POLL).toBe(3);

    await page.click('[data-change=\'{"action":"kill"}\']');
    await expect
      .poll(() => page.locator('#flag-state').textContent(), POLL)
      .toContain('bookings-enabled off (kill switch active');
    await call();
    await expect.poll(() => widget.locator('.notice.warn').textContent(), POLL).toContain('maintenance');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('renders the same widget for an MCP Apps host (postMessage handshake, tool-result message)', async () => {
    await page.click('[data-change=\'{"action":"revive"}\']');
    await expect.poll(() => page.locator('#flag-state').textContent(), POLL).toContain('bookings-enabled on');
    await page.selectOption('#host-kind', 'mcp-apps');
    await callAs('browser-user-1');
    const expected = await layoutOf('browser-user-1');
    await expect.poll(() => widget.locator('[data-layout]').getAttribute('data-layout'), POLL).toBe(expected);
    expect(await widget.locator('html').getAttribute('data-host')).toBe('mcp-apps');
    // Rollout is still 100%: the Cancel button works through the host's tools/call proxy.
    await widget.locator('button', { hasText: 'Cancel' }).first().click();
    await expect.poll(() => widget.locator('.status').textContent(), POLL).toMatch(/^Cancelled /);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
