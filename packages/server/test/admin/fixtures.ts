/** Flag sets and helpers shared by the admin API tests. */
import type { FlagSetDocument } from '@ensign/core';
import type { Answer, TestServer } from '../support/server.js';

/** An app's staging environment: a rollout, a kill switch, an experiment, a segment. */
export function staging(): FlagSetDocument {
  return {
    flags: {
      'new-checkout': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: {
          fractional: [
            ['on', 5],
            ['off', 95],
          ],
        },
        metadata: { kind: 'release', owner: 'checkout', offVariant: 'off' },
      },
      'bookings-enabled': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'on',
        metadata: { kind: 'kill-switch' },
      },
      layout: {
        state: 'ENABLED',
        variants: { list: 'list', grid: 'grid', cards: 'cards' },
        defaultVariant: 'list',
        targeting: {
          if: [
            { in: [{ var: 'tier' }, ['pro', 'business']] },
            'grid',
            {
              fractional: [
                ['list', 50],
                ['cards', 50],
              ],
            },
          ],
        },
      },
    },
    $evaluators: {
      'beta-testers': { ends_with: [{ var: 'email' }, '@beta.example.com'] },
    },
    metadata: { environment: 'staging' },
  };
}

/** The production environment of the same app, behind staging. */
export function production(): FlagSetDocument {
  const document = staging();
  document.flags['new-checkout']!.targeting = {
    fractional: [
      ['on', 0],
      ['off', 100],
    ],
  };
  delete document.flags.layout;
  document.metadata = { environment: 'production' };
  return document;
}

/** `If-Match` header of an ETag. */
export const ifMatch = (etag: string | null): Record<string, string> => ({ 'if-match': etag ?? '' });

/** A path segment for a flag key. */
export const enc = encodeURIComponent;

/** GETs a flag and returns its body and ETag. */
export async function readFlag(
  t: TestServer,
  set: string,
  key: string,
): Promise<{ status: number; flag: unknown; etag: string | null }> {
  const answer = await t.call('GET', `/api/v1/flag-sets/${set}/flags/${enc(key)}`, {
    token: t.tokens.viewer,
  });
  return { status: answer.status, flag: answer.body, etag: answer.headers.get('etag') };
}

/** The body of an answer as a record (tests read fields of it). */
export const body = (answer: Answer): Record<string, unknown> => answer.body as Record<string, unknown>;

/** The problem issues of an answer. */
export const issues = (answer: Answer): { pointer: string; flagKey?: string; message: string }[] =>
  (body(answer).errors ?? []) as { pointer: string; flagKey?: string; message: string }[];
