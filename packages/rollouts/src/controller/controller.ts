import { randomBytes } from 'node:crypto';
/**
 * `RolloutController`: advances and rolls back guarded rollouts, and runs scheduled changes. Any
 * number may run (inside `ensign serve`, or as `ensign rollout run`); exactly one acts at a time.
 *
 * Protocol:
 * 1. Lease. Each tick takes or renews the lease `rollout-controller` in the state; without it
 *    the controller does nothing. Every grant carries a fencing token larger than any before.
 * 2. Fencing. Every record a controller writes carries its token (`fence`), and every write is
 *    compare-and-set on the record's version. A controller that finds a larger token than its
 *    own in a record has been superseded and stops at once; before acting on a record holding a
 *    smaller token it first writes its own (a claim), so a superseded controller that wakes up
 *    finds the record changed under it and cannot act on it.
 * 3. Decide, record, write. A flag write is first recorded in the plan (`pending`: what, from
 *    which ETag, to which ETag), then made with `ifMatch` on that ETag, then confirmed. After a
 *    crash or a takeover the recorded write is redone: it either lands, or finds the flag already
 *    at the intended ETag (done by the previous holder), or finds a person's edit (pause).
 * 4. A person's edit of the flag (any ETag the plan did not write) pauses the plan; the
 *    controller never overwrites it. A resume writes the current stage again, as a new cohort.
 * 5. Restart. Everything lives in the state and the store: a restarted controller (or another
 *    one) continues from the record; a stage's clock started at its write, so a controller that
 *    was down holds traffic where it was, and resumes one stage at a time, never skipping.
 */
import type { CounterSource } from '@ensign/hooks';
import type { FlagSetSnapshot, FlagStore } from '@ensign/store';
import { runDueSchedules } from '../schedules/run-schedules.js';
import { CONTROLLER_LEASE, CONTROL_SETS, type RolloutState, rolloutsNamespace } from '../state/contract.js';
import type { RolloutRecord } from '../state/record.js';
import { type NotificationType, PlanRunner, SupersededError } from './plan-runner.js';

/** What the controller tells the outside world (webhooks, logs). */
export interface RolloutNotification {
  readonly type: NotificationType;
  readonly flagSet: string;
  readonly plan: string;
  readonly flagKey: string;
  /** The stage now in effect (index), and its percentage. */
  readonly stage: number;
  readonly percent: number;
  /** Which metric, which figures. */
  readonly reason: string;
  /** The flag set version written, for flag writes. */
  readonly flagVersion?: number;
  readonly at: number;
}

/** A console-compatible logger (OpenFeature's `Logger` fits). */
export interface ControllerLogger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
}

/** Options of {@link RolloutController}. */
export interface RolloutControllerOptions {
  readonly store: FlagStore;
  /** Plans, schedules, metric aggregates and the lease: a `ServerState`. */
  readonly state: RolloutState;
  /**
   * Where the metric aggregates are read, when the apps' aggregators write them elsewhere than
   * `state` (a state with a prefix of its own for metrics). @default state
   */
  readonly metrics?: CounterSource;
  /** This controller's name in the lease. @default `ctl_<random>` */
  readonly owner?: string;
  /** Lease duration; renewed every tick, so keep it well above `intervalMs`. @default 15000 */
  readonly leaseTtlMs?: number;
  /** Time between ticks. @default 5000 */
  readonly intervalMs?: number;
  /** The clock of stages and schedules (simulations inject one). @default Date.now */
  readonly now?: () => number;
  /** @default console (errors and warnings) */
  readonly logger?: ControllerLogger;
  /** Called with every stage advanced, pause, rollback, completion. Must not throw (errors are logged). */
  readonly onEvent?: (event: RolloutNotification) => void;
}

/** What one tick did. */
export interface TickResult {
  /** Whether this controller held the lease. */
  readonly leader: boolean;
  /** The fencing token held. */
  readonly token?: number;
  /** Plans looked at. */
  readonly plans: number;
  /** Schedules executed. */
  readonly schedules: number;
}

/** Defaults of {@link RolloutControllerOptions}. */
export const CONTROLLER_DEFAULTS = { leaseTtlMs: 15_000, intervalMs: 5_000 } as const;

/** The leased controller of rollouts and schedules. */
export class RolloutController {
  readonly owner: string;
  private readonly store: FlagStore;
  private readonly state: RolloutState;
  private readonly metrics: CounterSource;
  private readonly leaseTtlMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;
  private readonly onEvent: ((event: RolloutNotification) => void) | undefined;
  private token: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private lastError = '';
  /** The last snapshot of each set read, reused while the set's version is unchanged. */
  private readonly snapshots = new Map<string, FlagSetSnapshot>();

