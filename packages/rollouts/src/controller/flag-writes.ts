/**
 * The flag writes of a rollout, each one ordinary audited compare-and-set write through the
 * store's intents (`updateFlag`): actor `rollout:<plan>`, the reason with the figures, and
 * `ifMatch` on the ETag the decision was based on. The new definition is a pure function of the
 * definition read and of the decision, so any controller can redo a recorded decision and
 * arrive at exactly the same flag (same ETag): that is how a write made by a controller that
 * then lost its lease is recognised as done rather than repeated or mistaken for a person's edit.
 */
import type { FlagDefinition } from '@ensign/core';
import {
  type FlagStore,
  flagEtag,
  killedDefinition,
  rolloutWeightsOf,
  updateFlag,
  withRolloutWeights,
} from '@ensign/store';
import { stageWeights, withPlanMarks } from '../plan/split.js';
import { type PendingWrite, type RolloutRecord, controllerActor } from '../state/record.js';

/** The definition a pending write produces from `flag` (pure). */
export function intendedFlag(
  record: RolloutRecord,
  pending: Omit<PendingWrite, 'toEtag'>,
  flag: FlagDefinition,
): FlagDefinition {
  const { spec, flagSet } = record;
  const weights = rolloutWeightsOf(flag) ?? {};
  const percent = (stage: number) => spec.stages[stage]!.percent;
  if (pending.kind === 'harm') {
    if (spec.onHarm === 'kill') {
      const killed = killedDefinition(flag, {
        actor: controllerActor(spec.id),
        reason: pending.reason,
        at: new Date(pending.decidedAt),
      });
      return withPlanMarks(killed.flag, undefined);
    }
    const back = withRolloutWeights(
      flagSet,
      spec.flagKey,
      flag,
      stageWeights(weights, spec.release, spec.replace, 0),
    );
    return withPlanMarks(back, undefined);
  }
  const next = withRolloutWeights(
    flagSet,
    spec.flagKey,
    flag,
    stageWeights(weights, spec.release, spec.replace, percent(pending.stage)),
  );
  if (pending.kind === 'complete') return withPlanMarks(next, undefined);
  return withPlanMarks(next, { plan: spec.id, cohort: pending.cohort! });
}

/** The ETag of the definition a pending write produces from `flag`. */
export function intendedEtag(
  record: RolloutRecord,
  pending: Omit<PendingWrite, 'toEtag'>,
  flag: FlagDefinition,
): string {
  return flagEtag(intendedFlag(record, pending, flag));
}

/**
 * Makes a pending write: compare-and-set on `pending.fromEtag`. Resolves the set version and
 * the flag's new ETag; a `FlagConflictError` means the flag is no longer what the decision saw.
 */
export async function writePending(
  store: FlagStore,
  record: RolloutRecord,
  pending: Omit<PendingWrite, 'toEtag'>,
): Promise<{ version: number; etag: string; changed: boolean }> {
  const result = await updateFlag(
    store,
    record.flagSet,
    record.spec.flagKey,
    { ifMatch: pending.fromEtag, actor: controllerActor(record.spec.id), reason: pending.reason },
    (flag) => ({ next: intendedFlag(record, pending, flag), detail: undefined }),
  );
  return { version: result.version, etag: result.etag, changed: result.changed };
}
