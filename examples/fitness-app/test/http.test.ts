/**
 * The app over HTTP as ChatGPT and the demo page reach it: a real MCP `Client` on Streamable
 * HTTP, the simulated host page, and the demo flag controls that only local requests may use.
 */
import { request } from 'node:http';
import { MemoryFlagStore } from '@ensign/store';
import { FLAGS_META_KEY } from '@ensign/widget-provider/widget';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FitnessApp, startFitnessApp } from '../src/app.js';
import { CONTROLS_PATH, type FitnessHttpServer, MCP_PATH, listenFitnessHttp } from '../src/http-server.js';
import { MAINTENANCE_MESSAGE } from '../src/server.js';
import { collectingLogger } from './support/collecting-logger.js';

/** A raw request, so the test controls the Host and forwarding headers that `fetch` would set. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('fitness app over HTTP', () => {
  let store: MemoryFlagStore;
  let app: FitnessApp;
  let http: FitnessHttpServer;
  let client: Client;

  beforeAll(async () => {
    store = new MemoryFlagStore();
    app = await startFitnessApp({ store, domain: 'fitness-app-test-http', logger: collectingLogger() });
    http = await listenFitnessHttp({ app, port: 0 });
    client = new Client({ name: 'fitness-app-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}${MCP_PATH}`)));
  });

  afterAll(async () => {
    await client?.close();
    await http?.close();
    await app?.close();
    await store?.close();
  });

  it('answers MCP tool calls on Streamable HTTP with the flags payload for the subject', async () => {
    const call = () =>
      client.callTool({
        name: 'list_bookings',
        arguments: {},
        _meta: { 'openai/subject': 'user-2' },
      }) as Promise<CallToolResult>;
    const first = await call();
    const second = await call();
    const layout = (result: CallToolResult) =>
      (result._meta?.[FLAGS_META_KEY] as { flags: Record<string, { variant?: string }> }).flags[
        'booking-layout'
      ]?.variant;
    expect(['list', 'cards', 'calendar']).toContain(layout(first));
    expect(layout(second)).toBe(layout(first));
  });

  it('serves the simulated host page, which talks MCP to /mcp', async () => {
    const page = await send(`${http.url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('openai:set_globals');
    expect(page.body).toContain('"mcpPath":"/mcp"');
    expect((await send(`${http.url}${MCP_PATH}`)).status).toBe(405);
  });

  it('lets only local, unrelayed requests flip flags', async () => {
    const local = await send(`${http.url}${CONTROLS_PATH}`);
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toMatchObject({ killed: false, cancelRolloutPercent: 25 });

    const kill = JSON.stringify({ action: 'kill' });
    const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: kill };
    // A tunnel connects from loopback but relays a public request: refused.
    const tunnelled = await send(`${http.url}${CONTROLS_PATH}`, {
      ...post,
      headers: { ...post.headers, 'x-forwarded-for': '203.0.113.7' },
    });
    expect(tunnelled.status).toBe(403);
    // DNS rebinding: a page on another name that resolves to 127.0.0.1.
    const rebound = await send(`${http.url}${CONTROLS_PATH}`, {
      ...post,
      headers: { ...post.headers, host: 'attacker.example' },
    });
    expect(rebound.status).toBe(403);
    const malformed = await send(`${http.url}${CONTROLS_PATH}`, { ...post, body: '{"action":"explode"}' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error).toMatch(/"action":"kill"/);
    expect((await send(`${http.url}${CONTROLS_PATH}`)).body).toContain('"killed":false');

    const flipped = await send(`${http.url}${CONTROLS_PATH}`, post);
    expect(flipped.status).toBe(200);
    expect(JSON.parse(flipped.body)).toMatchObject({ killed: true });
    const result = (await client.callTool({
      name: 'list_bookings',
      arguments: {},
      _meta: { 'openai/subject': 'user-2' },
    })) as CallToolResult;
    expect(result.content).toEqual([{ type: 'text', text: MAINTENANCE_MESSAGE }]);
  });
});
