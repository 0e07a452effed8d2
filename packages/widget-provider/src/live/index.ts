/**
 * `@ensign/widget-provider/live`: keeps an open widget's flags fresh from the app's OFREP server
 * (bulk evaluation with ETags, the OFREP event stream, backoff). A second entry, so that widgets
 * that do not opt in do not ship it.
 * @packageDocumentation
 */
export {
  DEFAULT_INACTIVITY_DELAY_SEC,
  LiveRefresh,
  type LiveRefreshOptions,
  type LiveRefreshStatus,
} from './live-refresh.js';
export { MAX_RETRY_AFTER_MS } from './ofrep-client.js';
