import type { FlagSetDocument } from '@ensign/core';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditLog, type AuditRecord, KillSwitchHook, toStructuredLogger } from '../src/index.js';
import { CoreProvider } from './support/core-provider.js';

/** A hand-written in-memory audit log, newest entry first, like the stores' `history()`. */
class ListAuditLog implements AuditLog {
  readonly entries: (AuditRecord & { flagKey: string })[] = [];
  calls = 0;
  async history(
    _flagSet: string,
    options: { flagKey?: string; limit?: number } = {},
  ): Promise<AuditRecord[]> {
    this.calls++;
    return this.entries.filter((e) => e.flagKey === options.flagKey).slice(0, options.limit ?? 100);
  }
}

function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: unknown, fields: unknown) =>
    void lines.push({ level, message: String(message), fields: fields as Record<string, unknown> });
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
}

const flag = (state: 'ENABLED' | 'DISABLED', extra: Record<string, unknown> = {}) => ({
  state,
  variants: { on: true, off: false },
  defaultVariant: 'on',
  metadata: { kind: 'kill-switch', owner: 'payments' },
  ...extra,
});

function doc(flags: Record<string, unknown>): FlagSetDocument {
  return { flags } as unknown as FlagSetDocument;
}

describe(KillSwitchHook.name, () => {
  const audit = new ListAuditLog();
  audit.entries.push(
    {
      flagKey: 'checkout-kill',
      actor: 'alice@example.com',
      at: '2026-11-22T10:00:00.000Z',
      operation: 'patch',
      version: 7,
      reason: 'INC-42',
      before: flag('ENABLED'),
      after: flag('DISABLED'),
    },
    {
      flagKey: 'checkout-kill',
      actor: 'bob@example.com',
      at: '2026-11-21T09:00:00.000Z',
      operation: 'put',
      version: 3,
      before: null,
      after: flag('ENABLED'),
    },
  );
  const provider = new CoreProvider(
    doc({
      'checkout-kill': flag('DISABLED'),
      'search-ops': flag('ENABLED', {
        defaultVariant: 'off',
        metadata: { kind: 'ops', killSwitchOffVariant: 'off' },
      }),
      'new-ui': { ...flag('DISABLED'), metadata: { kind: 'release' } },
    }),
    'shop',
  );
  afterAll(() => OpenFeature.clearProviders());

  it('logs an active kill switch once per interval with who flipped it and when, without blocking evaluation', async () => {
    let now = Date.parse('2026-11-22T10:05:00.000Z');
    const { lines, logger } = recordingLogger();
    const hook = new KillSwitchHook({
      logger,
      loggerStyle: 'console',
      auditLog: audit,
      intervalMs: 60_000,
      now: () => now,
    });
    await OpenFeature.setProviderAndWait('kill-1', provider);
    const client = OpenFeature.getClient('kill-1');
    client.addHooks(hook);
    for (let i = 0; i < 50; i++)
      expect(await client.getBooleanValue('checkout-kill', true, { targetingKey: `u${i}` })).toBe(true);
    await client.getBooleanValue('new-ui', true); // disabled, but not a kill switch
    await hook.idle();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toBe(
      'kill switch "checkout-kill" is active (turned on by alice@example.com at 2026-11-22T10:00:00.000Z: INC-42)',
    );
    expect(lines[0]!.fields).toMatchObject({
      flagKey: 'checkout-kill',
      flagSetId: 'shop',
      version: 1,
      reason: 'DISABLED',
      flippedBy: 'alice@example.com',
      flippedAt: '2026-11-22T10:00:00.000Z',
      flipReason: 'INC-42',
    });
    expect(audit.calls).toBe(1);
    now += 59_999;
    await client.getBooleanValue('checkout-kill', true);
    expect(lines).toHaveLength(1);
    now += 1;
    await client.getBooleanValue('checkout-kill', true);
    await hook.idle();
    expect(lines).toHaveLength(2);
    expect(audit.calls).toBe(1); // the flip is cached per flag version
    expect(hook.stats().activeFlags).toEqual(['checkout-kill']);
  });

  it('recognises the designated off variant of an ops flag (metadata killSwitchOffVariant)', async () => {
    const { lines, logger } = recordingLogger();
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console' });
    await OpenFeature.setProviderAndWait('kill-2', provider);
    const client = OpenFeature.getClient('kill-2');
    client.addHooks(hook);
    expect(await client.getBooleanValue('search-ops', true)).toBe(false);
    expect(lines).toHaveLength(0); // written from a timer, not on the evaluation path
    await hook.idle();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ flagKey: 'search-ops', variant: 'off', reason: 'STATIC' });
  });

  it('warns once when a kill switch has been active longer than the threshold, counted from the flip', async () => {
    const { lines, logger } = recordingLogger();
    const now = Date.parse('2026-11-22T12:30:00.000Z'); // 2.5 h after alice's flip
    const hook = new KillSwitchHook({
      logger,
      loggerStyle: 'console',
      auditLog: audit,
      activeWarningAfterMs: 2 * 3_600_000,
      now: () => now,
    });
    await OpenFeature.setProviderAndWait('kill-3', provider);
    const client = OpenFeature.getClient('kill-3');
    client.addHooks(hook);
    await client.getBooleanValue('checkout-kill', true);
    await client.getBooleanValue('checkout-kill', true);
    await hook.idle();
    await client.getBooleanValue('checkout-kill', true);
    const long = lines.filter((l) => l.message.includes('has been active for'));
    expect(long).toHaveLength(1);
    expect(long[0]!.message).toContain('150 min (threshold 120 min)');
    expect(long[0]!.fields).toMatchObject({ flagKey: 'checkout-kill', activeForMs: 150 * 60_000 });
  });

  it('never waits for a slow audit log: the line is logged without who/when after auditTimeoutMs', async () => {
    const { lines, logger } = recordingLogger();
    const stuck: AuditLog = { history: () => new Promise(() => {}) };
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console', auditLog: stuck, auditTimeoutMs: 30 });
    await OpenFeature.setProviderAndWait('kill-4', provider);
    const client = OpenFeature.getClient('kill-4');
    client.addHooks(hook);
    expect(await client.getBooleanValue('checkout-kill', true)).toBe(true);
    // The evaluation has returned while the lookup is still pending: nothing logged yet.
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(0);
    await hook.idle();
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'kill switch "checkout-kill" is active',
    ]);
  });

  it('logs the flip announced by PROVIDER_CONFIGURATION_CHANGED, with the audit entry', async () => {
    const { lines, logger } = recordingLogger();
    const log = new ListAuditLog();
    const local = new CoreProvider(
      doc({ 'pay-kill': flag('ENABLED'), other: { ...flag('ENABLED'), metadata: {} } }),
      'shop',
    );
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console', auditLog: log, flagSet: 'shop' });
    await OpenFeature.setProviderAndWait('kill-5', local);
    const client = OpenFeature.getClient('kill-5');
    const detach = hook.attach(client);
    log.entries.unshift({
      flagKey: 'pay-kill',
      actor: 'carol',
      at: '2026-11-22T11:00:00.000Z',
      operation: 'patch',
      version: 2,
      before: flag('ENABLED'),
      after: flag('DISABLED'),
    });
    local.replace(doc({ 'pay-kill': flag('DISABLED'), other: { ...flag('DISABLED'), metadata: {} } }));
    await new Promise((r) => setTimeout(r, 20));
    await hook.idle();
    expect(lines.map((l) => l.message)).toEqual([
      'kill switch "pay-kill" turned ON (feature off) by carol at 2026-11-22T11:00:00.000Z',
    ]);
    expect(lines[0]!.fields).toMatchObject({
      flagKey: 'pay-kill',
      active: true,
      version: 2,
      flippedBy: 'carol',
    });
    detach();
    local.replace(doc({ 'pay-kill': flag('ENABLED') }));
    await new Promise((r) => setTimeout(r, 20));
    await hook.idle();
    expect(lines).toHaveLength(1);
  });
});

