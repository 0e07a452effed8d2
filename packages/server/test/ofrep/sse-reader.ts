/**
 * A server-sent-events client over `fetch`, for Node (which has no EventSource): it parses the
 * stream as the WHATWG spec says (fields, comments, blank-line dispatch, CRLF or LF), queues
 * events, and lets a test or a benchmark wait for the next one. Used by the OFREP tests and by
 * `bench/server.bench.ts`.
 */

/** One dispatched event. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
  /** When the event was dispatched (performance.now()). */
  readonly at: number;
}

/** An open stream. */
export class SseReader {
  private readonly queue: SseEvent[] = [];
  private waiters: ((event: SseEvent | undefined) => void)[] = [];
  private ended = false;
  /** Comment lines seen (keep-alives, `: connected`). */
  readonly comments: string[] = [];
  /** `retry:` values seen. */
  readonly retries: number[] = [];

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {}

  /** Opens `url`; resolves once the answer's headers arrived (whatever the status). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    const reader = new SseReader(response, controller);
    if (response.body) void reader.pump(response.body);
    else reader.finish();
    return reader;
  }

  get status(): number {
    return this.response.status;
  }

  /** Whether the server ended the stream. */
  get closed(): boolean {
    return this.ended;
  }

  /** The next event, or `undefined` when the stream ends or `timeoutMs` passes first. */
  next(timeoutMs = 5_000): Promise<SseEvent | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (event: SseEvent | undefined) => {
        clearTimeout(timer);
        resolve(event);
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves when the server ends the stream (or after `timeoutMs`, with false). */
  async untilClosed(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.ended;
  }

  /** Closes the stream from this side. */
  close(): void {
    this.controller.abort();
    this.finish();
  }

  private dispatch(event: SseEvent): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(event);
    else this.queue.push(event);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let id: string | undefined;
    let lastId: string | undefined;
    let event = '';
    let data: string[] = [];
    const source = body.getReader();
    try {
      for (;;) {
        const { done, value: chunk } = await source.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.search(/\r\n|\r|\n/);
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (id !== undefined) lastId = id;
            if (data.length > 0) {
              this.dispatch({
                id: lastId,
                event: event || 'message',
                data: data.join('\n'),
                at: performance.now(),
              });
            }
            id = undefined;
            event = '';
            data = [];
          } else if (line.startsWith(':')) {
            this.comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(value);
            else if (field === 'event') event = value;
            else if (field === 'id') id = value;
            else if (field === 'retry' && /^\d+$/.test(value)) this.retries.push(Number(value));
          }
          newline = buffer.search(/\r\n|\r|\n/);
        }
      }
    } catch {
      // Aborted by close(), or the connection dropped: either way the stream is over.
    }
    this.finish();
  }
}
