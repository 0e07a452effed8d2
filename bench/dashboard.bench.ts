/**
 * The dashboard in headless Chromium against the real server (memory store):
 * 1. time to first render of the flags page with 1,000 flags: from navigation start to the first
 *    frame where all 1,000 rows are in the DOM, a fresh browser profile (cold HTTP cache) each
 *    run, already signed in (the session cookie);
 * 2. kill switch in page A → the change visible in page B: from the click on "Kill flag" in A to
 *    the moment B's row says "Killed" (a MutationObserver in B; B never reloads: the server pushes
 *    the change on its event stream and B re-reads the set), p50/p99, on a 6-flag set and on the
 *    1,000-flag set (where B re-reads 1,000 flags and the lifecycle report on every change).
 * Both pages are in one browser, so their clocks are the same clock.
 * Env: BENCH_DASHBOARD_RENDERS (default 10), BENCH_DASHBOARD_FLIPS (default 30).
 */
import type { Browser, Page } from 'playwright-core';
import { fitness, manyFlags } from '../packages/dashboard/test/fixtures.js';
import { launchChromium, openPage } from '../packages/dashboard/test/support/browser.js';
import { type Stack, startStack } from '../packages/dashboard/test/support/stack.js';
import { latencySummary, printTable } from './support/measure.js';

const RENDERS = Number(process.env.BENCH_DASHBOARD_RENDERS ?? 10);
const FLIPS = Number(process.env.BENCH_DASHBOARD_FLIPS ?? 30);
const BIG = 'big-production';
const SMALL = 'fitness-production';

const ms = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : 'n/a');

/** A signed-in page (the cookie set through the API, as the form would). */
async function signedInPage(
  browser: Browser,
  stack: Stack,
  token: string,
): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await openPage(browser);
  const answer = await context.request.post(`${stack.url}/api/v1/session`, { data: { token } });
  if (answer.status() !== 201) throw new Error(`sign-in: ${answer.status()}`);
  return { page, close: () => context.close() };
}

async function firstRender(browser: Browser, stack: Stack): Promise<number> {
  const { page, close } = await signedInPage(browser, stack, stack.tokens.viewer);
  await page.goto(`${stack.url}/dashboard/#/${BIG}/flags`);
  const at = await page.waitForFunction(
    () => document.querySelectorAll('table.flags tbody tr').length === 1000 && performance.now(),
    undefined,
    { polling: 'raf', timeout: 120_000 },
  );
  const value = (await at.jsonValue()) as number;
  await close();
  return value;
}

async function killLatency(
  browser: Browser,
  stack: Stack,
  flagSet: string,
  flagKey: string,
  flips: number,
): Promise<number[]> {
  const a = await signedInPage(browser, stack, stack.tokens.editor);
  const b = await signedInPage(browser, stack, stack.tokens.viewer);
  for (const { page } of [a, b]) {
    await page.goto(`${stack.url}/dashboard/#/${flagSet}/flags`);
    await page.locator(`tr[data-flag="${flagKey}"]`).waitFor({ timeout: 120_000 });
  }
  await b.page.locator('.live[data-connected="true"]').waitFor({ timeout: 60_000 });
  const samples: number[] = [];
  const row = `tr[data-flag="${flagKey}"] td[data-state]`;
  for (let i = 0; i < flips; i++) {
    // B: resolves with the time its row first says "Killed".
    // A string, not a function: the bench runs through tsx, whose helpers do not exist in the page.
    const seen = b.page.evaluate(`new Promise((resolve) => {
      const check = () => {
        if (document.querySelector(${JSON.stringify(row)})?.textContent?.includes('Killed')) {
          observer.disconnect();
          resolve(Date.now());
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      check();
    })`) as Promise<number>;
    await a.page.locator(`button[data-kill="${flagKey}"]`).click();
    const dialog = a.page.getByRole('dialog');
    await dialog.getByRole('textbox').fill(`bench flip ${i}`);
    await a.page.evaluate(`document.querySelector('dialog button[type="submit"]').addEventListener('click', () => {
      globalThis.killClickedAt = Date.now();
    }, { capture: true, once: true })`);
    await dialog.getByRole('button', { name: 'Kill flag' }).click();
    const shown = await seen;
    const clicked = (await a.page.evaluate('globalThis.killClickedAt')) as number;
    samples.push(shown - clicked);
    // Back to serving through the API; wait until both pages show it.
    const restored = await stack.call(
      'POST',
      `/api/v1/flag-sets/${flagSet}/flags/${flagKey}/restore`,
      {},
      { 'if-match': '*' },
    );
    if (restored.status !== 200) throw new Error(`restore: ${restored.status}`);
    for (const { page } of [a, b])
      await page.locator(row, { hasText: 'Serving' }).waitFor({ timeout: 60_000 });
  }
  await a.close();
  await b.close();
  return samples;
}

const stack = await startStack(
  { kind: 'memory' },
  { [SMALL]: fitness('production'), [BIG]: manyFlags(1000) },
);
const browser = await launchChromium();
try {
  console.log(
    `\n## First render of the flags page, 1,000 flags (${RENDERS} runs after 1 warm-up, fresh profile each)`,
  );
  await firstRender(browser, stack);
  const renders: number[] = [];
  for (let i = 0; i < RENDERS; i++) renders.push(await firstRender(browser, stack));
  const render = latencySummary(renders);
  printTable([
    {
      page: 'flags, 1,000 flags: navigation → all rows in the DOM',
      'p50 ms': ms(render.p50),
      'max ms': ms(render.max),
    },
  ]);

  console.log(`\n## Kill switch in page A → visible in page B (${FLIPS} flips per set, pushed, no polling)`);
  const small = latencySummary(await killLatency(browser, stack, SMALL, 'bookings-enabled', FLIPS));
  const big = latencySummary(
    await killLatency(browser, stack, BIG, 'flag-0500', Math.max(5, Math.floor(FLIPS / 2))),
  );
  printTable([
    { set: '6 flags', 'p50 ms': ms(small.p50), 'p99 ms': ms(small.p99), 'max ms': ms(small.max) },
    {
      set: '1,000 flags (B re-reads the set and its report)',
      'p50 ms': ms(big.p50),
      'p99 ms': ms(big.p99),
      'max ms': ms(big.max),
    },
    {
      set: 'peer: Unleash Node SDK, 1 s polling (measured for the server issue, not this run)',
      'p50 ms': '—',
      'p99 ms': '1,400–1,900',
      'max ms': '—',
    },
  ]);
} finally {
  await browser.close();
  await stack.close();
}
