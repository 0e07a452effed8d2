import { FLAGS_META_KEY, type WidgetFlagsPayload, type WidgetLiveRefresh } from '../shared/payload.js';

/** Options of {@link attachWidgetFlags}. */
export interface AttachWidgetFlagsOptions {
  /**
   * Lets the widget keep this payload fresh from your OFREP server while it stays open (it must
   * load `@ensign/widget-provider/live`): the server's base URL and a widget token minted for
   * exactly this payload's flags and the context they were evaluated with. Declare the URL's
   * origin in the widget resource's CSP (`openai/widgetCSP.connect_domains`,
   * `ui.csp.connectDomains`).
   * @default undefined: the payload changes only with the next tool result
   * @example
   * ```ts
   * const token = mintWidgetToken({ secret, flagSet: 'fitness', flags: Object.keys(payload.flags), context });
   * attachWidgetFlags(result, payload, { live: { url: 'https://flags.example.com', token } });
   * ```
   */
  live?: WidgetLiveRefresh;
}

/** The origin-and-path form of an OFREP base URL; throws naming the option when it is not one. */
function baseUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {}
  if (
    !parsed ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    parsed.search ||
    parsed.hash
  )
    throw new TypeError(
      `attachWidgetFlags: live.url "${url}" must be an http(s) base URL such as "https://flags.example.com"`,
    );
  return parsed.href.replace(/\/+$/, '');
}

/**
 * Returns a copy of a tool result with the flags payload under `_meta[FLAGS_META_KEY]`, keeping
 * every other `_meta` entry (e.g. `openai/outputTemplate`, `openai/widgetSessionId`). With
 * `live`, the payload also carries where and with what token the widget may refresh it.
 * @throws {TypeError} when `live.url` is not an http(s) base URL or `live.token` is empty.
 * @example
 * ```ts
 * return attachWidgetFlags({ content: [{ type: 'text', text: 'Your bookings' }], structuredContent }, payload);
 * ```
 */
export function attachWidgetFlags<R extends object>(
  result: R & { _meta?: Record<string, unknown> | undefined },
  payload: WidgetFlagsPayload,
  options: AttachWidgetFlagsOptions = {},
): R & { _meta: Record<string, unknown> } {
  const { live } = options;
  let attached = payload;
  if (live !== undefined) {
    if (typeof live.token !== 'string' || live.token === '')
      throw new TypeError('attachWidgetFlags: live.token must be a widget token (mintWidgetToken)');
    attached = { ...payload, live: { url: baseUrl(live.url), token: live.token } };
  }
  return { ...result, _meta: { ...result._meta, [FLAGS_META_KEY]: attached } };
}