describe(`${KillSwitchHook.name} flips in quick succession`, () => {
  const on = (actor: string, version: number, reason: string) => ({
    flagKey: 'pay-kill',
    actor,
    at: `2026-11-22T11:00:00.00${version}Z`,
    operation: 'patch',
    version,
    reason,
    before: flag('ENABLED'),
    after: flag('DISABLED'),
  });
  const off = (actor: string, version: number, reason: string) => ({
    ...on(actor, version, reason),
    before: flag('DISABLED'),
    after: flag('ENABLED'),
  });

  it('logs two flips 1 ms apart each with its own actor and reason, matched by version', async () => {
    const { lines, logger } = recordingLogger();
    const log = new ListAuditLog();
    const local = new CoreProvider(doc({ 'pay-kill': flag('ENABLED') }), 'shop');
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console', auditLog: log });
    hook.attach(local.events);
    // Both writes land in the store before the provider announces either: when the hook reads
    // the log for the first announcement, the newest entry is already dave's.
    log.entries.unshift(off('dave', 3, 'false alarm'), on('carol', 2, 'INC-1'));
    local.replace(doc({ 'pay-kill': flag('DISABLED') })); // version 2
    local.replace(doc({ 'pay-kill': flag('ENABLED') })); // version 3
    await new Promise((r) => setTimeout(r, 10));
    await hook.idle();
    expect(lines.map((l) => l.message)).toEqual([
      'kill switch "pay-kill" turned ON (feature off) by carol at 2026-11-22T11:00:00.002Z: INC-1',
      'kill switch "pay-kill" turned OFF (feature back on) by dave at 2026-11-22T11:00:00.003Z: false alarm',
    ]);
    expect(lines.map((l) => l.fields.version)).toEqual([2, 3]);
  });

  it('logs every flip behind one announcement that covers several versions', async () => {
    const { lines, logger } = recordingLogger();
    const log = new ListAuditLog();
    const local = new CoreProvider(doc({ 'pay-kill': flag('ENABLED') }), 'shop');
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console', auditLog: log });
    hook.attach(local.events);
    log.entries.unshift(on('carol', 2, 'INC-1'));
    local.events.emit(ProviderEvents.ConfigurationChanged, {
      flagsChanged: ['pay-kill'],
      metadata: { flagSetId: 'shop', version: 2 },
    });
    await hook.idle();
    // A provider that caught up after a gap announces versions 3 to 5 at once.
    log.entries.unshift(off('dave', 3, 'false alarm'), { ...on('erin', 4, 'INC-2'), flagKey: 'other' });
    log.entries.unshift(on('erin', 5, 'INC-2'));
    local.events.emit(ProviderEvents.ConfigurationChanged, {
      flagsChanged: ['pay-kill'],
      metadata: { flagSetId: 'shop', version: 5 },
    });
    await hook.idle();
    expect(lines.map((l) => [l.fields.flippedBy, l.fields.version, l.fields.active])).toEqual([
      ['carol', 2, true],
      ['dave', 3, false],
      ['erin', 5, true],
    ]);
  });
});

