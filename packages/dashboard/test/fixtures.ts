/** The flag sets the dashboard's tests and bench run on. */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';

/** The fitness app's flags (as in examples/flags), plus a rollout flag and an experiment. */
export function fitness(environment: 'staging' | 'production'): FlagSetDocument {
  const flags: Record<string, FlagDefinition> = {
    'bookings-enabled': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'kill-switch', owner: 'sre', offVariant: 'off' },
    },
    'cancel-booking': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { in: [{ var: 'organization' }, ['acme-gyms']] },
          'on',
          {
            fractional: [
              ['on', 25],
              ['off', 75],
            ],
          },
        ],
      },
      metadata: { kind: 'release', owner: 'bookings-team', expiresAt: '2025-01-31' },
    },
    'booking-layout': {
      state: 'ENABLED',
      variants: { list: 'list', cards: 'cards' },
      defaultVariant: 'list',
      targeting: {
        fractional: [
          ['list', 50],
          ['cards', 50],
        ],
      },
      metadata: { kind: 'experiment', owner: 'growth' },
    },
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 0],
          ['off', 100],
        ],
      },
      metadata: { kind: 'release', owner: 'payments' },
    },
    'new-search': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [
          ['on', 0],
          ['off', 100],
        ],
      },
      metadata: { kind: 'release', owner: 'search' },
    },
    'premium-classes': {
      state: environment === 'production' ? 'DISABLED' : 'ENABLED',
      variants: { show: true, hide: false },
      defaultVariant: 'hide',
      targeting: { if: [{ in: [{ var: 'tier' }, ['pro', 'business']] }, 'show', null] },
      metadata: { kind: 'permission', owner: 'bookings-team' },
    },
  };
  return { flags, metadata: { flagSetId: `fitness-${environment}` } };
}

/** A set of `count` release flags (the bench's 1,000-flag page). */
export function manyFlags(count: number): FlagSetDocument {
  const flags: Record<string, FlagDefinition> = {};
  for (let i = 0; i < count; i++) {
    flags[`flag-${String(i).padStart(4, '0')}`] = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { in: [{ var: 'tier' }, ['pro']] },
          'on',
          {
            fractional: [
              ['on', i % 100],
              ['off', 100 - (i % 100)],
            ],
          },
        ],
      },
      metadata: { kind: i % 10 === 0 ? 'kill-switch' : 'release', owner: `team-${i % 7}` },
    };
  }
  return { flags };
}
