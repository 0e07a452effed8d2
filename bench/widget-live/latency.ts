/**
 * Kill switch → open widget updated, as a user would see it: the example app and its widget in
 * the simulated ChatGPT host, in Debian's Chromium, an Ensign server on the same flags (another
 * origin), and the flag flipped through the admin API (what `ensign kill` / `ensign flag restore`
 * call). A MutationObserver in the widget records when its Cancel buttons appear or disappear;
 * the time is read on the same wall clock as the flip's start (the offset between the browser's
 * and Node's clocks is measured by round trips and subtracted). Beside it, in the same flips, the
 * standard `@openfeature/ofrep-web-provider` page with a widget token of the same user.
 */
import { type Server, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer, issueToken } from '@ensign/server';
import { mintWidgetToken } from '@ensign/server/widget-token';
import { MemoryFlagStore } from '@ensign/store';
import { build } from 'esbuild';
import { type Browser, type Frame, chromium } from 'playwright-core';
import { startFitnessApp } from '../../examples/fitness-app/src/app.js';
import { listenFitnessHttp } from '../../examples/fitness-app/src/http-server.js';
import { FLAG, NO_RATE_LIMIT, SECRET, SET, WIDGET_FLAGS, now } from './shape.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const SUBJECT = 'bench-user-1';

/** What the latency run measured. */
export interface LatencyResult {
  /** Flip sent → DOM changed, per flip (ms): the example widget (LiveRefresh). */
  readonly ours: number[];
  /** The same for the ofrep-web-provider page. */
  readonly peer: number[];
  /** Half the round trip of the best clock-offset sample (ms): the timing uncertainty. */
  readonly clockUncertaintyMs: number;
  /** Bulk requests the server saw per flip, per page (1 expected: one per change). */
  readonly bulkPerFlipPerPage: number;
}

/**
 * Records the times at which the page's Cancel state changes, on the page's wall clock. Passed as
 * source text: the bundler running this file would otherwise wrap named functions in a helper
 * that does not exist in the page.
 */
function observe(frame: Frame, kind: 'ours' | 'peer'): Promise<void> {
  const state =
    kind === 'ours'
      ? "document.querySelectorAll('button[data-booking-id]').length > 0"
      : "document.getElementById('cancel')?.textContent === 'true'";
  return frame.evaluate(`(() => {
    window.changes = [];
    let last = ${state};
    new MutationObserver(() => {
      const on = ${state};
      if (on === last) return;
      last = on;
      window.changes.push({ at: performance.timeOrigin + performance.now(), on });
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
}

/** The browser clock minus Node's, from the round trip that was shortest. */
async function clockOffset(frame: Frame): Promise<{ offset: number; uncertainty: number }> {
  let best = { offset: 0, uncertainty: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    const browserAt = await frame.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = now();
    if ((t1 - t0) / 2 < best.uncertainty)
      best = { offset: browserAt - (t0 + t1) / 2, uncertainty: (t1 - t0) / 2 };
  }
  return best;
}

async function changeAfter(frame: Frame, on: boolean, count: number): Promise<number> {
  for (;;) {
    const changes = await frame.evaluate(
      () => (window as unknown as { changes: { at: number; on: boolean }[] }).changes,
    );
    const change = changes[count];
    if (change) {
      if (change.on !== on) throw new Error(`the page changed to ${change.on}, expected ${on}`);
      return change.at;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function servePeerPage(): Promise<{ server: Server; url: string }> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./peer-page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  const page = '<!doctype html><meta charset="utf-8"><p id="cancel"></p><script src="/peer.js"></script>';
  const server = createHttpServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/peer.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Runs `flips` kill/restore flips with both pages open. */
export async function widgetLatency(flips: number): Promise<LatencyResult> {
  const store = new MemoryFlagStore({ logger: quiet });
  const ensign = await createServer({
    store,
    widgetSecret: SECRET,
    rateLimit: NO_RATE_LIMIT,
    flagSets: [SET],
    logger: quiet,
  });
  const ensignUrl = await ensign.listen();
  let bulk = 0;
  ensign.app.server.on('request', (request) => {
    if (request.method === 'POST' && request.url?.startsWith('/ofrep/v1/evaluate/flags')) bulk++;
  });
  const { token: adminToken } = await issueToken(ensign.context.state, {
    name: 'bench',
    role: 'admin',
    createdBy: 'bench',
  });
  const app = await startFitnessApp({
    store,
    domain: 'bench-widget-live',
    logger: quiet,
    live: { url: ensignUrl, widgetSecret: SECRET },
  });
  const http = await listenFitnessHttp({ app, port: 0, demoControls: false });
  const peer = await servePeerPage();
  let browser: Browser | undefined;
  try {
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
    const host = await browser.newPage();
    await host.goto(`${http.url}/`);
    await host.fill('#subject', SUBJECT);
    await host.selectOption('#organization', 'acme-gyms');
    await host.click('#call');
    const widget = host.frameLocator('#widget');
    await widget.locator('[data-live-status="live"]').waitFor({ timeout: 60_000 });
    const ours = host.frames().find((frame) => frame !== host.mainFrame());
    if (!ours) throw new Error('no widget frame');

    const token = mintWidgetToken({
      secret: SECRET,
      flagSet: SET,
      flags: [...WIDGET_FLAGS],
      context: { targetingKey: SUBJECT, organization: 'acme-gyms' },
      ttlSeconds: 900,
    });
    const peerPage = await browser.newPage();
    await peerPage.goto(`${peer.url}/?${new URLSearchParams({ server: ensignUrl, token })}`);
    await peerPage.locator('#cancel', { hasText: 'true' }).waitFor({ timeout: 60_000 });
    const theirs = peerPage.mainFrame();

    await observe(ours, 'ours');
    await observe(theirs, 'peer');
    const oursClock = await clockOffset(ours);
    const theirClock = await clockOffset(theirs);
    const bulkBefore = bulk;
    const result = { ours: [] as number[], peer: [] as number[] };
    for (let i = 0; i < flips; i++) {
      const kill = i % 2 === 0;
      const startedAt = now();
      const response = await fetch(
        `${ensignUrl}/api/v1/flag-sets/${SET}/flags/${FLAG}/${kill ? 'kill' : 'restore'}`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${adminToken}`,
            'content-type': 'application/json',
            'if-match': '*',
          },
          body: JSON.stringify({ reason: 'bench' }),
        },
      );
      if (response.status !== 200) throw new Error(`flip: HTTP ${response.status} ${await response.text()}`);
      const [oursAt, theirAt] = await Promise.all([
        changeAfter(ours, !kill, i),
        changeAfter(theirs, !kill, i),
      ]);
      result.ours.push(oursAt - oursClock.offset - startedAt);
      result.peer.push(theirAt - theirClock.offset - startedAt);
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
    }
    return {
      ...result,
      clockUncertaintyMs: Math.max(oursClock.uncertainty, theirClock.uncertainty),
      bulkPerFlipPerPage: (bulk - bulkBefore) / flips / 2,
    };
  } finally {
    await browser?.close();
    await new Promise((resolve) => peer.server.close(resolve));
    await http.close();
    await app.close();
    await ensign.close();
    await store.close();
  }
}