describe(`${KillSwitchHook.name}.attach`, () => {
  it("accepts a provider's event emitter, the API and web clients; detaching stops the logs", async () => {
    const { lines, logger } = recordingLogger();
    const log = new ListAuditLog();
    log.entries.push({
      flagKey: 'k',
      actor: 'dana',
      at: '2026-11-22T12:00:00.000Z',
      operation: 'patch',
      version: 9,
      before: flag('DISABLED'),
      after: flag('ENABLED'),
    });
    const hook = new KillSwitchHook({ logger, loggerStyle: 'console', auditLog: log, flagSet: 'shop' });
    const provider = new CoreProvider(doc({ k: flag('ENABLED') }), 'shop');
    const detachers = [
      hook.attach(provider.events),
      hook.attach(OpenFeature),
      hook.attach(WebOpenFeature.getClient()),
    ];
    provider.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: ['k'] });
    await new Promise((r) => setTimeout(r, 10));
    await hook.idle();
    expect(lines.map((l) => l.message)).toEqual([
      'kill switch "k" turned OFF (feature back on) by dana at 2026-11-22T12:00:00.000Z',
    ]);
    for (const detach of detachers) detach();
    provider.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: ['k'] });
    await new Promise((r) => setTimeout(r, 10));
    await hook.idle();
    expect(lines).toHaveLength(1);
  });
});

describe(toStructuredLogger.name, () => {
  it('calls pino-style loggers with (fields, message) and console-style ones with (message, fields)', () => {
    const calls: unknown[][] = [];
    const pinoLike = {
      levels: { values: { warn: 40 } },
      child: () => pinoLike,
      error() {},
      warn: (...args: unknown[]) => void calls.push(['pino', ...args]),
      info() {},
      debug() {},
    };
    const consoleLike = {
      error() {},
      warn: (...args: unknown[]) => void calls.push(['console', ...args]),
      info() {},
      debug() {},
    };
    toStructuredLogger(pinoLike).warn({ a: 1 }, 'm');
    toStructuredLogger(consoleLike).warn({ a: 1 }, 'm');
    toStructuredLogger({
      ...consoleLike,
      warn: () => {
        throw new Error('broken logger');
      },
    }).warn({}, 'ignored');
    expect(calls).toEqual([
      ['pino', { a: 1 }, 'm'],
      ['console', 'm', { a: 1 }],
    ]);
  });
});
