/**
 * HTTP for the admin API client: one request function with a timeout, and the mapping of the
 * server's RFC 9457 problem documents to CLI errors (exit codes): 401/403 → 4, 412 → 3,
 * 400/422 → 1 with every problem's flag key and JSON Pointer, unreachable or 502–504 → 5.
 */
import type { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { CliError, type Problem } from '../errors.js';

/** Response headers, by lower-case name. */
export interface AnswerHeaders {
  get(name: string): string | null;
}

/** A parsed response. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: AnswerHeaders;
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

/**
 * A connection pool to one server: keep-alive, so a plan's dozen requests share one connection.
 * `node:http` rather than `fetch`: loading undici costs a CLI about 100 ms of start-up.
 */
export class Transport {
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(
    readonly baseUrl: URL,
    modules: { http: typeof import('node:http'); https: typeof import('node:https') | undefined },
  ) {
    const secure = baseUrl.protocol === 'https:';
    const module = secure ? modules.https! : modules.http;
    this.agent = new module.Agent({ keepAlive: true, maxSockets: 8 });
    this.request = module.request;
  }

  /** Opens a transport for `baseUrl` (`http:` or `https:`), loading only the module it needs. */
  static async open(baseUrl: string): Promise<Transport> {
    const url = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError('usage', `ENSIGN_URL must be an http:// or https:// URL, got "${baseUrl}"`);
    }
    const http = await import('node:http');
    const https = url.protocol === 'https:' ? await import('node:https') : undefined;
    return new Transport(url, { http, https });
  }

  /** Closes pooled connections (else they keep the process alive). */
  close(): void {
    this.agent.destroy();
  }

  /** Sends a request; maps transport failures to `unreachable` (exit 5). */
  send(token: string, request: HttpRequest, timeoutMs: number): Promise<HttpAnswer> {
    const url = new URL(request.path.replace(/^\//, ''), this.baseUrl);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const req = this.request(url, {
        method: request.method,
        agent: this.agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json, application/problem+json',
          ...(body !== undefined && {
            'content-type': 'application/json',
            'content-length': String(body.length),
          }),
          ...request.headers,
        },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      }, timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          unreachable(
            url,
            request,
            timedOut ? `no answer within ${timeoutMs / 1000} s` : (error.code ?? error.message),
            error,
          ),
        );
      });
      req.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(
            unreachable(
              url,
              request,
              timedOut ? `no answer within ${timeoutMs / 1000} s` : error.message,
              error,
            ),
          );
        });
        response.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const type = String(response.headers['content-type'] ?? '');
          let parsed: unknown = text;
          if (/json/.test(type) && text !== '') {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          const headers = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            headers: {
              get: (name: string) => {
                const value = headers[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : String(value);
              },
            },
            body: parsed,
          });
        });
      });
      req.end(body);
    });
  }
}

function unreachable(url: URL, request: HttpRequest, why: string, cause: unknown): CliError {
  // Refused or unresolvable: the request never arrived. A timeout or reset on a write may have
  // arrived: say so instead of claiming nothing happened.
  const neverSent = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(why);
  const outcome =
    request.method === 'GET'
      ? ''
      : neverSent
        ? '; nothing was written'
        : '; the write may or may not have been applied (check the history)';
  return new CliError('unreachable', `cannot reach the server at ${url.origin} (${why})${outcome}`, {
    hint: 'check ENSIGN_URL and that the server is running (ensign serve)',
    cause,
  });
}
