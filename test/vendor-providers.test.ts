/**
 * The same app code on other vendors' providers. One shared scenario (a 25 % percentage rollout,
 * a targeting rule, a kill switch, typed errors, the widget hand-off) is run by one unchanged app
 * module (fixtures/vendor/app.ts, OpenFeature client API only) on every provider of the table in
 * fixtures/vendor/providers.ts: ours over memory, a real redis-server and the Firestore emulator,
 * OpenFeature's InMemoryProvider, flagd's in-process provider from a file, LaunchDarkly's
 * provider on TestData.
 * App-level outcomes must agree; reasons and variant names are each vendor's own (asserted per
 * entry), and so is bucketing (split proportions are asserted, and flagd-format providers must
 * agree member by member). See fixtures/vendor/README.md.
 */
import { NotClientSideFlagError, evaluateWidgetFlags } from '@ensign/widget-provider/server';
import {
  type Client,
  ErrorCode,
  type EventHandler,
  OpenFeature,
  ProviderEvents,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLAGS,
  MISSING_FLAG,
  type Member,
  WIDGET_FLAGS,
  bookingsView,
  contextOf,
  explain,
  mistakes,
  widgetFlags,
} from './fixtures/vendor/app.js';
import { VENDORS } from './fixtures/vendor/providers.js';
import type { Reported, VendorEntry, VendorSetup } from './fixtures/vendor/vendor.js';

/** The rollout population: enough members that 25 % ± 3 points holds for any decent hash. */
const POPULATION: readonly Member[] = Array.from({ length: 2_000 }, (_, i) => ({ id: `member-${i}` }));
/** The rule's cases: tier → premium classes. */
const RULE_CASES: readonly (Member & { premium: boolean })[] = [
  { id: 'rule-pro', tier: 'pro', premium: true },
  { id: 'rule-business', tier: 'business', premium: true },
  { id: 'rule-free', tier: 'free', premium: false },
  { id: 'rule-no-tier', premium: false },
];

interface Running {
  readonly setup: VendorSetup;
  readonly client: Client;
}
const running = new Map<VendorEntry, Running>();
/** The table as `[name, entry]` rows, for test titles. */
const ROWS = VENDORS.map((entry) => [entry.name, entry] as const);

function runningFor(entry: VendorEntry): Running {
  const found = running.get(entry);
  if (!found) throw new Error(`${entry.name} did not start`);
  return found;
}

