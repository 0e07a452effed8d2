/**
 * The status and stage of one flag: a pure function of its definition, what the audit log says
 * about it, what the metric aggregates say about its evaluations, the latest code scan, the
 * policy and the time. No I/O: the report, the CLI and the tests all call this one.
 */
import type { FlagDefinition } from '@ensign/core';
import type { FlagSeen } from '@ensign/hooks';
import type { FlagChangeTimes } from './history-facts.js';
import { DAY_MS, instantOf, isoOf } from './instants.js';
import { declaredKind, textOf } from './kinds.js';
import { staticOutcomeOf } from './outcome.js';
import type { LifecyclePolicy } from './policy.js';
import type { FlagLifecycle, FlagStatus, LifecycleReason, LifecycleStage } from './types.js';

/** What a stage is decided from. */
export interface StageFacts {
  readonly temporary: boolean;
  /** Launched or inactive: its outcome is settled. */
  readonly done: boolean;
  /** Expired, or past its kind's lifetime. */
  readonly stale: boolean;
  /** Code references from the latest scan; absent: unknown. */
  readonly references?: number;
}

/** The stage of a flag from what decides it (see {@link LifecycleStage}). */
export function stageOf(facts: StageFacts): LifecycleStage {
  if (!facts.temporary) return 'permanent';
  if (facts.done) return facts.references === 0 ? 'ready-to-archive' : 'ready-for-code-removal';
  return facts.stale ? 'stale' : 'live';
}

/** Everything known about one flag. */
export interface FlagFacts {
  readonly flagKey: string;
  readonly flag: FlagDefinition;
  /** From the audit log. */
  readonly changes?: FlagChangeTimes;
  /** The oldest time the audit log reaches (ms). */
  readonly historyStart?: number;
  /** From the `seen` aggregate: its last evaluation and the variants it served. */
  readonly seen?: FlagSeen;
  /** Since when evaluations are recorded for the set (ms); absent: usage unknown. */
  readonly usageSince?: number;
  /** References found by the latest code scan; absent: no scan known. */
  readonly codeReferences?: number;
}

const days = (ms: number) => Math.floor(ms / DAY_MS);
const outcomeName = (variant: string) => (variant === '' ? 'the code default' : `"${variant}"`);

/**
 * Derives the status, stage and reasons of a flag at `now`.
 * @example
 * deriveFlagLifecycle({ flagKey: 'new-checkout', flag, changes, seen, usageSince }, resolvePolicy(), Date.now())
 */
