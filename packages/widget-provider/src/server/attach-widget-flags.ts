import { FLAGS_META_KEY, type WidgetFlagsPayload } from '../shared/payload.js';

/**
 * Returns a copy of a tool result with the flags payload under `_meta[FLAGS_META_KEY]`, keeping
 * every other `_meta` entry (e.g. `openai/outputTemplate`, `openai/widgetSessionId`).
 * @example
 * ```ts
 * return attachWidgetFlags({ content: [{ type: 'text', text: 'Your bookings' }], structuredContent }, payload);
 * ```
 */
export function attachWidgetFlags<R extends object>(
  result: R & { _meta?: Record<string, unknown> | undefined },
  payload: WidgetFlagsPayload,
): R & { _meta: Record<string, unknown> } {
  return { ...result, _meta: { ...result._meta, [FLAGS_META_KEY]: payload } };
}
