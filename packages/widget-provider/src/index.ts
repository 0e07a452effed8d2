/**
 * `@ensign/widget-provider`: the flag hand-off format shared by the server helper
 * (`@ensign/widget-provider/server`) and the widget's web provider (`@ensign/widget-provider/widget`).
 * @packageDocumentation
 */
export {
  FLAGS_META_KEY,
  findWidgetFlagsPayload,
  isWidgetFlagsPayload,
  PAYLOAD_VERSION,
  type WidgetFlagResult,
  type WidgetFlagsPayload,
  type WidgetLiveRefresh,
} from './shared/payload.js';
