import type { FlagMetadata, JsonValue } from '@openfeature/core';

/**
 * The `_meta` key of a tool result under which the server hands evaluated flags to the widget.
 * `_meta` is delivered to the widget (`window.openai.toolResponseMetadata`, or the MCP Apps
 * `ui/notifications/tool-result` message) and is not shown to the model.
 */
export const FLAGS_META_KEY = 'ensign/flags';

/** The payload format's version; a widget ignores payloads of a version it does not know. */
export const PAYLOAD_VERSION = 1;

/**
 * One flag's evaluation result, as evaluated on the server for the calling user. Results only:
 * never the flag's rules, weights, segments or allowlists.
 */
export interface WidgetFlagResult {
  /**
   * The resolved value. Absent when the caller's default applies: a disabled flag (reason
   * `DISABLED`) or a failed evaluation (reason `ERROR`, with `errorCode`).
   */
  value?: JsonValue;
  /** The variant name, when the provider reported one. */
  variant?: string;
  /** The OpenFeature reason: `STATIC`, `TARGETING_MATCH`, `DEFAULT`, `DISABLED`, `ERROR`, ... */
  reason: string;
  /** The OpenFeature error code when `reason` is `ERROR` (e.g. `FLAG_NOT_FOUND`); no message. */
  errorCode?: string;
  /** The allowed subset of the flag's metadata (by default `flagSetId`, `version`, `kind`). */
  flagMetadata?: FlagMetadata;
}

/**
 * Where and with what an open widget may refresh its payload (`@ensign/widget-provider/live`).
 * The token is a credential: it stays in `_meta` (hidden from the model) and is never written to
 * widget state, which the model can read.
 */
export interface WidgetLiveRefresh {
  /**
   * The base URL of the OFREP server, e.g. `https://flags.example.com` (the widget posts to
   * `<url>/ofrep/v1/evaluate/flags`). Its origin must be in the widget resource's CSP
   * (`connect_domains` / `connectDomains`).
   */
  url: string;
  /**
   * A widget token (`mintWidgetToken` of `@ensign/server/widget-token`) for exactly the flags of
   * this payload and the evaluation context the server used: short-lived, sealed (the page cannot
   * read or change the context), sent as a bearer token.
   */
  token: string;
}

/** What the server puts under {@link FLAGS_META_KEY}: version 1 of the hand-off format. */
export interface WidgetFlagsPayload {
  /** Format version, always {@link PAYLOAD_VERSION}. */
  v: typeof PAYLOAD_VERSION;
  /** Flag key → result. */
  flags: Record<string, WidgetFlagResult>;
  /**
   * When the server evaluated the flags (milliseconds since the epoch, finite). The widget keeps
   * the newest payload, so a re-delivered old tool result does not undo a newer one; a payload
   * without `issuedAt` never replaces one that has it.
   */
  issuedAt?: number;
  /**
   * Present when the app lets the widget keep these flags fresh from its OFREP server (see
   * {@link WidgetLiveRefresh}); widgets that do not load the live entry ignore it.
   */
  live?: WidgetLiveRefresh;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether `value` is a well-formed version-1 payload: every entry has a string `reason`, and
 * `issuedAt`, when present, is a finite number.
 */
export function isWidgetFlagsPayload(value: unknown): value is WidgetFlagsPayload {
  if (!isRecord(value) || value.v !== PAYLOAD_VERSION || !isRecord(value.flags)) return false;
  // Finite only: structured clone (postMessage) keeps NaN, which compares as neither older nor
  // newer, and Infinity, which nothing could ever replace.
  if (value.issuedAt !== undefined && !Number.isFinite(value.issuedAt)) return false;
  for (const entry of Object.values(value.flags)) {
    if (!isRecord(entry) || typeof entry.reason !== 'string') return false;
  }
  return true;
}

// Hosts and SDKs wrap a tool result differently: `_meta` flat (ChatGPT's toolResponseMetadata),
// a whole CallToolResult (`{ _meta }`, MCP Apps and callTool), or an envelope nested under
// `mcp_tool_result` / `call_tool_result` (seen in ChatGPT's toolResponseMetadata).
const WRAPPERS = ['_meta', 'mcp_tool_result', 'call_tool_result'] as const;

/**
 * Finds the flags payload in a tool result, its `_meta`, or a host envelope around either.
 * @returns the payload, or `undefined` when there is none (or it is malformed or of another version).
 */
export function findWidgetFlagsPayload(container: unknown, depth = 0): WidgetFlagsPayload | undefined {
  if (!isRecord(container) || depth > 3) return undefined;
  const direct = container[FLAGS_META_KEY];
  if (isWidgetFlagsPayload(direct)) return direct;
  for (const wrapper of WRAPPERS) {
    const found = findWidgetFlagsPayload(container[wrapper], depth + 1);
    if (found) return found;
  }
  return undefined;
}
