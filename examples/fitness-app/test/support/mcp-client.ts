/**
 * Connects a real MCP `Client` to a fitness app over the SDK's in-memory transport pair, and
 * calls tools as ChatGPT does: with `_meta["openai/subject"]` (and other `openai/*` hints) on
 * the request.
 */
import { FLAGS_META_KEY, type WidgetFlagsPayload } from '@ensign/widget-provider/widget';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FitnessApp } from '../../src/app.js';

/** A connected client and a way to call the app's tools as one user. */
export interface TestMcpClient {
  readonly client: Client;
  /** Calls `name` with `_meta["openai/subject"] = subject` plus any extra request `_meta`. */
  call(
    name: string,
    subject: string,
    args?: Record<string, unknown>,
    meta?: Record<string, unknown>,
  ): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Connects a new client to a new server instance of `app`. */
export async function connectClient(app: FitnessApp): Promise<TestMcpClient> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = app.createServer();
  await server.connect(serverTransport);
  const client = new Client({ name: 'fitness-app-test', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    client,
    call: async (name, subject, args = {}, meta = {}) =>
      (await client.callTool({
        name,
        arguments: args,
        _meta: { 'openai/subject': subject, ...meta },
      })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The widget flags payload of a tool result (fails the test when absent). */
export function widgetPayload(result: CallToolResult): WidgetFlagsPayload {
  const payload = result._meta?.[FLAGS_META_KEY] as WidgetFlagsPayload | undefined;
  if (!payload) throw new Error(`tool result has no _meta["${FLAGS_META_KEY}"]: ${JSON.stringify(result)}`);
  return payload;
}

/** The text of a tool result. */
export const textOf = (result: CallToolResult): string =>
  result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
