/**
 * The dashboard in real Chromium against the real server, on the memory store and on a real
 * `redis-server`: sign-in; a viewer sees no write button and the API refuses its write; a kill
 * switch flipped from the keyboard with a reason shows on another open page (pushed by the
 * server's change feed: that page never reloads) and in the audit log; a rule edited with an
 * error shows it at its line and branch, then saves once fixed, then is reverted; a guarded
 * rollout advances and another rolls back as the controller steps; experiment results match
 * `analyzeExperiment` on the same aggregates. On the memory run every page is checked by axe-core
 * (no violation) under the strict CSP (no violation either), and screenshotted for the README.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeExperiment } from '@ensign/hooks';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { fitness } from './fixtures.js';
import { SCREENSHOTS_DIR, axeViolations, launchChromium, openPage, signIn } from './support/browser.js';
import { DrivenRollouts } from './support/rollout-traffic.js';
import { type Backend, type Stack, startStack, writeEvaluations, writeExperiment } from './support/stack.js';

const STAGING = 'fitness-staging';
const PRODUCTION = 'fitness-production';
/** Generous: the machine is shared and loaded; nothing here measures time. */
const SEEN_MS = 30_000;
/** Each scenario drives a browser through several pages. */
const TEST_TIMEOUT_MS = 180_000;
const ARMS = { list: { units: 2400, converted: 312 }, cards: { units: 2000, converted: 300 } } as const;

const backends: { name: string; start: () => Promise<{ backend: Backend; stop: () => Promise<void> }> }[] = [
  { name: 'the memory store', start: async () => ({ backend: { kind: 'memory' }, stop: async () => {} }) },
  {
    name: 'Redis',
    start: async () => {
      const redis = await RedisServer.start();
      return { backend: { kind: 'redis', url: redis.url, prefix: 'dash:' }, stop: () => redis.stop() };
    },
  },
];