  constructor(options: RolloutControllerOptions) {
    if (typeof options?.store?.load !== 'function')
      throw new TypeError('RolloutController: option store is required');
    if (typeof options?.state?.acquireLease !== 'function')
      throw new TypeError('RolloutController: option state is required (a ServerState)');
    this.store = options.store;
    this.state = options.state;
    this.metrics = options.metrics ?? options.state;
    this.owner = options.owner ?? `ctl_${randomBytes(6).toString('hex')}`;
    this.leaseTtlMs = options.leaseTtlMs ?? CONTROLLER_DEFAULTS.leaseTtlMs;
    this.intervalMs = options.intervalMs ?? CONTROLLER_DEFAULTS.intervalMs;
    if (!(this.leaseTtlMs > this.intervalMs))
      throw new RangeError(
        'RolloutController: option leaseTtlMs must be longer than intervalMs (the lease is renewed each tick)',
      );
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? console;
    this.onEvent = options.onEvent;
  }

  /** The fencing token of the lease held at the last tick (`undefined` when not the leader). */
  get fence(): number | undefined {
    return this.token;
  }

  /** Starts ticking every `intervalMs` (the first tick at once). */
  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((error) => this.report(error, 'tick failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.intervalMs);
            this.timer.unref?.();
          }
        });
    };
    loop();
  }

  /** Stops ticking and gives the lease up, so another controller takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.token !== undefined) await this.state.releaseLease(CONTROLLER_LEASE, this.owner).catch(() => {});
    this.token = undefined;
  }

  /** One pass over every plan and schedule, if this controller holds the lease. */
  async tick(): Promise<TickResult> {
    const lease = await this.state.acquireLease(CONTROLLER_LEASE, this.owner, this.leaseTtlMs);
    if (lease === undefined) {
      this.token = undefined;
      return { leader: false, plans: 0, schedules: 0 };
    }
    this.token = lease.token;
    let plans = 0;
    let schedules = 0;
    const runner = new PlanRunner({
      store: this.store,
      state: this.state,
      metrics: this.metrics,
      now: this.now,
      token: lease.token,
      snapshot: (flagSet) => this.snapshot(flagSet),
      notify: (record, type, reason, flagVersion) => this.notify(record, type, reason, flagVersion),
    });
    try {
      for (const flagSet of (await this.state.list(CONTROL_SETS)).keys()) {
        for (const [id, doc] of await this.state.list<RolloutRecord>(rolloutsNamespace(flagSet))) {
          if (!this.needsLook(doc.value)) continue;
          plans++;
          try {
            await runner.process(flagSet, id, doc.value, doc.version);
          } catch (error) {
            if (error instanceof SupersededError) throw error;
            this.report(error, `rollout "${id}" of flag set "${flagSet}"`);
          }
        }
        schedules += await runDueSchedules({
          store: this.store,
          state: this.state,
          flagSet,
          token: lease.token,
          now: this.now(),
          logger: this.logger,
        });
      }
      this.lastError = '';
    } catch (error) {
      if (!(error instanceof SupersededError)) throw error;
      this.logger.warn(`rollout controller ${this.owner}: ${error.message}; standing down`);
      this.token = undefined;
      return { leader: false, plans, schedules };
    }
    return { leader: true, token: lease.token, plans, schedules };
  }

  /**
   * The set as stored: a version check (cheap on every store) and a full load only when it
   * changed, so a tick over a large set does not read every flag each time.
   */
  private async snapshot(flagSet: string): Promise<FlagSetSnapshot> {
    const cached = this.snapshots.get(flagSet);
    if (cached !== undefined && (await this.store.version(flagSet)) === cached.version) return cached;
    const fresh = await this.store.load(flagSet);
    this.snapshots.set(flagSet, fresh);
    return fresh;
  }

  private needsLook(record: RolloutRecord): boolean {
    if (record.pending !== undefined) return true;
    if (record.status === 'running') return true;
    // An aborted plan whose flag may still carry its marks (a write that raced the abort).
    return record.status === 'aborted' && record.flagReleased !== true;
  }

  private report(error: unknown, what: string): void {
    const line = `${what}: ${(error as Error)?.message ?? String(error)}`;
    if (line === this.lastError) return;
    this.lastError = line;
    this.logger.error(`rollout controller: ${line}`);
  }

  private notify(
    record: RolloutRecord,
    type: RolloutNotification['type'],
    reason: string,
    flagVersion?: number,
  ): void {
    const stage = Math.max(0, record.stage);
    try {
      this.onEvent?.({
        type,
        flagSet: record.flagSet,
        plan: record.spec.id,
        flagKey: record.spec.flagKey,
        stage,
        percent: type === 'rolled-back' || type === 'killed' ? 0 : record.spec.stages[stage]!.percent,
        reason,
        ...(flagVersion !== undefined && { flagVersion }),
        at: this.now(),
      });
    } catch (error) {
      this.report(error, 'onEvent threw');
    }
  }
}
