/**
 * What keeps queued events bounded in bytes when their content is client-controlled: a stand-in
 * for over-long targeting keys (which also keeps them out of Redis streams and analytics
 * backends) and a cheap size estimate for the queue's byte budget. No Node APIs.
 * (Internal to this package.)
 */
import type { AnalyticsEvent } from './events.js';
import { hash53 } from './internal/hash.js';

/** Characters of the original key kept at the front of a stand-in, for people reading events. */
const STAND_IN_PREFIX = 64;
/** `#` and 14 hex digits of the 53-bit hash. */
const STAND_IN_DIGEST = 15;
/**
 * Fixed, unlike the deduplication seed: every process (and the tracking recorder next to the
 * exposure hook) must give a key the same stand-in, or exposures and conversions stop joining.
 */
const STAND_IN_SEED = 0x5eed_e5a1;

/** The shortest `maxTargetingKeyLength` accepted: room for the digest and a short prefix. */
export const MIN_TARGETING_KEY_LENGTH = 32;

/**
 * The first `length` characters as a new string. `slice` would not do: V8 returns a view that
 * keeps the whole original string alive, which is exactly the memory this file exists to bound.
 */
export function copyPrefix(text: string, length: number): string {
  let end = Math.min(length, text.length);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  const codes = new Array<number>(end);
  for (let i = 0; i < end; i++) codes[i] = text.charCodeAt(i);
  return String.fromCharCode(...codes);
}

/**
 * `key` itself when it has at most `maxLength` characters; otherwise its first characters, `#`,
 * and 14 hex digits of a 53-bit hash of the whole key. The same key always gets the same
 * stand-in; two long keys with the same prefix collide with probability about 2^-53.
 */
export function boundedTargetingKey(key: string, maxLength: number): string {
  if (key.length <= maxLength) return key;
  const prefix = copyPrefix(key, Math.min(STAND_IN_PREFIX, maxLength - STAND_IN_DIGEST));
  return `${prefix}#${hash53(STAND_IN_SEED, key).toString(16).padStart(14, '0')}`;
}

/** Object header, hidden class, number fields: what an event costs before its strings. */
const EVENT_OVERHEAD_BYTES = 160;

function textBytes(text: string | undefined): number {
  return text === undefined ? 0 : 2 * text.length;
}

function jsonBytes(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return 2 * value.length;
  if (typeof value !== 'object') return 8;
  return 2 * (JSON.stringify(value)?.length ?? 0);
}

/**
 * An upper-side estimate of the heap an event holds (two bytes per character, shared strings
 * counted as if owned). O(1) for exposures without values; values and tracking details are
 * measured through their JSON.
 */
export function approximateEventBytes(event: AnalyticsEvent): number {
  try {
    let bytes = EVENT_OVERHEAD_BYTES + textBytes(event.targetingKey) + textBytes(event.flagKey);
    bytes += textBytes(event.variant) + textBytes(event.flagSetId);
    if (event.type === 'exposure') {
      bytes += textBytes(event.reason) + textBytes(event.providerName) + textBytes(event.errorCode);
      bytes += textBytes(event.errorMessage) + jsonBytes(event.value) + jsonBytes(event.version);
    } else {
      bytes += textBytes(event.eventName) + jsonBytes(event.details);
    }
    return bytes;
  } catch {
    // A value that cannot be serialised (a cycle) cannot be delivered either; count the overhead.
    return EVENT_OVERHEAD_BYTES;
  }
}
