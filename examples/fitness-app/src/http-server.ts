/**
 * The app over HTTP: MCP on Streamable HTTP at `/mcp` (what ChatGPT connects to), the simulated
 * host page at `/`, and the demo's flag controls at `/demo/flags` (loopback only).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FitnessApp } from './app.js';
import { type DemoChange, applyDemoChange, readDemoFlags } from './demo-controls.js';
import { hostPage } from './host-page.js';

/** Where MCP clients connect. */
export const MCP_PATH = '/mcp';
/** The demo's flag controls. */
export const CONTROLS_PATH = '/demo/flags';
/** Largest request body the demo controls read. */
const MAX_CONTROL_BODY_BYTES = 4096;

/** Options of {@link listenFitnessHttp}. */
export interface FitnessHttpOptions {
  /** The running app. */
  app: FitnessApp;
  /** @default 3000 (0 picks a free port) */
  port?: number;
  /**
   * The interface to listen on. Keep loopback unless the server must be reached directly; a
   * tunnel (e.g. for ChatGPT) connects from loopback anyway.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Serve `/demo/flags`, which changes flags without credentials. It answers only requests made
   * from this machine to a loopback host name and not relayed by a proxy or tunnel.
   * @default true
   */
  demoControls?: boolean;
}

/** A listening server. */
export interface FitnessHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The Node HTTP server, e.g. to add routes or read its address. */
  readonly server: Server;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const RELAY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];

/**
 * Whether a request comes from this machine, for this machine. The peer address alone is not
 * enough: tunnels (ngrok, cloudflared) also connect from loopback, but they name a public host
 * and add forwarding headers. Checking the Host header also defeats DNS rebinding.
 */
export function isLocalRequest(req: IncomingMessage): boolean {
  if (!LOOPBACK_ADDRESSES.has(req.socket.remoteAddress ?? '')) return false;
  if (RELAY_HEADERS.some((header) => req.headers[header] !== undefined)) return false;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  return LOOPBACK_HOSTS.has(host);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseChange(text: string): DemoChange {
  const body = JSON.parse(text) as Partial<{ action: unknown; percent: unknown }>;
  if (body.action === 'kill' || body.action === 'revive') return { action: body.action };
  if (body.action === 'rollout' && typeof body.percent === 'number')
    return { action: 'rollout', percent: body.percent };
  throw new TypeError(
    'body must be {"action":"kill"}, {"action":"revive"} or {"action":"rollout","percent":0..100}',
  );
}

async function handleControls(app: FitnessApp, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isLocalRequest(req)) {
    return sendJson(res, 403, { error: `${CONTROLS_PATH} answers only local requests (loopback, no proxy)` });
  }
  if (req.method === 'GET') return sendJson(res, 200, await readDemoFlags(app.store));
  if (req.method !== 'POST') return sendJson(res, 405, { error: `${CONTROLS_PATH} takes GET or POST` });
  let change: DemoChange;
  try {
    change = parseChange(await readBody(req, MAX_CONTROL_BODY_BYTES));
  } catch (error) {
    return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
  try {
    const { version } = await applyDemoChange(app.store, change, 'demo page');
    return sendJson(res, 200, { ...(await readDemoFlags(app.store)), version });
  } catch (error) {
    return sendJson(res, 409, { error: error instanceof Error ? error.message : String(error) });
  }
}

async function handleMcp(app: FitnessApp, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    // Stateless server: no standalone SSE stream (GET) and no sessions to end (DELETE).
    res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }),
    );
    return;
  }
  // Stateless: a server and transport per request; the flags client and bookings are shared.
  const server = app.createServer();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

/**
 * Serves the app over HTTP.
 * @example
 * const app = await startFitnessApp();
 * const http = await listenFitnessHttp({ app, port: 3000 });
 * console.log(`${http.url}/ shows the widget; ChatGPT connects to ${http.url}/mcp`);
 */
export async function listenFitnessHttp(options: FitnessHttpOptions): Promise<FitnessHttpServer> {
  const { app } = options;
  const demoControls = options.demoControls ?? true;
  const page = hostPage({ mcpPath: MCP_PATH, controlsPath: demoControls ? CONTROLS_PATH : undefined });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handle = async (): Promise<void> => {
      if (path === MCP_PATH) return handleMcp(app, req, res);
      if (path === CONTROLS_PATH && demoControls) return handleControls(app, req, res);
      if ((path === '/' || path === '/host') && req.method === 'GET') {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
          .end(page);
        return;
      }
      if (path === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      sendJson(res, 404, { error: `no route ${req.method} ${path}` });
    };
    handle().catch((error: unknown) => {
      console.error(`fitness-app: ${req.method} ${path} failed:`, error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
