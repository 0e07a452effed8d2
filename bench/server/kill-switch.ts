/**
 * Kill switch → event-stream clients: clients that behave as `@openfeature/ofrep-web-provider`
 * does on SSE (hold the stream the bulk answer links to; on a `refetchEvaluation` notice wait its
 * 50 ms debounce, then re-fetch the bulk answer with `flagConfigEtag` and `If-None-Match`), read
 * with fetch (Node has no EventSource). For each flip, the time from sending the write to each
 * client holding the new state, and, separately, to each client receiving the notice.
 */
import { SseReader } from '../../packages/server/test/ofrep/sse-reader.js';
import { KILL_FLAG, REQUEST_BODY } from './shape.js';

/** `DEBOUNCE_MS` of @openfeature/ofrep-web-provider 0.4.3: it coalesces notices this long. */
export const WEB_PROVIDER_DEBOUNCE_MS = 50;

type KillState = 'ENABLED' | 'DISABLED';

interface BulkAnswer {
  flags: { key: string; reason?: string }[];
  eventStreams: { url: string }[];
}

/** One client: its current view of the kill switch, and when it last changed. */
export class StreamClient {
  state: KillState = 'ENABLED';
  private etag = '';
  private reader: SseReader | undefined;
  private waiters: { state: KillState; resolve: (seen: { noticeAt: number; seenAt: number }) => void }[] = [];
  private lastNoticeAt = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async start(): Promise<void> {
    const answer = await this.fetchBulk('');
    if (!answer) throw new Error('the first bulk answer failed');
    this.reader = await SseReader.open(answer.eventStreams[0]!.url);
    if (this.reader.status !== 200) throw new Error(`event stream: HTTP ${this.reader.status}`);
    void this.listen(this.reader);
  }

  /** Resolves when this client holds `state` (with when the notice came and when it held it). */
  until(state: KillState): Promise<{ noticeAt: number; seenAt: number }> {
    if (this.state === state)
      return Promise.resolve({ noticeAt: this.lastNoticeAt, seenAt: performance.now() });
    return new Promise((resolve) => this.waiters.push({ state, resolve }));
  }

  close(): void {
    this.reader?.close();
  }

  private async listen(reader: SseReader): Promise<void> {
    while (!reader.closed) {
      const event = await reader.next(60_000);
      if (!event) continue;
      this.lastNoticeAt = event.at;
      const data = JSON.parse(event.data) as { type: string; etag?: string; lastModified?: number };
      if (data.type !== 'refetchEvaluation') continue;
      await new Promise((resolve) => setTimeout(resolve, WEB_PROVIDER_DEBOUNCE_MS));
      const query = new URLSearchParams();
      if (data.etag) query.set('flagConfigEtag', data.etag);
      if (data.lastModified !== undefined) query.set('flagConfigLastModified', String(data.lastModified));
      await this.fetchBulk(`?${query}`);
    }
  }

  private async fetchBulk(query: string): Promise<BulkAnswer | undefined> {
    const response = await fetch(`${this.baseUrl}/ofrep/v1/evaluate/flags${query}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/json',
        ...(this.etag && { 'if-none-match': this.etag }),
      },
      body: REQUEST_BODY,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return undefined;
    }
    this.etag = response.headers.get('etag') ?? '';
    const answer = (await response.json()) as BulkAnswer;
    const kill = answer.flags.find((flag) => flag.key === KILL_FLAG);
    this.state = kill?.reason === 'DISABLED' ? 'DISABLED' : 'ENABLED';
    const seenAt = performance.now();
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.state !== this.state) return true;
      waiter.resolve({ noticeAt: this.lastNoticeAt, seenAt });
      return false;
    });
    return answer;
  }
}

/** Latencies of `trials` flips seen by `clients` stream clients, in ms. */
export async function killSwitchLatency(options: {
  baseUrl: string;
  token: string;
  clients: number;
  trials: number;
  /** Sends the write that sets the kill switch to `state`; resolves when the write answered. */
  flip: (state: KillState) => Promise<void>;
}): Promise<{ noticeMs: number[]; seenMs: number[] }> {
  const clients = Array.from(
    { length: options.clients },
    () => new StreamClient(options.baseUrl, options.token),
  );
  await Promise.all(clients.map((client) => client.start()));
  const noticeMs: number[] = [];
  const seenMs: number[] = [];
  try {
    for (let i = 0; i < options.trials; i++) {
      const state: KillState = clients[0]!.state === 'ENABLED' ? 'DISABLED' : 'ENABLED';
      const seen = Promise.all(clients.map((client) => client.until(state)));
      const started = performance.now();
      await options.flip(state);
      for (const { noticeAt, seenAt } of await seen) {
        noticeMs.push(noticeAt - started);
        seenMs.push(seenAt - started);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    for (const client of clients) client.close();
  }
  return { noticeMs, seenMs };
}
