/**
 * The flag lifecycle in the server: the report (`GET …/lifecycle`), archiving and restoring, the
 * code-scan upload, sending the report now, the OpenFeature CLI manifest, all over
 * `@ensign/lifecycle` in a scope of their own with their error mapping; and, when asked
 * (`createServer({ lifecycle: { weeklyReport: true } })`, which `ensign serve` does), the
 * leased weekly report to the webhooks subscribed to `lifecycle.report`.
 */
import { resolvePolicy } from '@ensign/lifecycle';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { KnownFlagSets } from '../flag-sets/known-sets.js';
import type { ResolvedWebhookOptions } from '../webhooks/options.js';
import { registerArchiveRoutes } from './archive-routes.js';
import { registerLifecycleErrors } from './errors.js';
import { type LifecycleServerOptions, resolveWeeklyReport } from './options.js';
import { registerReportRoutes } from './report-routes.js';
import { WeeklyReporter } from './weekly-report.js';

/** The running lifecycle machinery of one server. */
export interface Lifecycle {
  /** The weekly report job, when this instance runs one. */
  readonly reporter: WeeklyReporter | undefined;
  stop(): Promise<void>;
}

/** Registers the lifecycle routes and, with `weeklyReport`, starts the job once the server is ready. */
export async function startLifecycle(
  app: FastifyInstance,
  context: ServerContext,
  options: LifecycleServerOptions,
  webhooks: ResolvedWebhookOptions,
): Promise<Lifecycle> {
  const policy = resolvePolicy(options.policy);
  const historyLimit = options.historyLimit ?? 500;
  if (!Number.isSafeInteger(historyLimit) || historyLimit < 1)
    throw new TypeError('lifecycle: option historyLimit must be a positive integer');
  const retry = {
    maxAttempts: webhooks.maxAttempts,
    initialBackoffMs: webhooks.initialBackoffMs,
    maxBackoffMs: webhooks.maxBackoffMs,
    timeoutMs: webhooks.timeoutMs,
  };
  const weekly =
    options.weeklyReport === undefined || options.weeklyReport === false
      ? undefined
      : resolveWeeklyReport(options.weeklyReport === true ? {} : options.weeklyReport);
  const knownSets = new KnownFlagSets(context.state, context.store);
  await app.register(async (scope) => {
    registerLifecycleErrors(scope, context.logger);
    registerArchiveRoutes(scope, context, knownSets);
    registerReportRoutes(scope, context, knownSets, {
      policy,
      historyLimit,
      retry,
      deliveryHistory: webhooks.deliveryHistory,
    });
  });
  if (weekly === undefined) return { reporter: undefined, stop: async () => {} };
  const reporter = new WeeklyReporter(
    {
      state: context.state,
      store: context.store,
      logger: context.logger,
      instanceId: context.instanceId,
      policy,
      historyLimit,
      retry,
      deliveryHistory: webhooks.deliveryHistory,
    },
    weekly,
  );
  app.addHook('onReady', async () => reporter.start());
  return { reporter, stop: () => reporter.stop() };
}

export type { LifecycleServerOptions, WeeklyReportOptions } from './options.js';
export { WEEKLY_REPORT_DEFAULTS, weeklySlotOf } from './options.js';
export { type LifecycleReportPayload, LIFECYCLE_REPORT_EVENT } from './deliver-report.js';
export { WeeklyReporter } from './weekly-report.js';
