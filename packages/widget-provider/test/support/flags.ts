import type { FlagSetDocument } from '@ensign/core';

/** Users named in targeting rules; none of them may ever reach a widget. */
export const ALLOWLISTED_USERS = ['vip-user-7', 'staff-user-9'] as const;

/**
 * The fitness-booking seed flags: a client-side layout experiment targeted by country and an
 * allowlist, a client-side kill switch, a percentage rollout, and a server-only permission flag.
 */
export const BOOKING_FLAGS: FlagSetDocument = {
  flags: {
    'booking-layout': {
      state: 'ENABLED',
      variants: { list: 'list', grid: 'grid', cards: 'cards' },
      defaultVariant: 'list',
      targeting: {
        if: [
          { in: [{ var: 'targetingKey' }, [...ALLOWLISTED_USERS]] },
          'cards',
          { '==': [{ var: 'country' }, 'SE'] },
          'grid',
          null,
        ],
      },
      metadata: { clientSide: true, kind: 'experiment', owner: 'growth@example.com' },
    },
    'cancel-booking': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 25],
          ['off', 75],
        ],
      },
      metadata: { clientSide: true, kind: 'release' },
    },
    'booking-kill-switch': {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { clientSide: true, kind: 'kill-switch' },
    },
    'max-bookings': {
      state: 'ENABLED',
      variants: { few: 3, many: 10 },
      defaultVariant: 'few',
      metadata: { clientSide: true },
    },
    'refund-override': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ in: [{ var: 'targetingKey' }, ['staff-user-9']] }, 'on', 'off'] },
      metadata: { kind: 'permission' },
    },
  },
};
