/** Planning against a live set through a client: read it, fetch what drift needs, compute. */
import type { FlagSetDocument } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import type { EnsignClient, LiveSet } from '../client/client.js';
import { computePlan } from './compute.js';
import type { Plan, PlanSource } from './types.js';

/** Reads of the audit log in flight at once (one per changed flag). */
const HISTORY_CONCURRENCY = 8;

/** What `plan`, `apply FILE` and `promote` choose. */
export interface PlanChoices {
  overwriteDrift?: readonly string[];
  includeRollouts?: boolean;
}

/** The newest audit entry of each flag, read a few at a time. */
async function newestEntries(
  client: EnsignClient,
  flagSet: string,
  flagKeys: readonly string[],
): Promise<Map<string, AuditEntry>> {
  const found = new Map<string, AuditEntry>();
  let next = 0;
  const worker = async () => {
    while (next < flagKeys.length) {
      const key = flagKeys[next++]!;
      const [entry] = await client.history(flagSet, { flagKey: key, limit: 1 });
      if (entry !== undefined) found.set(key, entry);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HISTORY_CONCURRENCY, flagKeys.length) }, worker));
  return found;
}

/** Plans `desired` against the live `flagSet`; resolves the plan and the live set it read. */
export async function planAgainstLive(
  client: EnsignClient,
  flagSet: string,
  desired: FlagSetDocument,
  source: PlanSource,
  choices: PlanChoices,
  live?: LiveSet,
): Promise<{ plan: Plan; live: LiveSet }> {
  const current = live ?? (await client.readSet(flagSet));
  const plan = await computePlan({
    flagSet,
    live: current,
    desired,
    source,
    lastChanges: (keys) => newestEntries(client, flagSet, keys),
    overwriteDrift: new Set(choices.overwriteDrift ?? []),
    includeRollouts: choices.includeRollouts === true,
  });
  return { plan, live: current };
}

/** Does the live set differ from the desired state (changes, drift, or rollout-owned flags)? */
export function planDiffers(plan: Plan): boolean {
  return plan.changes.length + plan.drift.length + plan.skipped.length > 0;
}
