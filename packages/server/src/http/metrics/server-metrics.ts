/**
 * The server's own metrics, in Prometheus' text format: HTTP requests by route (OpenTelemetry's
 * `http.server.request.duration`, whose count is the request rate by route and status), OFREP
 * evaluations, event streams open, webhook deliveries, token rejections; and at scrape time the
 * flag sets it follows (version, flag count, sync state, kill switches), with the same names and
 * labels as `@ensign/hooks`' OpenTelemetry instruments, so one set of alert rules covers apps
 * and servers. Recording is a `Map` lookup and an add; everything else happens when scraped.
 */
import {
  EvaluationTotals,
  type FlagSetStatusSource,
  type MetricPoint,
  evaluationPoints,
  flagSetPoints,
  prometheusLabel,
  prometheusName,
} from '@ensign/hooks';
import { Counter, Gauge, Histogram, header, labelText, sampleValue } from './prometheus.js';

/** Bucket boundaries of the request-duration histogram, in seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Why the authentication hook refused a request. */
export type AuthRejection = 'missing_token' | 'invalid_token' | 'forbidden' | 'rate_limited';

/** What came of a webhook delivery (after all its attempts). */
export type WebhookOutcome = 'delivered' | 'failed';

/** The provider name OFREP evaluations are counted under when the set's provider is not known. */
const OFREP_PROVIDER = 'ensign-ofrep';

/** Renders points of `@ensign/hooks`' metrics (several label sets per metric) as Prometheus text. */
export function renderPoints(points: readonly MetricPoint[]): string {
  const byMetric = new Map<MetricPoint['metric'], MetricPoint[]>();
  for (const point of points) {
    const list = byMetric.get(point.metric);
    if (list === undefined) byMetric.set(point.metric, [point]);
    else list.push(point);
  }
  let out = '';
  for (const [metric, list] of byMetric) {
    const name = prometheusName(metric);
    out += header(name, metric.description, metric.kind === 'counter' ? 'counter' : 'gauge');
    for (const point of list) {
      const entries = Object.entries(point.attributes);
      out += `${name}${labelText(
        entries.map(([key]) => prometheusLabel(key)),
        entries.map(([, value]) => String(value)),
      )} ${sampleValue(point.value)}\n`;
    }
  }
  return out;
}

/** The metrics of one server. */
export class ServerMetrics {
  /** `http.server.request.duration`: rate, latency and status by route. */
  readonly requests = new Histogram(
    'http_server_request_duration_seconds',
    'Duration of HTTP requests, by method, route template and status code',
    ['http_request_method', 'http_route', 'http_response_status_code'],
    HTTP_DURATION_BUCKETS,
  );
  /** Single-flag OFREP evaluations, per flag, variant, reason and error (bounded series). */
  readonly ofrepEvaluations = new EvaluationTotals();
  readonly ofrepBulkFlags = new Counter(
    'ensign_ofrep_bulk_flags_total',
    'Flags answered in OFREP bulk evaluations (304s excluded)',
    ['feature_flag_set_id'],
  );
  readonly streamsOpen = new Gauge('ensign_ofrep_event_streams', 'OFREP event streams open', [
    'feature_flag_set_id',
  ]);
  readonly streamsOpened = new Counter(
    'ensign_ofrep_event_streams_opened_total',
    'OFREP event streams opened',
    ['feature_flag_set_id'],
  );
  readonly webhookDeliveries = new Counter(
    'ensign_webhook_deliveries_total',
    'Webhook deliveries by outcome (after all their attempts) and by what sent them',
    ['ensign_webhook_outcome', 'ensign_webhook_trigger'],
  );
  readonly webhookAttempts = new Counter(
    'ensign_webhook_delivery_attempts_total',
    'Webhook HTTP attempts',
    [],
  );
  readonly authRejections = new Counter(
    'ensign_auth_rejections_total',
    'Requests refused by authentication or authorisation, by reason',
    ['ensign_auth_reason'],
  );

  /** Counts a finished request (the `onResponse` hook). */
  request(method: string, route: string | undefined, status: number, seconds: number): void {
    this.requests.observe([method, route ?? 'unmatched', String(status)], seconds);
  }

  /** Counts one single-flag OFREP evaluation. */
  ofrepEvaluation(
    flagSet: string,
    flagKey: string,
    result: { variant?: string; reason?: string; errorCode?: string },
  ): void {
    this.ofrepEvaluations.count({
      providerName: OFREP_PROVIDER,
      flagSet,
      flagKey,
      ...(result.variant !== undefined && { variant: result.variant }),
      ...(result.reason !== undefined && { reason: result.reason }),
      ...(result.errorCode !== undefined && { errorCode: result.errorCode }),
    });
  }

  /** An event stream opened (`+1`) or ended (`-1`). */
  stream(flagSet: string, change: 1 | -1): void {
    this.streamsOpen.add([flagSet], change);
    if (change === 1) this.streamsOpened.inc([flagSet]);
  }

  /** Counts a settled webhook delivery. */
  webhook(
    outcome: WebhookOutcome,
    attempts: number,
    trigger: 'dispatcher' | 'redelivery' = 'dispatcher',
  ): void {
    this.webhookDeliveries.inc([outcome, trigger]);
    if (attempts > 0) this.webhookAttempts.inc([], attempts);
  }

  /** Counts a refused request. */
  rejection(reason: AuthRejection): void {
    this.authRejections.inc([reason]);
  }

  /** The exposition: the server's metrics, then the flag sets of `providers` at `now`. */
  render(providers: Iterable<FlagSetStatusSource>, now = Date.now()): string {
    const points: MetricPoint[] = evaluationPoints(this.ofrepEvaluations);
    for (const provider of providers) points.push(...flagSetPoints(provider.syncStatus(now), now));
    return (
      this.requests.render() +
      this.ofrepBulkFlags.render() +
      this.streamsOpen.render() +
      this.streamsOpened.render() +
      this.webhookDeliveries.render() +
      this.webhookAttempts.render() +
      this.authRejections.render() +
      renderPoints(points)
    );
  }
}
