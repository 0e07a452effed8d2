/** The options of `LiveRefresh`, and their defaults. */

/** Options of `LiveRefresh`. */
export interface LiveRefreshOptions {
  /**
   * Calls the app's app-only refresh tool through the host (`window.openai.callTool`, or MCP
   * Apps `tools/call`) and resolves with its result, which carries a fresh payload and token.
   * Used once when a token is refused (so a widget outlives its token's 5 to 15 minutes), and,
   * on hosts that block connections, whenever the page becomes visible again.
   * @default undefined: a refused token ends live refresh until the next tool result
   */
  refreshTool?: () => Promise<unknown>;
  /**
   * Seconds hidden after which the stream is closed (ADR-0008); the page re-fetches when visible.
   * @default the server's `inactivityDelaySec`, else 120
   */
  inactivityDelaySec?: number;
  /** First retry delay in ms (then doubled per failure, with jitter). @default 1000 */
  minRetryDelayMs?: number;
  /** Longest retry delay in ms (a longer `Retry-After` is honoured up to 10 minutes). @default 60000 */
  maxRetryDelayMs?: number;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** `inactivityDelaySec` when neither the option nor the server gives one (ADR-0008). */
export const DEFAULT_INACTIVITY_DELAY_SEC = 120;
