/** From audit entries to webhook events and Slack text: pure functions, every branch. */
import type { AuditEntry } from '@ensign/store';
import { describe, expect, it } from 'vitest';
import { actorName, eventOf, isOff, slackEscape, summaryOf } from '../src/webhooks/events.js';

const base = { state: 'ENABLED' as const, variants: { on: true, off: false }, defaultVariant: 'on' };
const entry = (partial: Partial<AuditEntry>): AuditEntry => ({
  id: '1-0',
  flagSet: 'fitness',
  version: 7,
  operation: 'patch',
  flagKey: 'bookings-enabled',
  actor: 'alice (tok_0123456789abcdef)',
  at: '2026-01-01T00:00:00.000Z',
  before: base,
  after: base,
  ...partial,
});

describe('webhook events', () => {
  it('knows a flag is off when disabled, killed, or serving its off variant to everyone', () => {
    expect(isOff(base)).toBe(false);
    expect(isOff({ ...base, state: 'DISABLED' })).toBe(true);
    expect(isOff({ ...base, metadata: { killedAt: '2026-01-01T00:00:00Z' } })).toBe(true);
    expect(isOff({ ...base, defaultVariant: 'off', metadata: { killSwitchOffVariant: 'off' } })).toBe(true);
    expect(isOff({ ...base, defaultVariant: 'off', metadata: { offVariant: 'off' } })).toBe(true);
    // Targeting may still serve "on" to some: not off for everyone.
    expect(
      isOff({
        ...base,
        defaultVariant: 'off',
        targeting: { if: [true, 'on', null] },
        metadata: { offVariant: 'off' },
      }),
    ).toBe(false);
    expect(isOff(null)).toBe(false);
  });

  it('names every kind of write', () => {
    const off = { ...base, state: 'DISABLED' as const };
    expect(eventOf(entry({ before: null, operation: 'put' }))).toBe('flag.created');
    expect(eventOf(entry({ after: off }))).toBe('flag.killed');
    expect(eventOf(entry({ before: off }))).toBe('flag.restored');
    expect(eventOf(entry({ before: off, after: { ...off, metadata: { owner: 'x' } } }))).toBe('flag.updated');
    expect(eventOf(entry({ operation: 'put', after: { ...base, defaultVariant: 'off' } }))).toBe(
      'flag.updated',
    );
    expect(eventOf(entry({ operation: 'delete', after: null }))).toBe('flag.deleted');
    expect(eventOf(entry({ operation: 'replace', flagKey: undefined }))).toBe('flagset.replaced');
    expect(eventOf(entry({ operation: 'revert', flagKey: undefined }))).toBe('flagset.reverted');
  });

  it('writes the Slack line a person reads', () => {
    const killSwitch = { ...base, metadata: { kind: 'kill-switch' } };
    const killed = entry({
      before: killSwitch,
      after: { ...killSwitch, state: 'DISABLED' },
      reason: 'INC-42',
    });
    expect(summaryOf(killed, eventOf(killed))).toBe(
      'bookings kill switch turned OFF by alice: INC-42 (fitness v7)',
    );
    const ops = { ...base, metadata: { kind: 'ops' } };
    const payments = entry({
      flagKey: 'payments_kill_switch',
      before: { ...ops, state: 'DISABLED' },
      after: ops,
    });
    expect(summaryOf(payments, 'flag.restored')).toBe('payments kill switch turned ON by alice (fitness v7)');
    expect(
      summaryOf(entry({ flagKey: 'enabled', before: killSwitch, after: killSwitch }), 'flag.updated'),
    ).toBe('enabled kill switch changed by alice (fitness v7)');
    expect(summaryOf(entry({ actor: 'ci <bot>' }), 'flag.updated')).toBe(
      'flag bookings-enabled changed by ci &lt;bot&gt; (fitness v7)',
    );
  });

  it('shows the actor without its token id, and escapes what Slack would act on', () => {
    expect(actorName('alice (tok_3fa1b2c3d4e5f607)')).toBe('alice');
    expect(actorName('widget')).toBe('widget');
    expect(actorName('bob (not a token)')).toBe('bob (not a token)');
    expect(slackEscape('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
  });
});
