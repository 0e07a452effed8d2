/**
 * HTTP for the admin API client: one request function with a timeout, and the mapping of the
 * server's RFC 9457 problem documents to CLI errors (exit codes): 401/403 → 4, 412 → 3,
 * 400/422 → 1 with every problem's flag key and JSON Pointer, unreachable or 502–504 → 5.
 */
import { CliError, type Problem } from '../errors.js';

/** A parsed response. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON ('' for none). */
  readonly body: unknown;
}

/** What a request carries. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, e.g. `/api/v1/flag-sets/fitness`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

interface ProblemBody {
  title?: string;
  detail?: string;
  flagKey?: string;
  errors?: { pointer?: string; flagKey?: string; field?: string; message?: string }[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The server's words for a failed answer. */
function problemText(answer: HttpAnswer): string {
  const body = isObject(answer.body) ? (answer.body as ProblemBody) : {};
  return (
    body.detail ??
    body.title ??
    (typeof answer.body === 'string' && answer.body !== '' ? answer.body : `HTTP ${answer.status}`)
  );
}

/** The problems listed in a problem document. */
function problemsOf(answer: HttpAnswer): Problem[] {
  const body = isObject(answer.body) ? (answer.body as ProblemBody) : {};
  return (body.errors ?? []).map((issue) => ({
    ...((issue.flagKey ?? body.flagKey) !== undefined && { flagKey: (issue.flagKey ?? body.flagKey)! }),
    pointer: issue.pointer ?? '',
    message: issue.message ?? 'is invalid',
  }));
}

/** The error for an answer that is not a success. */
export function errorOfAnswer(answer: HttpAnswer, request: HttpRequest, target: string): CliError {
  const text = problemText(answer);
  const body = isObject(answer.body) ? (answer.body as ProblemBody) : {};
  const flags = body.flagKey !== undefined ? [body.flagKey] : [];
  switch (answer.status) {
    case 401:
      return new CliError('unauthenticated', `the server at ${target} refused the token: ${text}`, {
        hint: 'the token is unknown, revoked or expired: get a new one (ensign token create) and set ENSIGN_TOKEN',
      });
    case 403:
      return new CliError('forbidden', `the token may not do this: ${text}`, {
        hint: 'an editor token writes only its own flag sets; tokens need the admin role',
      });
    case 404:
      return new CliError('not-found', text, { flags });
    case 412:
      return new CliError('conflict', `refused: ${text}`, { flags });
    case 400:
    case 422: {
      const problems = problemsOf(answer);
      return new CliError('invalid', `the server refused the request: ${text}`, { problems, flags });
    }
    case 429:
      return new CliError('failed', `rate limited by the server: ${text}`, {
        hint: `retry after ${answer.headers.get('retry-after') ?? 'a moment'} s`,
      });
    case 502:
    case 503:
    case 504:
      return new CliError(
        'unreachable',
        `the server at ${target} is unavailable (${answer.status}): ${text}; nothing was written`,
      );
    default:
      return new CliError('failed', `${request.method} ${request.path} failed (${answer.status}): ${text}`, {
        flags,
      });
  }
}

/** Sends a request; maps transport failures to `unreachable` (exit 5). */
export async function send(
  baseUrl: string,
  token: string,
  request: HttpRequest,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const url = new URL(request.path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json, application/problem+json',
        ...(request.body !== undefined && { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    // Refused or unresolvable: the request never arrived. A timeout or reset on a write may have
    // arrived: say so instead of claiming nothing happened.
    const neverSent = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(String(why));
    const outcome =
      request.method === 'GET'
        ? ''
        : neverSent
          ? '; nothing was written'
          : '; the write may or may not have been applied (check the history)';
    throw new CliError('unreachable', `cannot reach the server at ${url.origin} (${why})${outcome}`, {
      hint: 'check ENSIGN_URL and that the server is running (ensign serve)',
      cause: error,
    });
  }
  const text = await response.text();
  let body: unknown = text;
  if (/json/.test(response.headers.get('content-type') ?? '') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body };
}
