/**
 * Guarded rollouts, scheduled changes and experiment results in the server: their admin routes
 * (over `@ensign/rollouts`, in a scope of their own with their error mapping) and, when asked
 * (`createServer({ rollouts: { controller: true } })`, which `ensign serve` does), the leased
 * `RolloutController`: every instance may run one, one acts at a time.
 *
 * Notifications: every step the controller takes on a flag (a stage, a rollback, a kill, the
 * completion) is an audited write with actor `rollout:<plan>` and the figures in its reason, so
 * the webhooks, which deliver the audit log, announce it like any other change. Pauses write
 * nothing to the flag: they are logged here (and kept in the plan's history), and delivered from
 * the controller's notification to the webhooks subscribed to `rollout.paused`.
 */
import type { CounterSource } from '@ensign/hooks';
import { RolloutController, type RolloutControllerOptions, type RolloutNotification } from '@ensign/rollouts';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { KnownFlagSets } from '../flag-sets/known-sets.js';
import { type ResolvedWebhookOptions, WEBHOOK_DEFAULTS } from '../webhooks/options.js';
import { registerRolloutErrors } from './errors.js';
import { PauseNotifier } from './pause-notifier.js';
import { registerPlanRoutes } from './plan-routes.js';
import { registerScheduleRoutes } from './schedule-routes.js';

/** Options of the server's rollouts. */
export interface RolloutsOptions {
  /** Run a rollout controller in this instance. @default false */
  controller?: boolean;
  /** Time between the controller's ticks. @default 5000 */
  intervalMs?: number;
  /** The controller's lease; keep it well above `intervalMs`. @default 15000 */
  leaseTtlMs?: number;
  /** Called with every step, pause and rollback (after it is logged). */
  onEvent?: (event: RolloutNotification) => void;
  /**
   * Where the apps' `MetricsAggregator`s write, when not in the server's state (a state with a
   * prefix of its own for metrics). @default the server's state
   */
  metrics?: CounterSource;
}

/** The running rollout machinery of one server. */
export interface Rollouts {
  /** The controller, when this instance runs one. */
  readonly controller: RolloutController | undefined;
  stop(): Promise<void>;
}

/**
 * Registers the routes and, with `controller`, starts the controller once the server is ready;
 * its pauses go to the webhooks subscribed to `rollout.paused`, tried as `webhooks` says.
 */
export async function startRollouts(
  app: FastifyInstance,
  context: ServerContext,
  options: RolloutsOptions = {},
  webhooks: ResolvedWebhookOptions = WEBHOOK_DEFAULTS,
): Promise<Rollouts> {
  const knownSets = new KnownFlagSets(context.state, context.store);
  const rollouts = {
    store: context.store,
    state: context.state,
    ...(options.metrics !== undefined && { metrics: options.metrics }),
  };
  await app.register(async (scope) => {
    registerRolloutErrors(scope, context.logger);
    registerPlanRoutes(scope, rollouts, knownSets);
    registerScheduleRoutes(scope, rollouts, knownSets);
  });
  if (options.controller !== true) return { controller: undefined, stop: async () => {} };
  const pauses = new PauseNotifier({
    state: context.state,
    store: context.store,
    logger: context.logger,
    retry: {
      maxAttempts: webhooks.maxAttempts,
      initialBackoffMs: webhooks.initialBackoffMs,
      maxBackoffMs: webhooks.maxBackoffMs,
      timeoutMs: webhooks.timeoutMs,
    },
    deliveryHistory: webhooks.deliveryHistory,
  });
  const controllerOptions: RolloutControllerOptions = {
    store: context.store,
    state: context.state,
    owner: context.instanceId,
    logger: context.logger,
    ...(options.metrics !== undefined && { metrics: options.metrics }),
    ...(options.intervalMs !== undefined && { intervalMs: options.intervalMs }),
    ...(options.leaseTtlMs !== undefined && { leaseTtlMs: options.leaseTtlMs }),
    onEvent: (event) => {
      const line = `rollout ${event.plan} of ${event.flagSet}/${event.flagKey}: ${event.type} (${event.percent}%): ${event.reason}`;
      if (event.type === 'paused' || event.type === 'rolled-back' || event.type === 'killed')
        context.logger.warn(line);
      else context.logger.info(line);
      pauses.notify(event); // in the background: the controller never waits for a receiver
      options.onEvent?.(event);
    },
  };
  const controller = new RolloutController(controllerOptions);
  app.addHook('onReady', async () => controller.start());
  return {
    controller,
    stop: async () => {
      try {
        await controller.stop(); // no pause is announced after this
      } finally {
        await pauses.stop();
      }
    },
  };
}

export { ROLLOUT_PAUSED_EVENT, type RolloutPausedPayload } from './deliver-pause.js';
