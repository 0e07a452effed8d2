/**
 * The latest code scan of a set, as CI uploads it (`ensign refs --upload`): how many references
 * each flag key has, so the report can tell "ready for code removal" (still referenced) from
 * "ready to archive" (no reference left), and which keys code uses that the set lacks.
 */
import { CODE_REFERENCES_ID, type LifecycleState, lifecycleNamespace } from './state.js';

/** A code scan, summarised per flag key. */
export interface CodeReferenceSummary {
  /** When the scan ran (ISO-8601). */
  readonly scannedAt: string;
  /** What was scanned (a repository name or URL), for people. */
  readonly source?: string;
  /** The revision scanned (a commit). */
  readonly revision?: string;
  /** References per flag key of the set when scanned (0 included: scanned, none found). */
  readonly flags: Readonly<Record<string, number>>;
  /** References per key that code uses and the set does not hold. */
  readonly missing?: Readonly<Record<string, number>>;
}

/** Keeps `summary` as the set's latest scan (replacing the previous one). */
export async function saveCodeReferences(
  state: LifecycleState,
  flagSet: string,
  summary: CodeReferenceSummary,
): Promise<void> {
  await state.put(lifecycleNamespace(flagSet), CODE_REFERENCES_ID, summary);
}

/** The set's latest scan, if one was uploaded. */
export async function loadCodeReferences(
  state: LifecycleState,
  flagSet: string,
): Promise<CodeReferenceSummary | undefined> {
  return (await state.get<CodeReferenceSummary>(lifecycleNamespace(flagSet), CODE_REFERENCES_ID))?.value;
}
