/**
 * `@ensign/widget-provider/live`: keeps an open widget's flags fresh from the app's OFREP server
 * (bulk evaluation with ETags, the OFREP event stream, backoff). A second entry, so that widgets
 * that do not opt in do not ship it.
 * @packageDocumentation
 */
export { LiveRefresh } from './live-refresh.js';
export { DEFAULT_INACTIVITY_DELAY_SEC, type LiveRefreshOptions } from './options.js';
export type { LiveRefreshStatus } from './status.js';
export { MAX_RETRY_AFTER_MS } from './ofrep-client.js';
