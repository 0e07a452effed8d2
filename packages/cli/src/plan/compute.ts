/**
 * Computing a plan: the desired document (a file, or another set for `promote`) against the live
 * set. Flags are compared by canonical JSON; each difference is a change, unless the flag drifted
 * (see `drift.ts`) or a running rollout owns it, in which case it is reported and left alone
 * unless the caller explicitly asked for it.
 */
import { type FlagSetDocument, stableStringify } from '@ensign/core';
import { type AuditEntry, flagEtag, own } from '@ensign/store';
import type { LiveSet } from '../client/client.js';
import { isKilled, isLiveEdit, lastChangeOf, rolloutOf } from './drift.js';
import { partEtag, planHashOf } from './hash.js';
import {
  type ChangeAction,
  type DriftItem,
  type FlagChange,
  PLAN_FORMAT,
  type Plan,
  type PlanChange,
  type PlanSource,
  type SetPartChange,
  type SkippedItem,
} from './types.js';

/** What a plan is computed from. */
export interface PlanInput {
  readonly flagSet: string;
  readonly live: LiveSet;
  /** The desired document (`$schema` is ignored: stores do not keep it). */
  readonly desired: FlagSetDocument;
  readonly source: PlanSource;
  /** The newest audit entry of each of these flags (absent when the log holds none). */
  readonly lastChanges: (flagKeys: readonly string[]) => Promise<ReadonlyMap<string, AuditEntry>>;
  /** Drifted flags to change anyway (`--overwrite-drift`). */
  readonly overwriteDrift?: ReadonlySet<string>;
  /** Change flags owned by running rollouts too (`--include-rollouts`). */
  readonly includeRollouts?: boolean;
}

/**
 * Equal as JSON, whatever the key order. Plain `JSON.stringify` first: a file pulled or applied
 * from the live set keeps its key order, so most equal flags are found without sorting keys.
 */
const same = (a: unknown, b: unknown) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null) ||
  stableStringify(a ?? null) === stableStringify(b ?? null);

function actionOf(before: unknown, after: unknown): ChangeAction {
  if (before === undefined || before === null) return 'add';
  return after === undefined || after === null ? 'remove' : 'change';
}

function setPart(
  kind: SetPartChange['kind'],
  before: SetPartChange['before'] | undefined,
  after: SetPartChange['after'] | undefined,
): SetPartChange | undefined {
  const b = before ?? null;
  const a = after ?? null;
  if (same(b, a)) return undefined;
  return { kind, action: actionOf(b, a), before: b, after: a };
}

/** Computes the plan for `input`. */
export async function computePlan(input: PlanInput): Promise<Plan> {
  const { live, desired } = input;
  const liveFlags = live.document.flags;
  const wantedFlags = desired.flags;
  const differing: string[] = [];
  for (const key of Object.keys(wantedFlags)) {
    if (!same(own(liveFlags, key), own(wantedFlags, key))) differing.push(key);
  }
  for (const key of Object.keys(liveFlags)) {
    if (!Object.hasOwn(wantedFlags, key)) differing.push(key);
  }
  differing.sort();

  const skipped: SkippedItem[] = [];
  const candidates: string[] = [];
  for (const key of differing) {
    const rollout = rolloutOf(own(liveFlags, key));
    const action = actionOf(own(liveFlags, key), own(wantedFlags, key));
    if (rollout !== undefined && !input.includeRollouts) skipped.push({ flagKey: key, rollout, action });
    else candidates.push(key);
  }

  const last = candidates.length === 0 ? new Map<string, AuditEntry>() : await input.lastChanges(candidates);
  const overwrite = input.overwriteDrift ?? new Set<string>();
  const drift: DriftItem[] = [];
  const changes: PlanChange[] = [];
  const baseFlags: Record<string, string> = {};
  for (const key of candidates) {
    const before = own(liveFlags, key) ?? null;
    const after = own(wantedFlags, key) ?? null;
    const action = actionOf(before, after);
    const entry = last.get(key);
    const why = isKilled(before)
      ? 'killed'
      : entry !== undefined && isLiveEdit(entry)
        ? 'changed-live'
        : undefined;
    const overwrites = why !== undefined && overwrite.has(key);
    if (why !== undefined) {
      drift.push({
        flagKey: key,
        why,
        action,
        ...(entry !== undefined && { lastChange: lastChangeOf(entry) }),
        overwrite: overwrites,
      });
      if (!overwrites) continue;
    }
    const change: FlagChange = {
      kind: 'flag',
      flagKey: key,
      action,
      before,
      after,
      ...(overwrites && { overwritesDrift: true }),
    };
    changes.push(change);
    Object.defineProperty(baseFlags, key, { value: flagEtag(before), enumerable: true, writable: true });
  }

  const evaluators = setPart('evaluators', live.document.$evaluators, desired.$evaluators);
  const metadata = setPart('metadata', live.document.metadata, desired.metadata);
  if (evaluators) changes.push(evaluators);
  if (metadata) changes.push(metadata);

  const flagChanges = changes.filter((c): c is FlagChange => c.kind === 'flag');
  const unsigned: Omit<Plan, 'planHash'> = {
    format: PLAN_FORMAT,
    flagSet: input.flagSet,
    source: input.source,
    base: {
      version: live.version,
      flags: baseFlags,
      ...(evaluators && { evaluators: partEtag(live.document.$evaluators) }),
      ...(metadata && { metadata: partEtag(live.document.metadata) }),
    },
    changes,
    drift,
    skipped,
    summary: {
      add: flagChanges.filter((c) => c.action === 'add').length,
      change: flagChanges.filter((c) => c.action === 'change').length,
      remove: flagChanges.filter((c) => c.action === 'remove').length,
      drift: drift.filter((d) => !d.overwrite).length,
      skipped: skipped.length,
    },
  };
  return { ...unsigned, planHash: planHashOf(unsigned) };
}
