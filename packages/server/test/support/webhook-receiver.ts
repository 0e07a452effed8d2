/**
 * A real webhook receiver for tests: a `node:http` server on a loopback port that records every
 * request (raw body, headers, time) and answers as the test says: a status, after a delay, or
 * not until released. It can be created before it listens (a receiver that is down).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { freePort } from '../../../../test/support/redis-server.js';

/** One request as the receiver saw it. */
export interface Received {
  readonly headers: IncomingMessage['headers'];
  /** The raw body, as signed. */
  readonly raw: string;
  readonly body: Record<string, unknown>;
  /** `performance.now()` when the request had arrived in full. */
  readonly at: number;
}

/** How to answer one request. */
export interface Answer {
  status?: number;
  delayMs?: number;
  /** Answer only once this resolves (a receiver that hangs). */
  until?: Promise<void>;
  headers?: Record<string, string>;
  body?: string;
}

/** A receiver on `http://127.0.0.1:<port>/hook`. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Decides each answer; 200 by default. */
  answer: (request: Received, index: number) => Answer = () => ({ status: 200 });
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  /** A receiver that listens at once. */
  static async start(): Promise<WebhookReceiver> {
    const receiver = await WebhookReceiver.down();
    await receiver.listen();
    return receiver;
  }

  /** A receiver with a port of its own that does not listen yet: deliveries to it are refused. */
  static async down(): Promise<WebhookReceiver> {
    return new WebhookReceiver(await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** The deliveries (requests) of one event, or of all. */
  bodies(event?: string): Record<string, unknown>[] {
    return this.received.map((r) => r.body).filter((b) => event === undefined || b.event === event);
  }

  async listen(): Promise<void> {
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // Recorded as received; the test looks at `raw`.
        }
        const received: Received = { headers: request.headers, raw, body, at: performance.now() };
        const index = this.received.push(received) - 1;
        const answer = this.answer(received, index);
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (answer.until) await answer.until;
        response.writeHead(answer.status ?? 200, answer.headers ?? {});
        response.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Resolves once `check()` holds; rejects naming `what` after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
