/**
 * A scripted OFREP server on a loopback port (real HTTP, real streams), for the failure modes the
 * Ensign server does not produce on demand: 429 with `Retry-After`, 503, answers held back,
 * refused tokens, streams ended at a chosen moment. It speaks exactly what `LiveRefresh` relies
 * on: `POST /ofrep/v1/evaluate/flags` (bearer token, `If-None-Match` → 304, `eventStreams`) and
 * `GET /ofrep/v1/events?token=` (server-sent `refetchEvaluation` notices). The end-to-end tests
 * of the example app run the real server.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One OFREP result as the server answers it. */
export interface OfrepFlag {
  key: string;
  value?: unknown;
  reason?: string;
  variant?: string;
  errorCode?: string;
  metadata?: Record<string, unknown>;
}

/** A request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  ifNoneMatch: string | undefined;
  status: number;
  at: number;
}

/** A scripted answer for the next bulk request instead of the evaluation. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Hold the answer until this resolves (with status 200: then answer as usual). */
  hold?: Promise<void>;
}

/** The scripted server. */
export class ScriptedOfrep {
  /** The flags every valid token sees, in answer order. */
  flags: OfrepFlag[] = [];
  /** Flags by token, for tokens sealed with another context (instead of {@link flags}). */
  readonly flagsByToken = new Map<string, OfrepFlag[]>();
  /** Tokens the server accepts. */
  readonly tokens = new Set<string>();
  /** Scripted answers taken, in order, by the next bulk requests. */
  readonly script: ScriptedAnswer[] = [];
  readonly requests: SeenRequest[] = [];
  version = 1;
  url = '';
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Open event streams. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Bulk requests seen. */
  bulkRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.path === '/ofrep/v1/evaluate/flags');
  }

  /** Replaces one flag's result, bumps the version and notifies every stream. */
  change(flag: OfrepFlag): void {
    this.flags = [...this.flags.filter((f) => f.key !== flag.key), flag].sort((a, b) =>
      a.key.localeCompare(b.key),
    );
    this.version++;
    this.notify();
  }

  /** Sends a notice to every stream (`type` other than refetchEvaluation to test forward compatibility). */
  notify(type = 'refetchEvaluation'): void {
    const data = JSON.stringify({ type, etag: `"${this.version}"`, lastModified: 1771622898 });
    for (const stream of this.streams) stream.write(`id: ${this.version}\nevent: message\ndata: ${data}\n\n`);
  }

  /** Ends every open stream (as a server that closes or restarts does). */
  endStreams(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  async close(): Promise<void> {
    this.endStreams();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private record(request: IncomingMessage, status: number): void {
    const url = new URL(request.url ?? '/', 'http://x');
    const ifNoneMatch = request.headers['if-none-match'];
    this.requests.push({
      method: request.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      ifNoneMatch: typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined,
      status,
      at: performance.now(),
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://x');
    for await (const _chunk of request); // drain the body
    if (url.pathname === '/ofrep/v1/events') {
      const token = url.searchParams.get('token') ?? '';
      const status = this.tokens.has(token) ? 200 : 401;
      this.record(request, status);
      if (status !== 200) return void response.writeHead(status).end();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': connected\n\n');
      this.streams.add(response);
      response.on('close', () => this.streams.delete(response));
      return;
    }
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const scripted = this.script.shift();
    if (scripted) {
      await scripted.hold;
      if (scripted.status !== 200) {
        this.record(request, scripted.status);
        return void response.writeHead(scripted.status, scripted.headers).end();
      }
    }
    if (!this.tokens.has(token)) {
      this.record(request, 401);
      return void response.writeHead(401).end();
    }
    const body = JSON.stringify({
      flags: this.flagsByToken.get(token) ?? this.flags,
      metadata: { version: this.version },
      eventStreams: [
        {
          type: 'sse',
          url: `${this.url}/ofrep/v1/events?token=${encodeURIComponent(token)}`,
          inactivityDelaySec: 120,
        },
      ],
    });
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (request.headers['if-none-match'] === etag) {
      this.record(request, 304);
      return void response.writeHead(304, { etag }).end();
    }
    this.record(request, 200);
    response.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
  }
}
