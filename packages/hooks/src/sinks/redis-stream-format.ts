/**
 * How events are stored as Redis stream entries: flat field/value pairs with short names, only
 * the fields that are present. Shared by the sink (writes) and the experiment reader (reads).
 */
import type { JsonValue } from '@openfeature/core';
import { type AnalyticsEvent, type ExposureEvent, type TrackingEvent, versionFrom } from '../events.js';

/** Stream field names. `t` is `exposure` or `track`. */
export const STREAM_FIELDS = {
  type: 't',
  flagKey: 'flag',
  variant: 'variant',
  reason: 'reason',
  value: 'value',
  targetingKey: 'tk',
  flagSetId: 'set',
  version: 'ver',
  providerName: 'provider',
  errorCode: 'error',
  errorMessage: 'error_message',
  timestamp: 'ts',
  eventName: 'event',
  details: 'details',
} as const;

const F = STREAM_FIELDS;

function put(out: string[], field: string, value: string | number | undefined): void {
  if (value !== undefined) out.push(field, String(value));
}

/** The field/value list of one event. @internal */
export function encodeStreamEvent(event: AnalyticsEvent): string[] {
  const out: string[] = [];
  if (event.type === 'exposure') {
    out.push(F.type, 'exposure', F.flagKey, event.flagKey, F.targetingKey, event.targetingKey);
    put(out, F.variant, event.variant);
    put(out, F.reason, event.reason);
    if (event.value !== undefined) put(out, F.value, JSON.stringify(event.value));
    put(out, F.flagSetId, event.flagSetId);
    put(out, F.version, event.version);
    put(out, F.providerName, event.providerName);
    put(out, F.errorCode, event.errorCode);
    put(out, F.errorMessage, event.errorMessage);
  } else {
    out.push(F.type, 'track', F.eventName, event.eventName);
    put(out, F.targetingKey, event.targetingKey);
    put(out, F.value, event.value);
    put(out, F.flagKey, event.flagKey);
    put(out, F.variant, event.variant);
    put(out, F.flagSetId, event.flagSetId);
    if (event.details !== undefined) put(out, F.details, JSON.stringify(event.details));
  }
  put(out, F.timestamp, event.timestamp);
  return out;
}

function toMap(fields: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  return map;
}

function parseJson(text: string | undefined): JsonValue | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** The event stored in one stream entry, or `undefined` for entries this package did not write. @internal */
export function decodeStreamEvent(fields: readonly string[]): AnalyticsEvent | undefined {
  const map = toMap(fields);
  const timestamp = Number(map.get(F.timestamp));
  if (!Number.isFinite(timestamp)) return undefined;
  const type = map.get(F.type);
  if (type === 'exposure') {
    const flagKey = map.get(F.flagKey);
    const targetingKey = map.get(F.targetingKey);
    if (flagKey === undefined || targetingKey === undefined) return undefined;
    const event: { -readonly [K in keyof ExposureEvent]: ExposureEvent[K] } = {
      type: 'exposure',
      flagKey,
      targetingKey,
      timestamp,
    };
    const variant = map.get(F.variant);
    if (variant !== undefined) event.variant = variant;
    const reason = map.get(F.reason);
    if (reason !== undefined) event.reason = reason;
    const value = parseJson(map.get(F.value));
    if (value !== undefined) event.value = value;
    const flagSetId = map.get(F.flagSetId);
    if (flagSetId !== undefined) event.flagSetId = flagSetId;
    const version = versionFrom(map.get(F.version));
    if (version !== undefined) event.version = version;
    const providerName = map.get(F.providerName);
    if (providerName !== undefined) event.providerName = providerName;
    const errorCode = map.get(F.errorCode);
    if (errorCode !== undefined) event.errorCode = errorCode;
    const errorMessage = map.get(F.errorMessage);
    if (errorMessage !== undefined) event.errorMessage = errorMessage;
    return event;
  }
  if (type === 'track') {
    const eventName = map.get(F.eventName);
    if (eventName === undefined) return undefined;
    const event: { -readonly [K in keyof TrackingEvent]: TrackingEvent[K] } = {
      type: 'tracking',
      eventName,
      timestamp,
    };
    const targetingKey = map.get(F.targetingKey);
    if (targetingKey !== undefined) event.targetingKey = targetingKey;
    const value = map.get(F.value);
    if (value !== undefined && Number.isFinite(Number(value))) event.value = Number(value);
    const flagKey = map.get(F.flagKey);
    if (flagKey !== undefined) event.flagKey = flagKey;
    const variant = map.get(F.variant);
    if (variant !== undefined) event.variant = variant;
    const flagSetId = map.get(F.flagSetId);
    if (flagSetId !== undefined) event.flagSetId = flagSetId;
    const details = parseJson(map.get(F.details));
    if (details !== null && typeof details === 'object' && !Array.isArray(details)) event.details = details;
    return event;
  }
  return undefined;
}