export function deriveFlagLifecycle(facts: FlagFacts, policy: LifecyclePolicy, now: number): FlagLifecycle {
  const { flag, changes, seen, usageSince } = facts;
  const reasons: LifecycleReason[] = [];
  const declared = declaredKind(flag.metadata);
  const kind = declared.kind ?? policy.defaultKind;
  if (declared.declared === undefined)
    reasons.push({ code: 'no-kind', message: `no kind in its metadata: treated as ${kind}` });
  else if (declared.kind === undefined)
    reasons.push({
      code: 'unknown-kind',
      message: `kind "${declared.declared}" is not one the lifecycle knows: treated as ${kind}`,
    });
  const lifetimeDays = policy.lifetimeDays[kind as keyof LifecyclePolicy['lifetimeDays']] ?? null;
  const temporary = lifetimeDays !== null;

  const rawExpiry = flag.metadata?.expiresAt;
  const expiresAt = instantOf(rawExpiry);
  if (rawExpiry !== undefined && expiresAt === undefined)
    reasons.push({
      code: 'unreadable-expires-at',
      message: `expiresAt ${JSON.stringify(rawExpiry)} is not an ISO-8601 date or epoch seconds`,
    });

  const createdAt = changes?.createdAt ?? instantOf(flag.metadata?.createdAt);
  const existsSince = createdAt === undefined ? facts.historyStart : undefined;
  const age =
    createdAt !== undefined ? now - createdAt : existsSince !== undefined ? now - existsSince : undefined;
  // Unchanged since its last change, else since the log begins (it would have recorded one).
  const lastChange = changes?.lastChangedAt ?? createdAt ?? facts.historyStart;
  const unchangedFor = lastChange === undefined ? 0 : now - lastChange;
  if (existsSince !== undefined)
    reasons.push({
      code: 'history-trimmed',
      message: `created before the audit log begins (${isoOf(existsSince).slice(0, 10)}): at least ${days(now - existsSince)} days old`,
    });

  const launchedMs = policy.launchedAfterDays * DAY_MS;
  const inactiveMs = policy.inactiveAfterDays * DAY_MS;
  const recent = [...(seen?.variants ?? new Map<string, number>())]
    .filter(([, at]) => at >= now - launchedMs)
    .map(([variant]) => variant)
    .sort();

  const isNew = createdAt !== undefined && now - createdAt < policy.newForDays * DAY_MS;
  const expired = expiresAt !== undefined && expiresAt <= now;
  const usageFor = usageSince === undefined ? undefined : now - usageSince;

  let inactive = false;
  if (usageFor === undefined) {
    reasons.push({
      code: 'usage-unknown',
      message: 'no evaluations recorded for this set (no MetricsAggregator writes to the server state)',
    });
  } else if (!isNew && usageFor >= inactiveMs && (age === undefined || age >= inactiveMs)) {
    const quiet = seen === undefined ? usageFor : now - seen.lastEvaluatedAt;
    if (quiet >= inactiveMs) {
      inactive = true;
      reasons.push(
        seen === undefined
          ? {
              code: 'never-evaluated',
              message: `never evaluated since usage is recorded (${days(usageFor)} days)`,
            }
          : { code: 'inactive', message: `not evaluated for ${days(quiet)} days` },
      );
    }
  }

  let launched = false;
  if (!inactive && !isNew && unchangedFor >= launchedMs) {
    const outcome = staticOutcomeOf(flag);
    const observed =
      usageFor !== undefined && usageFor >= launchedMs && recent.length === 1 ? recent[0] : undefined;
    const agrees = outcome !== undefined && recent.every((variant) => variant === outcome);
    if (observed !== undefined) {
      launched = true;
      reasons.push({
        code: 'launched',
        message: `served only ${outcomeName(observed)} for ${policy.launchedAfterDays}+ days, unchanged for ${days(unchangedFor)} days`,
      });
    } else if (outcome !== undefined && agrees) {
      launched = true;
      reasons.push(
        outcome === ''
          ? {
              code: 'off-everywhere',
              message: `disabled or without a default for everyone, unchanged for ${days(unchangedFor)} days`,
            }
          : {
              code: 'launched',
              message: `serves ${outcomeName(outcome)} to everyone by its rules, unchanged for ${days(unchangedFor)} days`,
            },
      );
    }
  }

  if (isNew) reasons.push({ code: 'new', message: `created ${days(now - createdAt!)} days ago` });
  if (expired) reasons.push({ code: 'expired', message: `expired on ${isoOf(expiresAt!).slice(0, 10)}` });
  const pastLifetime = temporary && age !== undefined && age > lifetimeDays! * DAY_MS;
  if (pastLifetime)
    reasons.push({
      code: 'past-lifetime',
      message: `${kind} flags are expected to live ${lifetimeDays} days; this one is ${existsSince === undefined ? '' : 'at least '}${days(age!)} days old`,
    });
  const references = facts.codeReferences;
  if (references !== undefined)
    reasons.push(
      references === 0
        ? { code: 'unreferenced', message: 'no reference in code (latest scan)' }
        : {
            code: 'referenced',
            message: `${references} reference${references === 1 ? '' : 's'} in code (latest scan)`,
          },
    );

  const status: FlagStatus = expired
    ? 'expired'
    : isNew
      ? 'new'
      : inactive
        ? 'inactive'
        : launched
          ? 'launched'
          : 'active';
  const stage = stageOf({
    temporary,
    done: inactive || launched,
    stale: expired || pastLifetime,
    references,
  });

  const owner = textOf(flag.metadata, 'owner');
  const description = textOf(flag.metadata, 'description');
  return {
    flagKey: facts.flagKey,
    kind,
    ...(declared.declared !== undefined && declared.declared !== kind && { declaredKind: declared.declared }),
    temporary,
    lifetimeDays,
    ...(owner !== undefined && { owner }),
    ...(description !== undefined && { description }),
    ...(expiresAt !== undefined && { expiresAt: isoOf(expiresAt) }),
    ...(createdAt !== undefined && { createdAt: isoOf(createdAt) }),
    ...(existsSince !== undefined && { existsSince: isoOf(existsSince) }),
    ...(changes?.lastChangedAt !== undefined && { lastChangedAt: isoOf(changes.lastChangedAt) }),
    ...(age !== undefined && { ageDays: days(age) }),
    ...(seen !== undefined && { lastEvaluatedAt: isoOf(seen.lastEvaluatedAt) }),
    recentVariants: recent,
    status,
    stage,
    reasons,
    ...(references !== undefined && { codeReferences: references }),
  };
}