describe.each(backends)('the dashboard on $name', ({ name, start }) => {
  const screenshots = name === 'the memory store';
  let stack: Stack;
  let stop: () => Promise<void>;
  let browser: Browser;
  let rollouts: DrivenRollouts;

  beforeAll(async () => {
    const started = await start();
    stop = started.stop;
    stack = await startStack(started.backend, {
      [STAGING]: fitness('staging'),
      [PRODUCTION]: fitness('production'),
    });
    await writeEvaluations(stack.state, STAGING, 'booking-layout', { list: 420, cards: 380 });
    await writeEvaluations(stack.state, STAGING, 'cancel-booking', { on: 90, off: 260 });
    await writeEvaluations(stack.state, STAGING, 'bookings-enabled', { on: 700 });
    await writeExperiment(stack.state, STAGING, 'booking-layout', 'purchase', ARMS);
    rollouts = new DrivenRollouts(stack);
    browser = await launchChromium();
    if (screenshots) mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await stop?.();
  });

  /** Axe finds nothing and the CSP refused nothing; on the memory run, the picture for the README. */
  async function check(page: Page, cspViolations: string[], shot: string): Promise<void> {
    if (!screenshots) return;
    await page.waitForLoadState('networkidle');
    expect(await axeViolations(page), `axe on ${shot}`).toEqual([]);
    expect(cspViolations, `CSP on ${shot}`).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, `${shot}.png`), fullPage: true });
  }

  it(
    'signs in with a token and shows every flag with its environments side by side',
    async () => {
      const { context, page, cspViolations } = await openPage(browser);
      await page.goto(`${stack.url}/dashboard/`);
      await check(page, cspViolations, 'sign-in');
      await signIn(page, stack.url, stack.tokens.admin, `#/${STAGING}/flags`);
      const rows = page.locator('table.flags tbody tr');
      await expect.poll(() => rows.count(), { timeout: SEEN_MS }).toBe(6);
      const premium = page.locator('tr[data-flag="premium-classes"]');
      await expect.poll(() => premium.textContent(), { timeout: SEEN_MS }).toMatch(/Serving.*Disabled/);
      await expect
        .poll(() => page.locator('tr[data-flag="booking-layout"]').textContent())
        .toMatch(/cards, list|list, cards/);
      await expect.poll(() => page.locator('tr[data-flag="cancel-booking"]').textContent()).toMatch(/Stale/);
      const cookies = await context.cookies();
      expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([
        ['ensign-session', true, 'Strict'],
      ]);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      expect(page.url()).not.toContain('ens_');
      await page.getByRole('searchbox', { name: 'Search' }).fill('payments');
      await expect.poll(() => rows.count()).toBe(1);
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.getByLabel('Kind').selectOption('release');
      await expect.poll(() => rows.count()).toBe(3);
      await page.getByLabel('Kind').selectOption('');
      await check(page, cspViolations, 'flags');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a viewer no write button, and the API refuses its write',
    async () => {
      const { context, page, cspViolations } = await openPage(browser);
      await signIn(page, stack.url, stack.tokens.viewer, `#/${STAGING}/flags`);
      await page.locator('tr[data-flag="bookings-enabled"]').waitFor();
      expect(await page.locator('button[data-kill]').count()).toBe(0);
      await page.goto(`${stack.url}/dashboard/#/${STAGING}/flag/cancel-booking`);
      await page.getByRole('heading', { name: 'Targeting' }).waitFor();
      await page.getByRole('heading', { name: 'History' }).waitFor();
      expect(await page.getByRole('button', { name: /Kill|Restore|Save rule|Revert/ }).count()).toBe(0);
      expect(await page.getByLabel(/Targeting rule/).getAttribute('readonly')).not.toBeNull();
      // The same write through the page's own session: refused by the API, not only hidden.
      const status = await page.evaluate(async () => {
        const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
        const answer = await fetch('/api/v1/flag-sets/fitness-staging/flags/bookings-enabled/kill', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'if-match': '*', 'x-csrf-token': session.csrfToken },
          body: '{}',
        });
        return answer.status;
      });
      expect(status).toBe(403);
      expect(cspViolations).toEqual([]);
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'kills a flag from the keyboard with a reason; another open page and the audit log show it',
    async () => {
      const a = await openPage(browser);
      const b = await openPage(browser);
      await signIn(a.page, stack.url, stack.tokens.editor, `#/${STAGING}/flags`);
      await signIn(b.page, stack.url, stack.tokens.viewer, `#/${STAGING}/flags`);
      const stateInB = b.page.locator('tr[data-flag="bookings-enabled"] td[data-state]');
      await expect.poll(() => stateInB.textContent(), { timeout: SEEN_MS }).toContain('Serving');
      await b.page.locator('.live[data-connected="true"]').waitFor({ timeout: SEEN_MS });
      const loadsInB: string[] = [];
      b.page.on('framenavigated', (frame) => loadsInB.push(frame.url()));

      // Keyboard only: Tab to the kill button, Enter, type the reason, Tab to "Kill flag", Enter.
      await a.page.locator('tr[data-flag="bookings-enabled"]').waitFor();
      let focused = '';
      for (let i = 0; i < 200 && focused !== 'bookings-enabled'; i++) {
        await a.page.keyboard.press('Tab');
        focused = await a.page.evaluate(() => document.activeElement?.getAttribute('data-kill') ?? '');
      }
      expect(focused).toBe('bookings-enabled');
      await a.page.keyboard.press('Enter');
      const dialog = a.page.getByRole('dialog', { name: 'Kill bookings-enabled' });
      await dialog.waitFor();
      expect(await dialog.getByRole('button', { name: 'Kill flag' }).isDisabled()).toBe(true);
      await a.page.keyboard.type('INC-42: bookings double-charge');
      await a.page.keyboard.press('Tab');
      await a.page.keyboard.press('Tab');
      expect(await a.page.evaluate(() => document.activeElement?.textContent)).toBe('Kill flag');
      if (screenshots) await a.page.screenshot({ path: join(SCREENSHOTS_DIR, 'kill-dialog.png') });
      if (screenshots) expect(await axeViolations(a.page)).toEqual([]);
      await a.page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached', timeout: SEEN_MS });

      await expect.poll(() => stateInB.textContent(), { timeout: SEEN_MS }).toContain('Killed');
      expect(loadsInB).toEqual([]);
      const flag = (await stack.call('GET', `/api/v1/flag-sets/${STAGING}/flags/bookings-enabled`)).body as {
        defaultVariant: string;
        metadata: Record<string, string>;
      };
      expect(flag).toMatchObject({
        defaultVariant: 'off',
        metadata: { killReason: 'INC-42: bookings double-charge' },
      });

      await a.page.goto(`${stack.url}/dashboard/#/${STAGING}/audit`);
      await a.page.getByLabel('Flag', { exact: true }).selectOption('bookings-enabled');
      const entry = a.page.locator('.audit > li').first();
      await expect
        .poll(() => entry.textContent(), { timeout: SEEN_MS })
        .toContain('INC-42: bookings double-charge');
      expect(await entry.getAttribute('data-actor')).toMatch(/^Editor Eve \(tok_/);
      await a.page.getByLabel('Actor').selectOption({ index: 1 });
      await check(a.page, a.cspViolations, 'audit-log');
      // Restore from page A; B follows again.
      await a.page.goto(`${stack.url}/dashboard/#/${STAGING}/flags`);
      await a.page.locator('button[data-kill="bookings-enabled"]').click();
      await a.page.getByRole('button', { name: 'Restore flag' }).click();
      await expect.poll(() => stateInB.textContent(), { timeout: SEEN_MS }).toContain('Serving');
      await a.context.close();
      await b.context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a rule error at its line and branch as it is typed, saves the fix, and reverts',
    async () => {
      const { context, page, cspViolations } = await openPage(browser);
      await signIn(page, stack.url, stack.tokens.editor, `#/${STAGING}/flag/cancel-booking`);
      const editor = page.getByLabel(/Targeting rule/);
      await editor.waitFor();
      const broken = JSON.stringify(
        {
          if: [
            { inn: [{ var: 'organization' }, ['acme-gyms']] },
            'off',
            {
              fractional: [
                ['on', 25],
                ['off', 75],
              ],
            },
          ],
        },
        null,
        2,
      );
      const line = broken.split('\n').findIndex((l) => l.includes('"inn"')) + 1;
      await editor.fill(broken);
      const problem = page.locator('.problems li.error');
      await problem.waitFor({ timeout: SEEN_MS });
      expect(await problem.getAttribute('data-line')).toBe(String(line));
      expect(await problem.getAttribute('data-pointer')).toBe('/if/0/inn');
      expect(await problem.textContent()).toContain('unknown operator "inn"');
      expect(await page.locator('.gutter li.bad').textContent()).toContain(String(line));
      expect(await page.locator('.rule li[data-pointer="/if/0"] .rule-issues').textContent()).toContain(
        'unknown operator',
      );
      expect(await page.getByRole('button', { name: 'Save rule' }).isDisabled()).toBe(true);
      await check(page, cspViolations, 'flag-rule-error');
      // A syntax error is placed too.
      await editor.fill('{\n  "if": [\n    true,\n  ]\n}');
      await expect.poll(() => page.locator('.problems p.error').getAttribute('data-line')).toBe('4');

      await editor.fill(broken.replace('"inn"', '"in"'));
      await page.getByText('✓ Valid').waitFor({ timeout: SEEN_MS });
      await page.getByLabel('Reason').fill('acme gets the old flow');
      await page.getByRole('button', { name: 'Save rule' }).click();
      const history = page.locator('.history > li');
      await expect
        .poll(() => history.first().textContent(), { timeout: SEEN_MS })
        .toContain('acme gets the old flow');
      const stored = (await stack.call('GET', `/api/v1/flag-sets/${STAGING}/flags/cancel-booking`)).body as {
        targeting: { if: unknown[] };
      };
      expect(stored.targeting.if[1]).toBe('off');

      // Test a context against the saved rule.
      await page.getByRole('textbox', { name: 'Attribute 1 name' }).fill('organization');
      await page.getByRole('textbox', { name: 'Attribute 1 value' }).fill('acme-gyms');
      await page.getByRole('button', { name: 'Evaluate' }).click();
      await expect
        .poll(() => page.locator('[data-result-variant]').getAttribute('data-result-variant'), {
          timeout: SEEN_MS,
        })
        .toBe('off');
      expect(await page.locator('.why').textContent()).toContain('organization is one of "acme-gyms": yes');
      await check(page, cspViolations, 'flag-detail');

      // Revert to the version before the edit (one click plus the confirmation).
      const previous = await history.nth(1).getAttribute('data-version');
      await page.locator(`button[data-revert="${previous}"]`).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revert' }).click();
      await expect
        .poll(
          async () =>
            (
              (await stack.call('GET', `/api/v1/flag-sets/${STAGING}/flags/cancel-booking`)).body as {
                targeting: { if: unknown[] };
              }
            ).targeting.if[1],
          { timeout: SEEN_MS },
        )
        .toBe('on');
      await expect
        .poll(() => history.first().textContent(), { timeout: SEEN_MS })
        .toMatch(/\/targeting\/if\/1: before "off" → after "on"/);
      await expect.poll(() => editor.inputValue(), { timeout: SEEN_MS }).toContain('"on"');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'follows a guarded rollout advancing, and another rolling back',
    async () => {
      const started = await stack.call('POST', `/api/v1/flag-sets/${STAGING}/rollouts`, {
        id: 'checkout-v2',
        flagKey: 'new-checkout',
        release: 'on',
        replace: 'off',
        stages: [
          { percent: 10, minDuration: '1m', minUnitsPerArm: 0 },
          { percent: 50, minDuration: '1m', minUnitsPerArm: 0 },
          { percent: 100, minDuration: '0m', minUnitsPerArm: 0 },
        ],
        guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase', tolerance: 0.2 }],
      });
      expect(started.status).toBe(201);
      const { context, page, cspViolations } = await openPage(browser);
      await signIn(page, stack.url, stack.tokens.editor, `#/${STAGING}/rollout/checkout-v2`);
      const percent = page.locator('[data-percent]');
      await expect.poll(() => percent.getAttribute('data-percent'), { timeout: SEEN_MS }).toBe('0');

      await rollouts.tick();
      await expect.poll(() => percent.getAttribute('data-percent'), { timeout: SEEN_MS }).toBe('10');
      expect(await page.locator('[data-stage="0"]').getAttribute('data-state')).toBe('current');
      await rollouts.traffic(STAGING, 'new-checkout', 4000, { on: 0.02, off: 0.02 });
      await rollouts.tick();
      await expect.poll(() => percent.getAttribute('data-percent'), { timeout: SEEN_MS }).toBe('50');
      await expect
        .poll(() => page.locator('[data-stage="1"]').getAttribute('data-state'), { timeout: SEEN_MS })
        .toBe('current');
      expect(await page.locator('[data-stage="0"]').getAttribute('data-state')).toBe('done');
      await rollouts.traffic(STAGING, 'new-checkout', 4000, { on: 0.02, off: 0.021 });
      await page
        .getByRole('button', { name: 'Refresh figures' })
        .click()
        .catch(() => undefined);
      await page.locator('.guardrail[data-metric="error"] canvas').first().waitFor({ timeout: SEEN_MS });
      await check(page, cspViolations, 'rollout');
      await rollouts.tick();
      await expect
        .poll(() => page.locator('[data-status]').getAttribute('data-status'), { timeout: SEEN_MS })
        .toBe('completed');

      // A release that hurts: errors at 40% against 2% are rolled back by the controller.
      const harmful = await stack.call('POST', `/api/v1/flag-sets/${STAGING}/rollouts`, {
        id: 'search-v2',
        flagKey: 'new-search',
        release: 'on',
        replace: 'off',
        stages: [
          { percent: 20, minDuration: '1h', minUnitsPerArm: 0 },
          { percent: 100, minDuration: '0m', minUnitsPerArm: 0 },
        ],
        guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase' }],
      });
      expect(harmful.status).toBe(201);
      await page.goto(`${stack.url}/dashboard/#/${STAGING}/rollout/search-v2`);
      await rollouts.tick();
      await expect.poll(() => percent.getAttribute('data-percent'), { timeout: SEEN_MS }).toBe('20');
      await rollouts.traffic(STAGING, 'new-search', 5000, { on: 0.4, off: 0.02 });
      await rollouts.tick();
      await expect
        .poll(() => page.locator('[data-status]').getAttribute('data-status'), { timeout: SEEN_MS })
        .toBe('rolled-back');
      await expect.poll(() => percent.getAttribute('data-percent'), { timeout: SEEN_MS }).toBe('0');
      expect(await page.locator('[data-stage="0"]').getAttribute('data-state')).toBe('stopped');
      await check(page, cspViolations, 'rollout-rolled-back');
      await page.goto(`${stack.url}/dashboard/#/${STAGING}/rollouts`);
      await expect.poll(() => page.locator('tr[data-plan]').count(), { timeout: SEEN_MS }).toBe(2);
      await check(page, cspViolations, 'rollouts');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows experiment results that match analyzeExperiment on the same data, and the sample-ratio warning',
    async () => {
      const expected = analyzeExperiment({
        flagKey: 'booking-layout',
        metric: 'purchase',
        control: 'list',
        aggregates: Object.entries(ARMS).map(([variant, arm]) => ({
          variant,
          units: arm.units,
          converted: arm.converted,
          events: arm.converted,
        })),
        weights: { list: 50, cards: 50 },
        metricEventsInSet: ARMS.list.converted + ARMS.cards.converted,
      });
      const { context, page, cspViolations } = await openPage(browser);
      await signIn(page, stack.url, stack.tokens.viewer, `#/${STAGING}/experiments/booking-layout`);
      await page.locator('table.experiment tbody tr').first().waitFor({ timeout: SEEN_MS });
      const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
      const p = (v: number | null | undefined) =>
        v === null || v === undefined ? '—' : v < 0.0001 ? '< 0.0001' : v.toFixed(4);
      for (const variant of expected.variants) {
        const row = page.locator(`tr[data-variant="${variant.variant}"]`);
        expect(await row.locator('[data-exposed]').textContent()).toBe(String(variant.exposedUsers));
        expect(await row.locator('[data-converted]').textContent()).toBe(String(variant.convertedUsers));
        expect(await row.locator('[data-rate]').textContent()).toBe(
          `${pct(variant.conversionRate)} [${pct(variant.ci95.low)}, ${pct(variant.ci95.high)}]`,
        );
        expect(await row.locator('[data-p]').textContent()).toBe(p(variant.pValue));
        expect(await row.locator('[data-always-valid-p]').textContent()).toBe(p(variant.alwaysValid?.pValue));
      }
      expect(expected.sampleRatio?.mismatch).toBe(true);
      expect(await page.locator('[data-srm]').textContent()).toContain('Sample-ratio mismatch');
      await check(page, cspViolations, 'experiment');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'manages tokens and webhooks as an admin, and shows the stale flags',
    async () => {
      const { context, page, cspViolations } = await openPage(browser);
      await signIn(page, stack.url, stack.tokens.admin, `#/${STAGING}/stale`);
      await expect
        .poll(() => page.locator('tr[data-flag="cancel-booking"]').count(), { timeout: SEEN_MS })
        .toBe(1);
      await check(page, cspViolations, 'stale-flags');
      await page.goto(`${stack.url}/dashboard/#/${STAGING}/tokens`);
      await page.getByLabel('Name').fill('ci deploy');
      await page.getByLabel('Role').selectOption('editor');
      await page.getByLabel(/^Flag sets/).fill(STAGING);
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect
        .poll(() => page.locator('[data-created-token]').textContent(), { timeout: SEEN_MS })
        .toMatch(/^ens_editor_/);
      await page.getByRole('button', { name: 'Revoke ci deploy' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
      await expect
        .poll(() => page.locator('tr', { hasText: 'ci deploy' }).textContent(), { timeout: SEEN_MS })
        .toContain('revoked');
      await check(page, cspViolations, 'tokens');
      await page.goto(`${stack.url}/dashboard/#/${STAGING}/webhooks`);
      await page.getByLabel('URL').fill('https://hooks.example.com/ensign');
      await page.getByRole('checkbox', { name: STAGING }).check();
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await expect.poll(() => page.locator('tr[data-webhook]').count(), { timeout: SEEN_MS }).toBe(1);
      await check(page, cspViolations, 'webhooks');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );
});
