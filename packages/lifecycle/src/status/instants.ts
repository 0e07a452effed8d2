/**
 * Reading dates written in flag metadata (`expiresAt`, `createdAt`): ISO-8601 dates or
 * date-times (a date alone, or a time without an offset, is UTC), or epoch seconds as a number,
 * as flagd's `$flagd.timestamp` counts them.
 */
import type { MetadataValue } from '@ensign/core';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * The instant a metadata value names, in ms since the epoch; `undefined` when it names none
 * (absent, malformed, or a calendar date that does not exist).
 * @example
 * instantOf('2026-05-01') // → Date.UTC(2026, 4, 1)
 * instantOf(1767225600)   // → 1767225600000 (epoch seconds)
 */
export function instantOf(value: MetadataValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (ISO_DATE.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    // Date.parse accepts 2026-02-30 as March 2nd: a date must read back as itself.
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms;
  }
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const hasOffset = /([Zz]|[+-]\d{2}:?\d{2})$/.test(text);
  const ms = Date.parse(hasOffset ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `ms` as an ISO-8601 date-time. */
export const isoOf = (ms: number): string => new Date(ms).toISOString();

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;
