/**
 * The subset of ChatGPT's `window.openai` the widget provider reads and writes. ChatGPT sets these
 * globals on the widget's window and fires `openai:set_globals` on `window` whenever any changes.
 */
export interface OpenAiHost {
  /** The tool result's `_meta`: delivered to the widget, hidden from the model. */
  toolResponseMetadata?: unknown;
  /** Per-widget state restored when the message is shown again; the model can see it. */
  widgetState?: unknown;
  /** Replaces the widget state (the whole object: callers merge). */
  setWidgetState?: (state: Record<string, unknown>) => unknown;
}

/** The `detail` of ChatGPT's `openai:set_globals` event: the globals that changed. */
export interface SetGlobalsEventDetail {
  globals?: Partial<OpenAiHost>;
}

/** The event ChatGPT fires on `window` when any `window.openai` global changes. */
export const SET_GLOBALS_EVENT = 'openai:set_globals';

/** The MCP Apps notification by which a host hands the widget a tool result. */
export const TOOL_RESULT_METHOD = 'ui/notifications/tool-result';

/** The host bridge on `window`, if this page runs in ChatGPT. */
export const openAiHost = (): OpenAiHost | undefined =>
  (globalThis as { openai?: OpenAiHost }).openai ?? undefined;
