/**
 * The flag set the OFREP tests serve: one flag per kind of answer (static, targeted, default,
 * disabled, broken at run time, each value type), some marked client-side on themselves, and a
 * set-level `clientSide: true` that must not make any flag client-side.
 */
import type { FlagSetDocument } from '@ensign/core';

/** Client-side flags, by key, sorted. */
export const CLIENT_FLAGS = ['banner', 'checkout-layout', 'kill-cart'];
/** Strings that exist only in server-side flags: a client answer must contain none of them. */
export const SERVER_ONLY = ['internal-pricing', 'admin-tools', 'secret-discount', 'runtime-broken'];

export function ofrepFlags(): FlagSetDocument {
  return {
    flags: {
      banner: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { clientSide: true, kind: 'release' },
      },
      'checkout-layout': {
        state: 'ENABLED',
        variants: { list: 'list', grid: 'grid' },
        defaultVariant: 'list',
        targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'grid', null] },
        metadata: { clientSide: true, kind: 'experiment' },
      },
      'kill-cart': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { clientSide: true, kind: 'ops' },
      },
      'internal-pricing': {
        state: 'ENABLED',
        variants: { low: 0.9, high: 1.25 },
        defaultVariant: 'low',
        targeting: { if: [{ in: [{ var: 'country' }, ['US', 'CA']] }, 'high', null] },
      },
      'admin-tools': {
        state: 'DISABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { kind: 'permission' },
      },
      'secret-discount': {
        state: 'ENABLED',
        variants: { none: { percent: 0 }, vip: { percent: 20, code: 'VIP20' } },
        defaultVariant: 'none',
        targeting: { if: [{ ends_with: [{ var: 'email' }, '@vip.example'] }, 'vip', null] },
      },
      'runtime-broken': {
        state: 'ENABLED',
        variants: { a: 1, b: 2 },
        defaultVariant: 'a',
        targeting: { var: 'pick' },
      },
    },
    metadata: { clientSide: true, team: 'checkout' },
  };
}
