/**
 * What the widget needs from its host, over either host contract: ChatGPT's `window.openai`
 * (globals plus the `openai:set_globals` event) or the open MCP Apps standard (JSON-RPC over
 * `postMessage` with the parent frame: `ui/initialize`, `ui/notifications/tool-result`,
 * `tools/call`). Flags do not go through here: the web provider reads them from both on its own.
 */

/** The widget's view of its host. */
export interface HostBridge {
  /** `'openai'` or `'mcp-apps'`, for the footer. */
  readonly kind: 'openai' | 'mcp-apps';
  /** The latest tool result's `structuredContent` (ChatGPT's `toolOutput`). */
  toolOutput(): unknown;
  /** The host's theme (`light`, `dark`), if it said. */
  theme(): string | undefined;
  /** Calls a tool of this app's server through the host; resolves to the tool result. */
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  /** Calls `listener` when anything changes; `newResult` is true for a new tool result. */
  onChange(listener: (newResult: boolean) => void): void;
}

/** The MCP Apps protocol version this widget speaks. */
export const MCP_APPS_PROTOCOL_VERSION = '2026-01-26';
/** How long the widget waits for the host's answer to one request. */
const REQUEST_TIMEOUT_MS = 30_000;

interface OpenAiGlobals {
  toolOutput?: unknown;
  theme?: string;
  callTool?: (name: string, args: Record<string, unknown>) => Promise<unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function openAiBridge(): HostBridge {
  const openai = () => (window as { openai?: OpenAiGlobals }).openai;
  return {
    kind: 'openai',
    toolOutput: () => openai()?.toolOutput,
    theme: () => openai()?.theme,
    callTool: async (name, args) => {
      const callTool = openai()?.callTool;
      if (!callTool) throw new Error('this host does not let widgets call tools');
      return callTool(name, args);
    },
    onChange: (listener) => {
      window.addEventListener('openai:set_globals', (event) => {
        const globals = (event as CustomEvent<{ globals?: Record<string, unknown> }>).detail?.globals;
        listener(!globals || 'toolOutput' in globals);
      });
    },
  };
}

function mcpAppsBridge(): HostBridge {
  let output: unknown;
  let theme: string | undefined;
  let nextId = 1;
  const listeners: Array<(newResult: boolean) => void> = [];
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const emit = (newResult: boolean) => {
    for (const listener of listeners) listener(newResult);
  };
  const post = (message: Record<string, unknown>) =>
    window.parent.postMessage({ jsonrpc: '2.0', ...message }, '*');
  const request = (method: string, params: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the host did not answer ${method} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      post({ id, method, params });
    });
  const themeOf = (context: unknown) =>
    isRecord(context) && typeof context.theme === 'string' ? context.theme : theme;

  window.addEventListener('message', (event) => {
    // Only the host (the parent frame) speaks for the host.
    const message: unknown = event.data;
    if (event.source !== window.parent || !isRecord(message) || message.jsonrpc !== '2.0') return;
    if (typeof message.id === 'number' && message.method === undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      const error = isRecord(message.error) ? message.error : undefined;
      if (error) waiter?.reject(new Error(String(error.message ?? 'request failed')));
      else waiter?.resolve(message.result);
      return;
    }
    if (message.method === 'ui/notifications/tool-result' && isRecord(message.params)) {
      output = message.params.structuredContent;
      emit(true);
    } else if (message.method === 'ui/notifications/host-context-changed') {
      theme = themeOf(message.params);
      emit(false);
    }
  });
  void request('ui/initialize', {
    protocolVersion: MCP_APPS_PROTOCOL_VERSION,
    appInfo: { name: 'fitness-bookings', version: '0.1.0' },
    appCapabilities: {},
  }).then(
    (result) => {
      theme = themeOf(isRecord(result) ? result.hostContext : undefined);
      post({ method: 'ui/notifications/initialized', params: {} });
      emit(false);
    },
    (error: unknown) => console.warn('fitness widget: MCP Apps handshake failed:', error),
  );

  return {
    kind: 'mcp-apps',
    toolOutput: () => output,
    theme: () => theme,
    callTool: (name, args) => request('tools/call', { name, arguments: args }),
    onChange: (listener) => {
      listeners.push(listener);
    },
  };
}

/**
 * Picks the host contract: ChatGPT sets `window.openai` before the widget's scripts run; a widget
 * in a frame without it talks MCP Apps to its parent.
 */
export function connectHost(): HostBridge {
  if ((window as { openai?: unknown }).openai !== undefined || window.parent === window)
    return openAiBridge();
  return mcpAppsBridge();
}
