/**
 * The real `@openfeature/ofrep-web-provider` in real Chromium, on a page served from another
 * origin than the Ensign server (so CORS is real): bulk evaluation, ETag and 304, and a kill
 * switch that reaches the page through the event stream, with no polling.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, mintWidgetToken } from '../src/index.js';
import { closeServer } from './ofrep/close.js';
import { ofrepFlags } from './ofrep/flags.js';
import type { PageState } from './ofrep/web-app.js';
import { type TestServer, startServer } from './support/server.js';

const SECRET = 'w'.repeat(40);
const PAGE =
  '<!doctype html><meta charset="utf-8"><title>app</title><p id="kill-cart"></p><p id="layout"></p><p id="keys"></p><script src="/app.js"></script>';
let t: TestServer;
let browser: Browser;
const pageServers: Server[] = [];
/** The app's origin, allowed by its client token. */
let appOrigin: string;
/** Another origin serving the same page, not allowed. */
let otherOrigin: string;
let clientToken: string;

async function servePage(script: string): Promise<string> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/app.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (path === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else response.writeHead(404).end();
  });
  pageServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const stateOf = (page: Page) => page.evaluate(() => (window as unknown as { ofrep: PageState }).ofrep);
const bulkRequests = async (page: Page) =>
  (await stateOf(page)).requests.filter((r) => new URL(r.url).pathname === '/ofrep/v1/evaluate/flags');

/** Event streams the page opened (paths), by page. */
const eventStreams = new WeakMap<Page, string[]>();

async function openApp(origin: string, token: string, tier = 'pro'): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const streams: string[] = [];
  eventStreams.set(page, streams);
  page.on('request', (request) => {
    if (request.resourceType() === 'eventsource') streams.push(new URL(request.url()).pathname);
  });
  const query = new URLSearchParams({ server: t.url, token, tier });
  await page.goto(`${origin}/?${query}`);
  await expect.poll(async () => (await stateOf(page)).status).not.toBe('starting');
  return page;
}

beforeAll(async () => {
  t = await startServer({ shop: ofrepFlags() }, { widgetSecret: SECRET });
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./ofrep/web-app.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  appOrigin = await servePage(script);
  otherOrigin = await servePage(script);
  ({ token: clientToken } = await issueToken(t.server.context.state, {
    name: 'web-app',
    role: 'client',
    flagSets: ['shop'],
    origins: [appOrigin],
    createdBy: 'test',
  }));
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
  await Promise.all(pageServers.map((server) => new Promise((resolve) => server.close(resolve))));
  await closeServer(t);
});

describe('OFREP in Chromium with @openfeature/ofrep-web-provider', () => {
  it('evaluates in bulk across origins, revalidates with ETag (304), and hears a kill switch through SSE without polling', async () => {
    const page = await openApp(appOrigin, clientToken);
    await expect.poll(() => eventStreams.get(page)).toEqual(['/ofrep/v1/events']);
    expect(await stateOf(page)).toMatchObject({ status: 'ready' });
    expect(await page.textContent('#kill-cart')).toBe('true');
    expect(await page.textContent('#layout')).toBe('grid');
    // A client token: only the client-side flags exist for the page.
    expect(await page.textContent('#keys')).toBe('banner,checkout-layout,kill-cart');
    const [first] = await bulkRequests(page);
    expect(first).toMatchObject({ status: 200, ifNoneMatch: null });
    expect(first?.etag).toMatch(/^"[0-9a-z]{14}"$/); // readable cross-origin: exposed by CORS

    // A refresh (the provider refetches when the page becomes visible) sends the ETag back: 304.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect.poll(async () => (await bulkRequests(page)).length).toBe(2);
    expect((await bulkRequests(page))[1]).toMatchObject({ status: 304, ifNoneMatch: first?.etag });

    // Idle: no polling.
    await page.waitForTimeout(1_500);
    expect(await bulkRequests(page)).toHaveLength(2);

    await t.store.patchFlag('shop', 'kill-cart', { state: 'DISABLED' }, { actor: 'oncall', reason: 'INC-7' });
    await expect.poll(() => page.textContent('#kill-cart'), { timeout: 5_000 }).toBe('false');
    const requests = await bulkRequests(page);
    expect(requests).toHaveLength(3); // exactly one re-fetch, triggered by the notice
    const refetch = new URL(requests[2]!.url);
    expect(refetch.searchParams.get('flagConfigEtag')).toMatch(/^"\d+"$/);
    expect(refetch.searchParams.get('flagConfigLastModified')).toMatch(/^\d+$/);
    expect(requests[2]).toMatchObject({ status: 200, ifNoneMatch: first?.etag });
    expect((await stateOf(page)).changes).toBe(1);
    // One stream for the page's whole life: the notice came over it, no reconnection.
    expect(eventStreams.get(page)).toEqual(['/ofrep/v1/events']);
    await t.store.patchFlag('shop', 'kill-cart', { state: 'ENABLED' }, { actor: 'oncall' });
    await expect.poll(() => page.textContent('#kill-cart'), { timeout: 5_000 }).toBe('true');
    await page.context().close();
  });

  it('is refused from an origin the client token does not allow', async () => {
    const page = await openApp(otherOrigin, clientToken);
    const state = await stateOf(page);
    expect(state.status).toBe('error');
    expect(state.requests).toMatchObject([{ status: 403 }]);
    expect(await page.textContent('#kill-cart')).toBe('');
    await page.context().close();
  });

  it('serves a widget token its own flags with its sealed context, from any origin', async () => {
    const token = mintWidgetToken({
      secret: SECRET,
      flagSet: 'shop',
      flags: ['checkout-layout', 'internal-pricing'],
      context: { targetingKey: 'user-1', tier: 'free' },
    });
    // The page asks for tier "pro"; the widget sees what the server decided for tier "free".
    const page = await openApp(otherOrigin, token, 'pro');
    expect((await stateOf(page)).status).toBe('ready');
    expect(await page.textContent('#layout')).toBe('list');
    expect(await page.textContent('#keys')).toBe('checkout-layout');
    await page.context().close();
  });
});
