/**
 * A real server for tests: `createServer` over a `MemoryFlagStore` (or a store you pass),
 * listening on a free loopback port, with one token of each role, and a `call` helper that speaks
 * HTTP to it with `fetch` (no injection: the real stack, headers and status codes).
 */
import type { FlagSetDocument } from '@ensign/core';
import { type FlagStore, MemoryFlagStore } from '@ensign/store';
import {
  type EnsignServer,
  type Role,
  type ServerOptions,
  createServer,
  issueToken,
} from '../../src/index.js';

export const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** A response as a test reads it. */
export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else the text ('' for none). */
  body: unknown;
}

/** A running test server. */
export interface TestServer {
  server: EnsignServer;
  store: FlagStore;
  url: string;
  /** One token per role; evaluation tokens are bound to the first set given. */
  tokens: Record<Role, string>;
  /** Sends a request; `token` is sent as a bearer token, `body` as JSON. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Answer>;
  close(): Promise<void>;
}

/** Starts a server with `flagSets` in a memory store (or `options.store`). */
export async function startServer(
  flagSets: Record<string, FlagSetDocument> = {},
  options: Partial<ServerOptions> = {},
): Promise<TestServer> {
  const store = options.store ?? new MemoryFlagStore({ flagSets, logger: quiet });
  const server = await createServer({ logger: quiet, widgetSecret: 'w'.repeat(40), ...options, store });
  const url = await server.listen();
  const first = Object.keys(flagSets)[0] ?? 'default';
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'editor', 'viewer', 'server', 'client'] as const) {
    const flagSetsOf = role === 'editor' || role === 'server' || role === 'client' ? [first] : undefined;
    const { token } = await issueToken(server.context.state, {
      name: `test-${role}`,
      role,
      ...(flagSetsOf && { flagSets: flagSetsOf }),
      ...(role === 'client' && { origins: ['http://127.0.0.1'] }),
      createdBy: 'test',
    });
    tokens[role] = token;
  }
  return {
    server,
    store,
    url,
    tokens,
    async call(method, path, { token, body, headers = {} } = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      if (/json/.test(response.headers.get('content-type') ?? '') && text !== '') parsed = JSON.parse(text);
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      await server.close();
      await store.close();
    },
  };
}
