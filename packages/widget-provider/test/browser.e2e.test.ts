import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FlagSetDocument } from '@ensign/core';
import { OpenFeature } from '@openfeature/server-sdk';
import { build } from 'esbuild';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAGS_META_KEY, attachWidgetFlags, evaluateWidgetFlags } from '../src/server/index.js';
import { CoreFlagSetProvider } from './support/core-provider.js';
import { ALLOWLISTED_USERS, BOOKING_FLAGS } from './support/flags.js';

const WIDGET_FLAGS = { 'booking-layout': 'list', 'cancel-booking': false };
const USER = 'user-se-1';
const OTHER_USER = 'user-us-2';
// Strings that exist only in the flag rules or other users' contexts: none may reach a page.
const FORBIDDEN = [
  ...ALLOWLISTED_USERS,
  OTHER_USER,
  'fractional',
  'targeting',
  'growth@example.com',
  '"var"',
];

/** Version 1: the cancel release is on for everyone. Version 2: its kill switch is pulled, and Sweden gets cards. */
function flagSet(version: 1 | 2): FlagSetDocument {
  const doc = structuredClone(BOOKING_FLAGS);
  const cancel = doc.flags['cancel-booking'];
  const layout = doc.flags['booking-layout'];
  if (!cancel || !layout) throw new Error('seed flags changed');
  delete cancel.targeting;
  cancel.defaultVariant = 'on';
  if (version === 2) {
    cancel.state = 'DISABLED';
    layout.targeting = { if: [{ '==': [{ var: 'country' }, 'SE'] }, 'cards', null] };
  }
  return doc;
}

/** What the MCP tool handler returns for a user under a flag-set version. */
async function toolResult(version: 1 | 2, targetingKey: string, country: string, issuedAt: number) {
  const domain = `e2e-v${version}`;
  const payload = await evaluateWidgetFlags(
    OpenFeature.getClient(domain),
    WIDGET_FLAGS,
    { targetingKey, country },
    { issuedAt },
  );
  return attachWidgetFlags(
    { content: [{ type: 'text', text: 'Your bookings' }], structuredContent: { bookings: [] } },
    payload,
  );
}

const WIDGET_HTML =
  '<!doctype html><meta charset="utf-8"><title>widget</title><div id="app"></div><script src="/widget.js"></script>';
// Plays an MCP Apps host: renders the widget in an iframe and posts tool results to it. A second,
// untrusted frame tries to post a forged result; the widget must ignore it (it is not the parent).
// `?widget=<url>` frames the widget from another origin, as MCP Apps hosts do.
const MCP_HOST_HTML = `<!doctype html><meta charset="utf-8"><title>host</title>
<iframe id="widget" name="widget"></iframe>
<iframe id="intruder" srcdoc="<script>window.forge = (m) => parent.frames['widget'].postMessage(m, '*');</script>"></iframe>
<script>
  document.getElementById('widget').src = new URLSearchParams(location.search).get('widget') ?? '/widget.html';
  window.sendToolResult = (params) =>
    document.getElementById('widget').contentWindow.postMessage({ jsonrpc: '2.0', method: 'ui/notifications/tool-result', params }, '*');
</script>`;

let servers: Server[] = [];
let baseUrl: string;
/** The same pages on another origin (another port). */
let otherBaseUrl: string;
let browser: Browser;

