/**
 * Gathering what a report is made from, over a flag store and the server's state: the set, its
 * audit log (creation and change times), the metric aggregates (evaluations), the archived flags
 * and the latest code scan. The server's route and weekly job call this; it reads, never writes.
 */
import type { FlagStore } from '@ensign/store';
import { listArchived } from '../archive/archive.js';
import { loadCodeReferences } from '../code-references.js';
import type { LifecycleState } from '../state.js';
import { changeFactsOf } from '../status/history-facts.js';
import { type LifecyclePolicy, resolvePolicy } from '../status/policy.js';
import { readFlagUsage } from '../usage.js';
import { buildLifecycleReport } from './build.js';
import type { LifecycleReport } from './types.js';

/** Audit entries read for creation and change times, by default. */
export const DEFAULT_REPORT_HISTORY = 500;

/** Options of {@link lifecycleReportOf}. */
export interface LifecycleReportOptions {
  /** @default resolvePolicy() (the documented defaults) */
  policy?: LifecyclePolicy;
  /** The time the report is for (ms). @default Date.now() */
  now?: number;
  /**
   * Audit entries read (newest first); flags the log does not reach are "at least as old as the
   * oldest entry read". @default 500
   */
  historyLimit?: number;
}

/**
 * The lifecycle report of `flagSet`.
 * @example
 * const report = await lifecycleReportOf(store, serverState, 'fitness-production');
 * for (const flag of report.flags) if (flag.stage !== 'live') console.log(flag.flagKey, flag.stage);
 */
export async function lifecycleReportOf(
  store: FlagStore,
  state: LifecycleState,
  flagSet: string,
  options: LifecycleReportOptions = {},
): Promise<LifecycleReport> {
  const snapshot = await store.load(flagSet);
  const [entries, usage, archived, codeReferences] = await Promise.all([
    store.history(flagSet, { limit: options.historyLimit ?? DEFAULT_REPORT_HISTORY }),
    readFlagUsage(state, flagSet),
    listArchived(store, state, flagSet, new Set(Object.keys(snapshot.document.flags))),
    loadCodeReferences(state, flagSet),
  ]);
  return buildLifecycleReport({
    flagSet,
    version: snapshot.version,
    document: snapshot.document,
    changes: changeFactsOf(entries),
    usage,
    archived,
    ...(codeReferences !== undefined && { codeReferences }),
    policy: options.policy ?? resolvePolicy(),
    now: options.now ?? Date.now(),
  });
}
