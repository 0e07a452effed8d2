/**
 * A bulk OFREP answer as a widget payload: exactly the flags of the payload it refreshes, in the
 * same format the tool handler produced, so the provider compares like with like and the widget
 * sees the variants the server decided (the widget token carries the tool call's context).
 */
import type { JsonValue } from '@openfeature/web-sdk';
import type { WidgetFlagResult, WidgetFlagsPayload } from '../shared/payload.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The SSE stream a bulk answer links to, per ADR-0008 (`url`, or `endpoint` against the base URL). */
export interface LinkedStream {
  readonly url: string;
  /** `inactivityDelaySec` of the entry, when it gave one. */
  readonly inactivityDelaySec: number | undefined;
}

/** The first `sse` entry of the answer's `eventStreams`; entries of other types are ignored. */
export function linkedStream(body: unknown, baseUrl: string): LinkedStream | undefined {
  const streams = isRecord(body) && Array.isArray(body.eventStreams) ? body.eventStreams : [];
  for (const entry of streams) {
    if (!isRecord(entry) || entry.type !== 'sse') continue;
    const endpoint = isRecord(entry.endpoint) ? entry.endpoint : undefined;
    const url =
      typeof entry.url === 'string'
        ? entry.url
        : typeof endpoint?.requestUri === 'string'
          ? `${typeof endpoint.origin === 'string' ? endpoint.origin : new URL(baseUrl).origin}${endpoint.requestUri}`
          : undefined;
    const delay = entry.inactivityDelaySec;
    if (url !== undefined)
      return { url, inactivityDelaySec: typeof delay === 'number' && delay >= 1 ? delay : undefined };
  }
  return undefined;
}

/** One OFREP result as a payload entry, keeping only the metadata keys the server handed over. */
function toResult(item: Record<string, unknown>, metadataKeys: readonly string[]): WidgetFlagResult {
  if (typeof item.errorCode === 'string') return { reason: 'ERROR', errorCode: item.errorCode };
  const result: WidgetFlagResult = { reason: typeof item.reason === 'string' ? item.reason : 'UNKNOWN' };
  // No value: the caller's default applies (a disabled flag, the kill switch).
  if (item.value !== undefined) result.value = item.value as JsonValue;
  if (typeof item.variant === 'string') result.variant = item.variant;
  const metadata = isRecord(item.metadata) ? item.metadata : {};
  const picked = metadataKeys.filter((key) => Object.hasOwn(metadata, key));
  if (picked.length > 0)
    result.flagMetadata = Object.fromEntries(
      picked.map((key) => [key, metadata[key] as string | number | boolean]),
    );
  return result;
}

/**
 * The payload a bulk answer makes of `base`: every flag of `base` (one the answer lacks, because
 * it was removed or stopped being client-side, becomes `FLAG_NOT_FOUND`, so the widget falls
 * back to its default), no other flag, and metadata only under the keys `base` had for it (the
 * app's allowlist, as the tool handler applied it).
 * @returns `undefined` when the answer is not a bulk evaluation.
 */
export function payloadFromAnswer(
  body: unknown,
  base: WidgetFlagsPayload,
  issuedAt: number,
): WidgetFlagsPayload | undefined {
  if (!isRecord(body) || !Array.isArray(body.flags)) return undefined;
  const answered = new Map<string, Record<string, unknown>>();
  for (const item of body.flags)
    if (isRecord(item) && typeof item.key === 'string') answered.set(item.key, item);
  // fromEntries defines own properties, so a flag named `__proto__` stays a flag.
  const flags = Object.fromEntries(
    Object.keys(base.flags).map((key): [string, WidgetFlagResult] => {
      const item = answered.get(key);
      const metadataKeys = Object.keys(base.flags[key]?.flagMetadata ?? {});
      return [key, item ? toResult(item, metadataKeys) : { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' }];
    }),
  );
  const payload: WidgetFlagsPayload = { v: base.v, flags, issuedAt };
  if (base.live) payload.live = base.live;
  return payload;
}
