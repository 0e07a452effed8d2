/**
 * `@ensign/widget-provider/widget`: the OpenFeature web provider for ChatGPT and MCP Apps widgets
 * (browser; no Node APIs).
 * @packageDocumentation
 */
export {
  type OpenAiHost,
  SET_GLOBALS_EVENT,
  type SetGlobalsEventDetail,
  TOOL_RESULT_METHOD,
} from './host.js';
export {
  WidgetFlagProvider,
  type WidgetFlagProviderOptions,
  type WidgetPayloadListener,
} from './widget-flag-provider.js';
export {
  FLAGS_META_KEY,
  findWidgetFlagsPayload,
  PAYLOAD_VERSION,
  type WidgetFlagResult,
  type WidgetFlagsPayload,
  type WidgetLiveRefresh,
} from '../shared/payload.js';
