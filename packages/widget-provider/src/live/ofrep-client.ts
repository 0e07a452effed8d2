/**
 * The two OFREP requests of a widget: the bulk evaluation (`POST /ofrep/v1/evaluate/flags`, with
 * `If-None-Match` and, when a change notice triggered it, `flagConfigEtag` /
 * `flagConfigLastModified` as ADR-0008 says) and the event stream the answer links to. Answers
 * are sorted into what the caller does next; nothing here logs, since URLs and headers carry
 * the widget token.
 */

/** What to do after a request. */
export type Outcome =
  /** A 200: the body, and the ETag to send back next time. */
  | { readonly kind: 'answer'; readonly body: unknown; readonly etag: string | undefined }
  /** A 304: nothing changed. */
  | { readonly kind: 'unchanged' }
  /** 401 or 403: the token is expired, revoked, or not for this server. */
  | { readonly kind: 'refused' }
  /** A network failure, 429, 5xx or an unreadable answer: try again later, not before `afterMs`. */
  | { readonly kind: 'retry'; readonly afterMs: number };

/** The metadata of a `refetchEvaluation` notice, sent back on the re-fetch it triggers. */
export interface Notice {
  readonly etag?: unknown;
  readonly lastModified?: unknown;
}

/** Longest `Retry-After` honoured as given (10 minutes); a longer one is waited this long. */
export const MAX_RETRY_AFTER_MS = 600_000;

/** `Retry-After` in ms (delta-seconds or an HTTP date), or 0 when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null) return 0;
  const ms = /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 0;
}

/** Sorts a response that is not a success. */
function failure(response: Response): Outcome {
  if (response.status === 401 || response.status === 403) return { kind: 'refused' };
  return { kind: 'retry', afterMs: retryAfterMs(response.headers.get('retry-after')) };
}

/** Posts the bulk evaluation. The widget token's sealed context is used; the body's is ignored. */
export async function postBulk(
  fetcher: typeof fetch,
  baseUrl: string,
  token: string,
  etag: string | undefined,
  notice: Notice | undefined,
  signal: AbortSignal,
): Promise<Outcome> {
  const query = new URLSearchParams();
  const text = (value: unknown) => (typeof value === 'number' ? String(value) : value);
  const noticeEtag = text(notice?.etag);
  const lastModified = text(notice?.lastModified);
  if (typeof noticeEtag === 'string') query.set('flagConfigEtag', noticeEtag);
  if (typeof lastModified === 'string') query.set('flagConfigLastModified', lastModified);
  const search = String(query);
  try {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    };
    if (etag !== undefined) headers['if-none-match'] = etag;
    const response = await fetcher(`${baseUrl}/ofrep/v1/evaluate/flags${search ? `?${search}` : ''}`, {
      method: 'POST',
      headers,
      body: '{"context":{}}',
      signal,
    });
    if (response.status === 304) return { kind: 'unchanged' };
    if (response.status !== 200) return failure(response);
    return { kind: 'answer', body: await response.json(), etag: response.headers.get('etag') ?? undefined };
  } catch {
    // Offline, refused connection, CORS or CSP refusal, aborted, or a body that is not JSON.
    return { kind: 'retry', afterMs: 0 };
  }
}

/**
 * Opens an event stream. Resolves with the response when it is a 200 with a body, else with
 * what to do instead. The URL carries the token (`EventSource` could not send a header), so it
 * is used only here and never logged.
 */
export async function openStream(
  fetcher: typeof fetch,
  url: string,
  signal: AbortSignal,
): Promise<Response | Outcome> {
  try {
    // `Accept` is a CORS-safelisted header: no preflight for the stream.
    const response = await fetcher(url, { headers: { accept: 'text/event-stream' }, signal });
    if (response.status === 200 && response.body) return response;
    return failure(response);
  } catch {
    return { kind: 'retry', afterMs: 0 };
  }
}
