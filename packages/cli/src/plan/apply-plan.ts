/**
 * Applying a plan, all or nothing: read the live set, check that every part the plan touches
 * still has the ETag it was planned from (a change to anything else does not matter), build the
 * live document with exactly the plan's changes, and write it in one audited compare-and-set
 * write at the version just read. If another write lands in between, read again and check again.
 */
import type { FlagDefinition, FlagSetDocument, JsonValue, MetadataValue } from '@ensign/core';
import { flagEtag, own, setOwn } from '@ensign/store';
import type { EnsignClient, LiveSet } from '../client/client.js';
import { CliError } from '../errors.js';
import { APPLY_REASON_PREFIX, PROMOTE_REASON_PREFIX, isKilled, lastChangeOf } from './drift.js';
import { partEtag, shortHash } from './hash.js';
import type { LastChange, Plan } from './types.js';

/** Times apply re-reads after losing a race to a write that did not touch its flags. */
export const MAX_APPLY_ATTEMPTS = 5;

/** Something a plan touches that changed after the plan. */
export interface MovedPart {
  /** Flag key, or `$evaluators` / `metadata` for set parts. */
  readonly part: string;
  readonly killed: boolean;
  readonly lastChange?: LastChange;
}

/** What apply did. */
export interface ApplyResult {
  readonly flagSet: string;
  readonly planHash: string;
  /** `false` when the plan held no changes (nothing was written). */
  readonly applied: boolean;
  /** The version read and the version written (equal when nothing was written). */
  readonly fromVersion: number;
  readonly version: number;
  /** Reads needed (more than one when other writes raced and did not conflict). */
  readonly attempts: number;
}

/** The parts of `live` that differ from the plan's base. */
export function movedParts(plan: Plan, live: LiveSet): string[] {
  const moved: string[] = [];
  for (const [key, etag] of Object.entries(plan.base.flags)) {
    if (flagEtag(own(live.document.flags, key)) !== etag) moved.push(key);
  }
  if (plan.base.evaluators !== undefined && partEtag(live.document.$evaluators) !== plan.base.evaluators) {
    moved.push('$evaluators');
  }
  if (plan.base.metadata !== undefined && partEtag(live.document.metadata) !== plan.base.metadata) {
    moved.push('metadata');
  }
  return moved;
}

/** The live document with exactly the plan's changes. */
export function documentAfter(plan: Plan, live: FlagSetDocument): FlagSetDocument {
  const flags: Record<string, FlagDefinition> = {};
  for (const key of Object.keys(live.flags)) setOwn(flags, key, live.flags[key]!);
  const next: FlagSetDocument = { flags };
  if (live.$evaluators !== undefined) next.$evaluators = live.$evaluators;
  if (live.metadata !== undefined) next.metadata = live.metadata;
  for (const change of plan.changes) {
    if (change.kind === 'flag') {
      if (change.after === null) delete flags[change.flagKey];
      else setOwn(flags, change.flagKey, change.after);
    } else if (change.kind === 'evaluators') {
      if (change.after === null) delete next.$evaluators;
      else next.$evaluators = change.after as Record<string, JsonValue>;
    } else if (change.after === null) delete next.metadata;
    else next.metadata = change.after as Record<string, MetadataValue>;
  }
  return next;
}

async function describeMoved(client: EnsignClient, plan: Plan, live: LiveSet, moved: string[]) {
  const parts: MovedPart[] = [];
  for (const part of moved) {
    const isFlag = Object.hasOwn(plan.base.flags, part);
    const entries = isFlag ? await client.history(plan.flagSet, { flagKey: part, limit: 1 }) : [];
    parts.push({
      part,
      killed: isFlag && isKilled(own(live.document.flags, part)),
      ...(entries[0] !== undefined && { lastChange: lastChangeOf(entries[0]) }),
    });
  }
  return parts;
}

function movedMessage(plan: Plan, parts: readonly MovedPart[]): string {
  const lines = parts.map(({ part, killed, lastChange }) => {
    const who = lastChange
      ? ` at version ${lastChange.version} by ${lastChange.actor} (${lastChange.operation}${lastChange.reason ? `: ${lastChange.reason}` : ''})`
      : '';
    return `  ${part}: ${killed ? 'killed' : 'changed'}${who}`;
  });
  return [
    `refused: ${parts.length === 1 ? 'a flag' : `${parts.length} flags`} the plan touches changed in flag set "${plan.flagSet}" after the plan (version ${plan.base.version}); nothing was written:`,
    ...lines,
  ].join('\n');
}

/**
 * The reason apply records: which command, which plan, from where (`ensign apply: plan
 * 3fa1c2d4e5f6 from flags/prod.json`). Drift detection recognises these entries.
 */
export function auditReason(plan: Plan): string {
  const hash = shortHash(plan.planHash);
  return plan.source.kind === 'file'
    ? `${APPLY_REASON_PREFIX}: plan ${hash} from ${plan.source.path}`
    : `${PROMOTE_REASON_PREFIX}: plan ${hash} from flag set ${plan.source.flagSet} version ${plan.source.version}`;
}

/**
 * Applies `plan` through `client`. `justRead` is the live set the plan was computed from, when
 * the plan was made in this run (its first check and write then need no second read).
 * @throws {CliError} `conflict` naming what moved; whatever the client throws (unreachable,
 * refused token, invalid result).
 */
export async function applyPlan(client: EnsignClient, plan: Plan, justRead?: LiveSet): Promise<ApplyResult> {
  const reason = auditReason(plan);
  let lastError: CliError | undefined;
  for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
    // The set the plan was just computed from saves a read; after a lost race, read again.
    const live = attempt === 1 && justRead !== undefined ? justRead : await client.readSet(plan.flagSet);
    const moved = movedParts(plan, live);
    if (moved.length > 0) {
      const parts = await describeMoved(client, plan, live, moved);
      throw new CliError('conflict', movedMessage(plan, parts), {
        flags: moved,
        hint: `run ensign plan again to see the live state (${parts.some((p) => p.killed) ? 'a killed flag shows as drift' : 'the changes show in the new plan'})`,
      });
    }
    if (plan.changes.length === 0) {
      return {
        flagSet: plan.flagSet,
        planHash: plan.planHash,
        applied: false,
        fromVersion: live.version,
        version: live.version,
        attempts: attempt,
      };
    }
    try {
      const { version } = await client.replaceSet(plan.flagSet, documentAfter(plan, live.document), {
        expectedVersion: live.version,
        reason,
      });
      return {
        flagSet: plan.flagSet,
        planHash: plan.planHash,
        applied: true,
        fromVersion: live.version,
        version,
        attempts: attempt,
      };
    } catch (error) {
      // The set moved between the read and the write: read again; the ETag check decides.
      if (!(error instanceof CliError) || error.kind !== 'conflict') throw error;
      lastError = error;
    }
  }
  throw new CliError(
    'conflict',
    `flag set "${plan.flagSet}" kept changing during ${MAX_APPLY_ATTEMPTS} attempts to apply; nothing was written`,
    { hint: 'try again when writes settle', ...(lastError && { cause: lastError }) },
  );
}
