import type { WidgetFlagResult, WidgetFlagsPayload } from '../../src/shared/payload.js';
import type { OpenAiHost } from '../../src/widget/host.js';

/** A version-1 payload with the given flags. */
export const payload = (flags: Record<string, WidgetFlagResult>, issuedAt?: number): WidgetFlagsPayload =>
  issuedAt === undefined ? { v: 1, flags } : { v: 1, flags, issuedAt };

/** A ChatGPT-like `window.openai` whose `setWidgetState` fires `openai:set_globals`, as ChatGPT does. */
export function installOpenAiHost(initial: Partial<OpenAiHost> = {}): OpenAiHost & { writes: unknown[] } {
  const writes: unknown[] = [];
  const host: OpenAiHost & { writes: unknown[] } = {
    toolResponseMetadata: null,
    widgetState: null,
    ...initial,
    writes,
    setWidgetState: (state) => {
      writes.push(state);
      host.widgetState = state;
      setGlobals({ widgetState: state });
      return Promise.resolve();
    },
  };
  (globalThis as { openai?: OpenAiHost }).openai = host;
  return host;
}

/** Removes `window.openai`. */
export function removeOpenAiHost(): void {
  delete (globalThis as { openai?: OpenAiHost }).openai;
}

/** Fires ChatGPT's `openai:set_globals` with the changed globals (and sets them on `window.openai`). */
export function setGlobals(globals: Partial<OpenAiHost>): void {
  const host = (globalThis as { openai?: OpenAiHost }).openai;
  if (host) Object.assign(host, globals);
  window.dispatchEvent(new CustomEvent('openai:set_globals', { detail: { globals } }));
}

/** Delivers an MCP Apps `ui/notifications/tool-result` as the parent frame would (from `origin`). */
export function postToolResult(
  params: unknown,
  source: MessageEventSource | null = window.parent,
  origin = '',
): void {
  window.dispatchEvent(
    new MessageEvent('message', {
      data: { jsonrpc: '2.0', method: 'ui/notifications/tool-result', params },
      source,
      origin,
    }),
  );
}
