/**
 * `@ensign/widget-provider/server`: for MCP tool handlers (Node). Evaluates the flags a widget
 * needs and hands the results over in the tool result's `_meta`.
 * @packageDocumentation
 */
export { type AttachWidgetFlagsOptions, attachWidgetFlags } from './attach-widget-flags.js';
export {
  contextFromMcpRequest,
  type McpContextOptions,
  type McpRequestLike,
  OPENAI_META,
  type TargetingKeySource,
} from './context-from-mcp-request.js';
export { CLIENT_SIDE_METADATA_KEY, type OwnFlagMetadataSource } from './client-side.js';
export { NotClientSideFlagError, type RefusalReason } from './errors.js';
export {
  DEFAULT_FORWARDED_METADATA,
  type EvaluateWidgetFlagsOptions,
  evaluateWidgetFlags,
  type WidgetFlagDefaults,
  type WidgetFlagsClient,
} from './evaluate-widget-flags.js';
export {
  FLAGS_META_KEY,
  PAYLOAD_VERSION,
  type WidgetFlagResult,
  type WidgetFlagsPayload,
  type WidgetLiveRefresh,
} from '../shared/payload.js';
