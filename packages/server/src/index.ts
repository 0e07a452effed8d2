/**
 * `@ensign/server`: one HTTP server for Ensign: the authenticated admin API, OFREP with event
 * streams, and webhooks, over any `FlagStore`.
 * @packageDocumentation
 */
export {
  createServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_RATE_LIMIT,
  type EnsignServer,
  type ServerOptions,
} from './create-server.js';
export type { ServerContext } from './context.js';
export { FlagSetRegistry, type FlagSetChangeListener, type LiveFlagSet } from './flag-sets/registry.js';
export { HttpProblem, type ProblemDocument, type ProblemIssue } from './http/problem.js';
export { METRICS_CONTENT_TYPE, type MetricsOptions } from './http/metrics/metrics-route.js';
export {
  type AuthRejection,
  HTTP_DURATION_BUCKETS,
  ServerMetrics,
  type WebhookOutcome,
} from './http/metrics/server-metrics.js';
export { type Permission, type Principal, allows } from './auth/permissions.js';
export {
  findToken,
  hashToken,
  issueToken,
  listTokens,
  revokeToken,
  ROLES,
  type Role,
  type TokenRecord,
  type TokenSpec,
} from './auth/tokens.js';
export {
  mintWidgetToken,
  type MintWidgetTokenOptions,
  verifyWidgetToken,
  type WidgetTokenClaims,
} from './auth/widget-token.js';
export type {
  IncrementOptions,
  Lease,
  PutOptions,
  ServerState,
  StateDocument,
} from './state/server-state.js';
export { MemoryServerState, type MemoryServerStateOptions } from './state/memory-state.js';
export { RedisServerState, type RedisServerStateOptions } from './state/redis-state.js';
export type { StateConnectionOptions } from './state/redis/connection.js';
export { DEFAULT_STATE_PREFIX } from './state/redis/keys.js';
export { type RedisStateAclOptions, redisMetricsAclRules, redisStateAclRules } from './state/redis/acl.js';
export { type RouteAccess, routeAccess } from './auth/authenticate.js';
export { FLAG_SETS, type FlagSetRecord, KnownFlagSets } from './flag-sets/known-sets.js';
export {
  ROLLOUT_PAUSED_EVENT,
  type Rollouts,
  type RolloutsOptions,
  type RolloutPausedPayload,
} from './rollouts/index.js';
export {
  LIFECYCLE_REPORT_EVENT,
  type Lifecycle,
  type LifecycleReportPayload,
  type LifecycleServerOptions,
  WEEKLY_REPORT_DEFAULTS,
  type WeeklyReportOptions,
  WeeklyReporter,
  weeklySlotOf,
} from './lifecycle/index.js';
export type { DashboardOptions } from './dashboard/index.js';
export {
  CSRF_HEADER,
  DEFAULT_SESSION_TTL_MS,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  SESSIONS,
} from './dashboard/sessions.js';
export { type FlagSetChangeEvent, DASHBOARD_HEARTBEAT_MS } from './dashboard/events.js';
export { DASHBOARD_CSP, DASHBOARD_PATH } from './dashboard/static.js';
export {
  type EmbeddedBackends,
  type EmbeddedBackendsOptions,
  openEmbeddedBackends,
} from './state/embedded.js';
export {
  type WebhookPayload,
  WEBHOOK_HEADERS,
  signWebhookBody,
  verifyWebhookSignature,
} from './webhooks/payload.js';
export { WEBHOOK_EVENTS, type WebhookEvent } from './webhooks/events.js';
export { type WebhookOptions, WEBHOOK_DEFAULTS } from './webhooks/options.js';
export type {
  CursorState,
  DeliveryRecord,
  FailureRecord,
  WebhookRecord,
} from './webhooks/records.js';
export { WebhookDispatcher, type Webhooks } from './webhooks/index.js';
export { MAX_CONTEXT_DEPTH, MAX_CONTEXT_VALUES, MAX_OFREP_BODY_BYTES } from './ofrep/request-body.js';
export { INACTIVITY_DELAY_SEC } from './ofrep/evaluate.js';
export { HEARTBEAT_INTERVAL_MS } from './ofrep/event-streams.js';
export { FLAG_CONFIG_WAIT_MS } from './ofrep/freshness.js';