/** Serves `routes` on a free loopback port; returns its origin. */
async function serve(routes: Record<string, [string, string]>): Promise<string> {
  const server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    res
      .writeHead(route ? 200 : 404, { 'content-type': route?.[0] ?? 'text/plain' })
      .end(route?.[1] ?? 'not found');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function pageText(page: Page): Promise<string> {
  const frames = await Promise.all(page.frames().map((frame) => frame.content()));
  const globals = await page.evaluate(() => JSON.stringify((window as { openai?: unknown }).openai ?? null));
  return frames.join('\n') + globals;
}

describe('widget provider in Chromium', () => {
  beforeAll(async () => {
    await OpenFeature.setProviderAndWait(
      'e2e-v1',
      new CoreFlagSetProvider(flagSet(1), { flagSetId: 'bookings', version: 1 }),
    );
    await OpenFeature.setProviderAndWait(
      'e2e-v2',
      new CoreFlagSetProvider(flagSet(2), { flagSetId: 'bookings', version: 2 }),
    );
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./e2e/widget-app.ts', import.meta.url))],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const widgetJs = bundle.outputFiles[0]?.text ?? '';
    const routes: Record<string, [string, string]> = {
      '/widget.js': ['text/javascript', widgetJs],
      '/widget.html': ['text/html', WIDGET_HTML],
      '/mcp-host.html': ['text/html', MCP_HOST_HTML],
    };
    baseUrl = await serve(routes);
    otherBaseUrl = await serve(routes);
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
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    servers = [];
    await OpenFeature.clearProviders();
  });

  it('in a ChatGPT-like host, follows openai:set_globals and reopens an old message with its persisted variant', async () => {
    const first = await toolResult(1, USER, 'SE', 1000);
    await toolResult(1, OTHER_USER, 'US', 1000); // another user's call on the same server
    const context = await browser.newContext();
    const page = await context.newPage();
    // ChatGPT injects window.openai into the widget's frame before the widget runs.
    await page.addInitScript((toolResponseMetadata) => {
      const host = {
        toolResponseMetadata,
        widgetState: { selectedBooking: 'b-1' } as Record<string, unknown>,
        setWidgetState(state: Record<string, unknown>) {
          host.widgetState = state;
          window.dispatchEvent(
            new CustomEvent('openai:set_globals', { detail: { globals: { widgetState: state } } }),
          );
          return Promise.resolve();
        },
      };
      (window as { openai?: unknown }).openai = host;
    }, first._meta);
    await page.goto(`${baseUrl}/widget.html?persist`);
    await expect.poll(() => page.textContent('#layout')).toBe('Layout: grid');
    expect(await page.isVisible('#cancel')).toBe(true);

    // The next tool call runs after the kill switch was pulled and the layout targeting changed.
    const second = await toolResult(2, USER, 'SE', 2000);
    await page.evaluate((toolResponseMetadata) => {
      const host = (window as { openai?: { toolResponseMetadata?: unknown } }).openai;
      if (host) host.toolResponseMetadata = toolResponseMetadata;
      window.dispatchEvent(
        new CustomEvent('openai:set_globals', { detail: { globals: { toolResponseMetadata } } }),
      );
    }, second._meta);
    await expect.poll(() => page.textContent('#layout')).toBe('Layout: cards');
    expect(await page.isVisible('#cancel')).toBe(false);

    const widgetState = await page.evaluate(
      () => (window as { openai?: { widgetState?: unknown } }).openai?.widgetState,
    );
    expect(widgetState).toEqual({ selectedBooking: 'b-1', [FLAGS_META_KEY]: second._meta[FLAGS_META_KEY] });
    const text = await pageText(page);
    for (const forbidden of FORBIDDEN) expect(text).not.toContain(forbidden);

    // Reopening the old message: the host restores its first tool result and the persisted widget state.
    const reopened = await context.newPage();
    await reopened.addInitScript(
      ([toolResponseMetadata, widgetState]) => {
        (window as { openai?: unknown }).openai = {
          toolResponseMetadata,
          widgetState,
          setWidgetState: () => Promise.resolve(),
        };
      },
      [first._meta, widgetState] as const,
    );
    await reopened.goto(`${baseUrl}/widget.html?persist`);
    await expect.poll(() => reopened.textContent('#layout')).toBe('Layout: cards');
    await context.close();
  });

  it('in an MCP Apps host, takes ui/notifications/tool-result from the parent frame only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/mcp-host.html`);
    const widget = page.frameLocator('#widget');
    await expect.poll(() => widget.locator('#status').textContent()).toBe('NOT_READY');
    await expect.poll(() => widget.locator('#layout').textContent()).toBe('Layout: list');

    const forged = {
      _meta: { [FLAGS_META_KEY]: { v: 1, flags: { 'cancel-booking': { value: true, reason: 'STATIC' } } } },
    };
    await page
      .frame({ name: 'intruder' })
      ?.evaluate((m) => (window as { forge?: (m: unknown) => void }).forge?.(m), {
        jsonrpc: '2.0',
        method: 'ui/notifications/tool-result',
        params: forged,
      });
    // Let the widget's event loop run the forged message's task, then check it changed nothing.
    await page.frame({ name: 'widget' })?.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    expect(await widget.locator('#status').textContent()).toBe('NOT_READY');
    expect(await widget.locator('#cancel').count()).toBe(0);
    await page.evaluate(
      (params) => (window as { sendToolResult?: (p: unknown) => void }).sendToolResult?.(params),
      await toolResult(1, USER, 'SE', 1000),
    );
    await expect.poll(() => widget.locator('#layout').textContent()).toBe('Layout: grid');
    expect(await widget.locator('#status').textContent()).toBe('READY');
    expect(await widget.locator('#cancel').isVisible()).toBe(true);

    await page.evaluate(
      (params) => (window as { sendToolResult?: (p: unknown) => void }).sendToolResult?.(params),
      await toolResult(2, USER, 'SE', 2000),
    );
    await expect.poll(() => widget.locator('#layout').textContent()).toBe('Layout: cards');
    expect(await widget.locator('#cancel').count()).toBe(0);

    // A result the widget fetched itself (tools/call) goes through ingest.
    const ingested = await page
      .frame({ name: 'widget' })
      ?.evaluate(
        (result) => (window as { ingestToolResult?: (r: unknown) => boolean }).ingestToolResult?.(result),
        await toolResult(1, USER, 'US', 3000),
      );
    expect(ingested).toBe(true);
    await expect.poll(() => widget.locator('#layout').textContent()).toBe('Layout: list');

    const text = await pageText(page);
    for (const forbidden of FORBIDDEN) expect(text).not.toContain(forbidden);
    await context.close();
  });

  it('with hostOrigin pinned, takes tool results from a parent frame at that origin only', async () => {
    // The widget runs on its own origin (otherBaseUrl) and trusts only the host at baseUrl.
    const widgetUrl = `${otherBaseUrl}/widget.html?hostOrigin=${encodeURIComponent(baseUrl)}`;
    const hostPage = (origin: string) => `${origin}/mcp-host.html?widget=${encodeURIComponent(widgetUrl)}`;
    const send = (page: Page, params: unknown) =>
      page.evaluate((p) => (window as { sendToolResult?: (p: unknown) => void }).sendToolResult?.(p), params);
    const widgetFrame = (page: Page) => {
      const frame = page.frame({ name: 'widget' });
      if (!frame) throw new Error('no widget frame');
      return frame;
    };
    const context = await browser.newContext();

    // Another origin frames the same widget and posts a result as its parent: ignored.
    const impostor = await context.newPage();
    await impostor.goto(hostPage(otherBaseUrl));
    await expect
      .poll(() => impostor.frameLocator('#widget').locator('#status').textContent())
      .toBe('NOT_READY');
    await send(impostor, await toolResult(1, USER, 'SE', 1000));
    await expect
      .poll(() => widgetFrame(impostor).evaluate(() => (window as { messagesSeen?: number }).messagesSeen))
      .toBe(1);
    expect(
      await widgetFrame(impostor).evaluate(() => (window as { hasPayload?: () => boolean }).hasPayload?.()),
    ).toBe(false);
    expect(await impostor.frameLocator('#widget').locator('#layout').textContent()).toBe('Layout: list');

    // The pinned host, on another origin than the widget, is heard.
    const host = await context.newPage();
    await host.goto(hostPage(baseUrl));
    const widget = host.frameLocator('#widget');
    await expect.poll(() => widget.locator('#status').textContent()).toBe('NOT_READY');
    await send(host, await toolResult(1, USER, 'SE', 1000));
    await expect.poll(() => widget.locator('#layout').textContent()).toBe('Layout: grid');
    expect(await widget.locator('#status').textContent()).toBe('READY');
    await context.close();
  });
});
