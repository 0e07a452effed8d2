/**
 * A server-sent-events reader over a `fetch` response body, for the OFREP event stream. `fetch`
 * rather than `EventSource` because the client must see the status of a refused stream (401 for
 * an expired or revoked widget token, 429 with `Retry-After`), which `EventSource` hides, and
 * must own its reconnection (backoff, then a bulk re-fetch before the stream is opened again).
 */

/**
 * Reads events from `body`, calling `onData` with each event's `data` (its `data:` lines joined
 * by `\n`). Event ids, names, `retry:` and comments carry nothing this client needs: OFREP
 * dispatches on the JSON `type` inside `data`. Resolves when the stream ends; rejects when it
 * breaks or is aborted.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onData: (data: string) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    // A chunk may end between the `\r` and `\n` of one line break: keep a trailing `\r` for later.
    const end = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, end).split(/\r\n|\r|\n/);
    buffer = (lines.pop() ?? '') + buffer.slice(end);
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) onData(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line.charAt(5) === ' ' ? 6 : 5));
      }
    }
  }
}
