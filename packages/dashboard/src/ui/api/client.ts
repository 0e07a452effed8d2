/**
 * The dashboard's one way to the server: same-origin `fetch` with the session cookie (the browser
 * sends it; the page never sees it), the CSRF token on every write, JSON in and out, and problem
 * documents (RFC 9457) turned into {@link ApiError}s that keep the pointer of each problem, so a
 * form can show a validator's message where it belongs.
 */

/** One problem of a problem document. */
export interface ProblemIssue {
  readonly pointer: string;
  readonly flagKey?: string;
  readonly field?: string;
  readonly message: string;
}

/** An answer that is not a success. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly issues: readonly ProblemIssue[],
    readonly problem: Readonly<Record<string, unknown>>,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

let csrfToken: string | null = null;

/** The CSRF token of the session, kept in memory only (set at sign-in and after a reload). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the server answers 401: the session ended (set by the app). */
let onUnauthenticated: () => void = () => {};
export function whenUnauthenticated(callback: () => void): void {
  onUnauthenticated = callback;
}

/** Options of {@link api}. */
export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Do not treat a 401 as the end of the session (the sign-in form's own call). */
  readonly signingIn?: boolean;
}

/** An answer: body and the headers a caller may need (ETag). */
export interface ApiAnswer<T> {
  readonly body: T;
  readonly etag: string | null;
  readonly status: number;
}

/** Sends a request to the API and answers its JSON body (and ETag). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? null : JSON.parse(text);
  if (!response.ok) {
    const problem = (parsed ?? {}) as Record<string, unknown>;
    if (response.status === 401 && !options.signingIn) onUnauthenticated();
    throw new ApiError(
      response.status,
      typeof problem.title === 'string' ? problem.title : response.statusText,
      typeof problem.detail === 'string' ? problem.detail : undefined,
      Array.isArray(problem.errors) ? (problem.errors as ProblemIssue[]) : [],
      problem,
    );
  }
  return { body: parsed as T, etag: response.headers.get('etag'), status: response.status };
}

/** `request` answering the body only. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await request<T>(path, options)).body;
}

/** A path under `/api/v1` with each segment encoded (flag keys may hold `/`). */
export function path(...segments: readonly (string | number)[]): string {
  return `/api/v1/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}