/** Who gets the rollout, member by member, through the app code. */
async function rolloutOf(client: Client, members: readonly Member[] = POPULATION): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const [i, member] of members.entries()) {
    out.push((await bookingsView(client, member)).canCancel);
    // Local evaluations resolve in microtasks only: without a turn of the event loop now and
    // then, thousands of them starve the sockets (the Redis provider's change feed would look
    // stalled), which a server handling requests never does.
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Resolves with `flagsChanged` of the next configuration change that names `flagKey`. */
function nextChange(client: Client, flagKey: string, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const handler: EventHandler<ProviderEvents.ConfigurationChanged> = (details) => {
      const changed = details?.flagsChanged ?? [];
      if (!changed.includes(flagKey)) return;
      clearTimeout(timer);
      client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
      resolve([...changed].sort());
    };
    const timer = setTimeout(() => {
      client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
      reject(new Error(`no PROVIDER_CONFIGURATION_CHANGED naming ${flagKey} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
  });
}

const reported = (details: { reason?: string; variant?: string }): Reported => ({
  reason: details.reason ?? '',
  variant: details.variant,
});

beforeAll(async () => {
  for (const [i, entry] of VENDORS.entries()) {
    const setup = await entry.start();
    const domain = `vendor-scenario-${i}`;
    running.set(entry, { setup, client: OpenFeature.getClient(domain) });
    await OpenFeature.setProviderAndWait(domain, setup.provider);
  }
  // The Firestore emulator (Java) alone may take most of a minute to start on a busy machine.
}, 120_000);

afterAll(async () => {
  await OpenFeature.close();
  for (const { setup } of running.values()) await setup.close();
});

describe('the same app code on every provider', () => {
  it.each(ROWS)('%s: serves the scenario as configured', async (_name, entry) => {
    const { client } = runningFor(entry);
    expect(client.metadata.providerMetadata.name).toBe(entry.providerName);
    expect(await bookingsView(client, { id: 'member-start', tier: 'pro' })).toMatchObject({
      available: true,
      premiumClasses: true,
      layout: 'cards',
    });
    const details = await explain(client, { id: 'member-start' });
    expect(reported(details.layout)).toEqual(entry.reports.layout);
    expect(reported(details.killSwitch)).toEqual(entry.reports.enabled);
  });

  it.each(ROWS)(
    '%s: percentage rollout gives 25 ± 3 percent of 2,000 members the flag, each on every call',
    async (_name, entry) => {
      const { client } = runningFor(entry);
      const first = await rolloutOf(client);
      const share = first.filter(Boolean).length / first.length;
      expect(share).toBeGreaterThan(0.22);
      expect(share).toBeLessThan(0.28);
      // Sticky: the same members get the same answer again.
      expect(await rolloutOf(client, POPULATION.slice(0, 200))).toEqual(first.slice(0, 200));
      const inside = POPULATION[first.indexOf(true)]!;
      const outside = POPULATION[first.indexOf(false)]!;
      expect(reported((await explain(client, inside)).rollout)).toEqual(entry.reports.rolloutOn);
      expect(reported((await explain(client, outside)).rollout)).toEqual(entry.reports.rolloutOff);
    },
  );

  it('buckets member by member like flagd on every flagd-format provider, and differently elsewhere', async () => {
    const flagdLike = VENDORS.filter((entry) => entry.bucketing === 'flagd');
    const own = VENDORS.filter((entry) => entry.bucketing === 'own');
    expect(flagdLike.length).toBeGreaterThanOrEqual(2);
    const reference = await rolloutOf(runningFor(flagdLike[0]!).client);
    for (const entry of flagdLike.slice(1))
      expect(await rolloutOf(runningFor(entry).client)).toEqual(reference);
    for (const entry of own) {
      const theirs = await rolloutOf(runningFor(entry).client);
      const agreement = theirs.filter((value, i) => value === reference[i]).length / reference.length;
      // Independent 25 % splits agree on about 0.25² + 0.75² = 62.5 % of members: moving to or
      // from such a vendor re-buckets about a third of the population.
      expect(agreement).toBeLessThan(0.8);
    }
  });

  it.each(ROWS)(
    '%s: the targeting rule gives premium classes to pro and business only',
    async (_name, entry) => {
      const { client } = runningFor(entry);
      for (const member of RULE_CASES) {
        expect((await bookingsView(client, member)).premiumClasses).toBe(member.premium);
        const details = (await explain(client, member)).rule;
        expect(reported(details)).toEqual(member.premium ? entry.reports.ruleMatch : entry.reports.ruleMiss);
      }
    },
  );

  it.each(ROWS)(
    '%s: a wrong type and a missing flag give the caller’s default and a typed error',
    async (_name, entry) => {
      const { wrongType, missing } = await mistakes(runningFor(entry).client, { id: 'member-mistakes' });
      expect(wrongType).toMatchObject({
        value: 3,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
      });
      expect(missing).toMatchObject({
        value: true,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
      });
    },
  );

  it.each(ROWS)('%s: hands the widget its two flags, results only', async (_name, entry) => {
    const { client } = runningFor(entry);
    const member = { id: 'member-widget', tier: 'pro' };
    const view = await bookingsView(client, member);
    const details = await explain(client, member);
    const payload = await widgetFlags(client, member, entry.clientSideFlags);
    const metadata = (kind: string) => entry.widgetMetadata && { ...entry.widgetMetadata, kind };
    expect(payload).toEqual({
      v: 1,
      flags: {
        [FLAGS.rollout]: {
          value: view.canCancel,
          ...reported(details.rollout),
          flagMetadata: metadata('release'),
        },
        [FLAGS.layout]: { value: view.layout, ...entry.reports.layout, flagMetadata: metadata('experiment') },
      },
    });
    expect(Object.keys(payload.flags).sort()).toEqual(Object.keys(WIDGET_FLAGS).sort());
    if (entry.clientSideFlags === undefined) {
      // Ours reports each flag's own metadata: the server-only kill switch is refused by it.
      await expect(
        evaluateWidgetFlags(client, { [FLAGS.killSwitch]: false }, contextOf(member)),
      ).rejects.toBeInstanceOf(NotClientSideFlagError);
    } else {
      // Without a flag's own metadata, only the app's allowlist can hand a flag over.
      await expect(widgetFlags(client, member)).rejects.toBeInstanceOf(NotClientSideFlagError);
    }
  });
});

describe('the kill switch, thrown by each vendor’s operator', () => {
  it.each(ROWS)(
    '%s: puts the app in maintenance once the change is announced',
    async (_name, entry) => {
      const { client, setup } = runningFor(entry);
      // flagd polls its file about every 5 s; the others announce within milliseconds.
      const changed = nextChange(client, FLAGS.killSwitch, 15_000);
      await setup.killBookings();
      expect(await changed).toEqual([FLAGS.killSwitch]);
      for (const member of RULE_CASES) {
        expect(await bookingsView(client, member)).toEqual({
          available: false,
          canCancel: false,
          premiumClasses: false,
          layout: 'list',
        });
      }
      const details = (await explain(client, { id: 'member-killed' })).killSwitch;
      expect(details.value).toBe(false);
      expect(reported(details)).toEqual(entry.reports.killed);
    },
    30_000,
  );

  it.each(ROWS)('%s: logged no error or warning but the missing flag’s', (_name, entry) => {
    expect(runningFor(entry).setup.logged.filter((line) => !line.includes(MISSING_FLAG))).toEqual([]);
  });
});
