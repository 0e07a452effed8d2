/**
 * `@ensign/rollouts`: guarded rollouts that advance and roll back by themselves, and scheduled
 * flag changes, both run by one leased controller (`RolloutController`) whose every step is an
 * ordinary audited compare-and-set write of the flag. Plans and schedules live in the server's
 * state (`ServerState` fits `RolloutState`); metrics come from the aggregates the apps'
 * `MetricsAggregator`s write (`@ensign/hooks`); the statistics are `@ensign/hooks`' anytime-valid
 * tests. The admin API (`@ensign/server`) and the CLI (`ensign rollout …`, `ensign schedule …`,
 * `ensign experiment results`) are built on the operations here.
 * @packageDocumentation
 */
export { RolloutError, type RolloutErrorCode, type RolloutProblem } from './errors.js';
export {
  formatDuration,
  type GuardrailSpec,
  parseDuration,
  parsePlanSpec,
  PLAN_DEFAULTS,
  PLAN_ID_PATTERN,
  type RolloutPlanSpec,
  type StageSpec,
} from './plan/spec.js';
export {
  checkPlanAgainstFlag,
  PLAN_METADATA,
  releasedPercent,
  stageWeights,
  type Weights,
  withPlanMarks,
} from './plan/split.js';
export {
  CONTROL_SETS,
  CONTROLLER_LEASE,
  type LeaseLike,
  type RolloutState,
  rolloutsNamespace,
  schedulesNamespace,
  type StateDocumentLike,
} from './state/contract.js';
export {
  type CohortRecord,
  controllerActor,
  type GuardrailReport,
  isTerminal,
  MAX_EVENTS,
  type PendingWrite,
  type RolloutEvent,
  type RolloutRecord,
  type RolloutStatus,
} from './state/record.js';
export { type GuardrailLook, lookAtGuardrails, SRM_THRESHOLD } from './controller/guardrails.js';
export { type Decision, decide, describeGuardrail, describeLook } from './controller/decide.js';
export {
  CONTROLLER_DEFAULTS,
  type ControllerLogger,
  RolloutController,
  type RolloutControllerOptions,
  type RolloutNotification,
  type TickResult,
} from './controller/controller.js';
export { cancelSchedule, createSchedule, listSchedules } from './schedules/operations.js';
export {
  abortRollout,
  editRollout,
  getRollout,
  listRollouts,
  pauseRollout,
  type Requester,
  resumeRollout,
  type RolloutContext,
  rolloutOfFlag,
  type RolloutView,
  startRollout,
} from './operations.js';
export {
  describeAction,
  parseScheduleSpec,
  type ScheduleAction,
  scheduleActor,
  type ScheduleRecord,
  type ScheduleSpec,
  type ScheduleStatus,
} from './schedules/schedule.js';
export { MAX_SCHEDULE_ATTEMPTS } from './schedules/run-schedules.js';
export { type ExperimentResults, type ExperimentResultsOptions, experimentResults } from './experiments.js';
