/** The pure parts of the live entry: OFREP answers as payloads, stream links, SSE parsing, Retry-After. */
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../src/live/ofrep-client.js';
import { readEvents } from '../src/live/sse.js';
import { linkedStream, payloadFromAnswer } from '../src/live/to-payload.js';
import type { WidgetFlagsPayload } from '../src/shared/payload.js';

const BASE: WidgetFlagsPayload = {
  v: 1,
  issuedAt: 1000,
  flags: {
    layout: {
      value: 'grid',
      variant: 'grid',
      reason: 'TARGETING_MATCH',
      flagMetadata: { flagSetId: 's', version: 1 },
    },
    cancel: { value: true, variant: 'on', reason: 'STATIC' },
    gone: { value: 1, reason: 'STATIC' },
    missing: { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
  },
  live: { url: 'https://flags.example', token: 't' },
};

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('payloadFromAnswer', () => {
  it('keeps exactly the flags of the payload it refreshes, with the metadata keys it had', () => {
    const answer = {
      flags: [
        { key: 'cancel', reason: 'DISABLED', metadata: { flagSetId: 's', version: 2, killedBy: 'oncall' } },
        {
          key: 'layout',
          value: 'cards',
          variant: 'cards',
          reason: 'TARGETING_MATCH',
          metadata: { flagSetId: 's', version: 2, owner: 'growth' },
        },
        { key: 'extra', value: true, reason: 'STATIC' },
        { key: 'missing', errorCode: 'PARSE_ERROR', errorDetails: 'broken' },
      ],
      metadata: { version: 2 },
    };
    expect(payloadFromAnswer(answer, BASE, 2000)).toEqual({
      v: 1,
      issuedAt: 2000,
      live: BASE.live,
      flags: {
        layout: {
          value: 'cards',
          variant: 'cards',
          reason: 'TARGETING_MATCH',
          flagMetadata: { flagSetId: 's', version: 2 },
        },
        // Disabled (the kill switch): no value, so the widget uses its own default; no metadata
        // was handed over for it, so none is now (`killedBy` stays on the server).
        cancel: { reason: 'DISABLED' },
        // No longer answered (removed, or no longer client-side): the widget's default.
        gone: { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
        missing: { reason: 'ERROR', errorCode: 'PARSE_ERROR' },
      },
    });
  });

  it('keeps a flag named __proto__ as a flag, and refuses what is not a bulk answer', () => {
    const base = JSON.parse(
      '{"v":1,"flags":{"__proto__":{"value":"a","reason":"STATIC"}}}',
    ) as WidgetFlagsPayload;
    const next = payloadFromAnswer({ flags: [{ key: '__proto__', value: 'b', reason: 'STATIC' }] }, base, 1);
    expect(Object.hasOwn(next?.flags ?? {}, '__proto__')).toBe(true);
    expect(next?.flags['__proto__']).toEqual({ value: 'b', reason: 'STATIC' });
    expect(payloadFromAnswer({ errorCode: 'GENERAL' }, BASE, 1)).toBeUndefined();
    expect(payloadFromAnswer('nope', BASE, 1)).toBeUndefined();
  });
});

describe('linkedStream', () => {
  it('takes the first sse entry (url, or endpoint against the base URL) and ignores unknown types', () => {
    expect(
      linkedStream(
        {
          eventStreams: [
            { type: 'websocket', url: 'wss://x' },
            { type: 'sse', url: 'https://sse.example/s?t=1', inactivityDelaySec: 30 },
          ],
        },
        'https://flags.example',
      ),
    ).toEqual({ url: 'https://sse.example/s?t=1', inactivityDelaySec: 30 });
    expect(
      linkedStream(
        { eventStreams: [{ type: 'sse', endpoint: { requestUri: '/events?t=2' } }] },
        'https://flags.example/base',
      ),
    ).toEqual({ url: 'https://flags.example/events?t=2', inactivityDelaySec: undefined });
    expect(linkedStream({ flags: [] }, 'https://flags.example')).toBeUndefined();
  });
});

describe('readEvents', () => {
  it('joins data lines per event, skips comments, ids and retry, and copes with any chunking', async () => {
    const text =
      'retry: 2000\n: connected\n\nid: 4\nevent: message\ndata: {"type":\ndata: "refetchEvaluation"}\n\r\ndata:plain\r\n\r\n';
    const whole: string[] = [];
    await readEvents(streamOf([text]), (data) => whole.push(data));
    expect(whole).toEqual(['{"type":\n"refetchEvaluation"}', 'plain']);
    // Byte by byte, CR and LF of one line break in different chunks included.
    const split: string[] = [];
    await readEvents(streamOf([...text]), (data) => split.push(data));
    expect(split).toEqual(whole);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, ignores nonsense, and caps at ten minutes', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
    expect(retryAfterMs('soon')).toBe(0);
    expect(retryAfterMs(null)).toBe(0);
    expect(retryAfterMs('86400')).toBe(600_000);
  });
});
