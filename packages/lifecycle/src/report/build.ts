/**
 * Building the lifecycle report from what is known, purely: each flag's status and stage, the
 * keys evaluated that nobody defined (unknown flags), and the archived flags (reported as
 * archived, never as unknown, and flagged when code still evaluates them).
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { ArchiveRecord } from '../archive/archive.js';
import type { CodeReferenceSummary } from '../code-references.js';
import { deriveFlagLifecycle, stageOf } from '../status/derive.js';
import type { ChangeFacts } from '../status/history-facts.js';
import { isoOf } from '../status/instants.js';
import { declaredKind, textOf } from '../status/kinds.js';
import type { LifecyclePolicy } from '../status/policy.js';
import {
  FLAG_STATUSES,
  type FlagLifecycle,
  type FlagStatus,
  LIFECYCLE_STAGES,
  type LifecycleReason,
  type LifecycleStage,
} from '../status/types.js';
import type { FlagUsage } from '../usage.js';
import type { ArchivedFlag, LifecycleReport, LifecycleSummary, UnknownFlag } from './types.js';

/** What a report is made from. */
export interface LifecycleReportInput {
  readonly flagSet: string;
  readonly version: number;
  readonly document: FlagSetDocument;
  /** From the audit log (`changeFactsOf`). */
  readonly changes: ChangeFacts;
  /** From the metric aggregates (`readFlagUsage`); absent: usage unknown. */
  readonly usage?: FlagUsage;
  readonly archived?: ReadonlyMap<string, ArchiveRecord>;
  readonly codeReferences?: CodeReferenceSummary;
  readonly policy: LifecyclePolicy;
  /** The time the report is for (ms). */
  readonly now: number;
}

const isFlag = (value: unknown): value is FlagDefinition =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const count = (record: Readonly<Record<string, number>> | undefined, key: string): number | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

/** Counts by status and stage. */
export function summarize(
  flags: readonly FlagLifecycle[],
  unknownFlags: number,
  archived: number,
): LifecycleSummary {
  const byStatus = Object.fromEntries(FLAG_STATUSES.map((s) => [s, 0])) as Record<FlagStatus, number>;
  const byStage = Object.fromEntries(LIFECYCLE_STAGES.map((s) => [s, 0])) as Record<LifecycleStage, number>;
  for (const flag of flags) {
    byStatus[flag.status]++;
    byStage[flag.stage]++;
  }
  return { flags: flags.length, byStatus, byStage, unknownFlags, archived };
}

/** Most urgent stage first, then by key. */
function byUrgency(a: FlagLifecycle, b: FlagLifecycle): number {
  const stage = LIFECYCLE_STAGES.indexOf(a.stage) - LIFECYCLE_STAGES.indexOf(b.stage);
  return stage !== 0 ? stage : a.flagKey < b.flagKey ? -1 : a.flagKey > b.flagKey ? 1 : 0;
}

/**
 * The report of a set at `now`.
 * @example
 * const report = buildLifecycleReport({ flagSet, version, document, changes: changeFactsOf(entries), usage, policy: resolvePolicy(), now: Date.now() });
 */
export function buildLifecycleReport(input: LifecycleReportInput): LifecycleReport {
  const { document, usage, codeReferences: scan, now } = input;
  const flags: FlagLifecycle[] = [];
  for (const [flagKey, flag] of Object.entries(document.flags)) {
    if (!isFlag(flag)) continue; // raw text written by hand: validation reports it, not this
    const changes = input.changes.flags.get(flagKey);
    const seen = usage?.flags.get(flagKey);
    const references = count(scan?.flags, flagKey);
    flags.push(
      deriveFlagLifecycle(
        {
          flagKey,
          flag,
          ...(changes !== undefined && { changes }),
          ...(input.changes.historyStart !== undefined && { historyStart: input.changes.historyStart }),
          ...(seen !== undefined && { seen }),
          ...(usage?.since !== undefined && { usageSince: usage.since }),
          ...(references !== undefined && { codeReferences: references }),
        },
        input.policy,
        now,
      ),
    );
  }
  flags.sort(byUrgency);
  const live = new Set(Object.keys(document.flags));
  const archived: ArchivedFlag[] = [];
  for (const [flagKey, record] of [...(input.archived ?? new Map<string, ArchiveRecord>())].sort(
    ([a], [b]) => (a < b ? -1 : 1),
  )) {
    if (live.has(flagKey)) continue;
    const called = usage?.unknown.get(flagKey);
    const kind = declaredKind(record.flag.metadata).declared;
    const owner = textOf(record.flag.metadata, 'owner');
    const references = count(scan?.missing, flagKey);
    archived.push({
      flagKey,
      archivedAt: record.archivedAt,
      archivedBy: record.archivedBy,
      ...(record.reason !== undefined && { reason: record.reason }),
      ...(kind !== undefined && { kind }),
      ...(owner !== undefined && { owner }),
      ...(called !== undefined &&
        called > Date.parse(record.archivedAt) && { lastEvaluatedAt: isoOf(called) }),
      ...(references !== undefined && { codeReferences: references }),
    });
  }
  const archivedKeys = new Set(archived.map((a) => a.flagKey));
  const unknownFlags: UnknownFlag[] = [...(usage?.unknown ?? new Map<string, number>())]
    .filter(([key]) => !live.has(key) && !archivedKeys.has(key))
    .sort(([, a], [, b]) => b - a)
    .map(([flagKey, at]) => {
      const references = count(scan?.missing, flagKey);
      return {
        flagKey,
        lastEvaluatedAt: isoOf(at),
        ...(references !== undefined && { codeReferences: references }),
      };
    });
  return {
    flagSet: input.flagSet,
    version: input.version,
    generatedAt: isoOf(now),
    policy: input.policy,
    ...(usage?.since !== undefined && { usageSince: isoOf(usage.since) }),
    ...(scan !== undefined && {
      codeScan: {
        scannedAt: scan.scannedAt,
        ...(scan.source !== undefined && { source: scan.source }),
        ...(scan.revision !== undefined && { revision: scan.revision }),
      },
    }),
    summary: summarize(flags, unknownFlags.length, archived.length),
    flags,
    unknownFlags,
    archived,
  };
}

const DONE = new Set<LifecycleReason['code']>(['launched', 'off-everywhere', 'inactive', 'never-evaluated']);
const STALE = new Set<LifecycleReason['code']>(['expired', 'past-lifetime']);

/**
 * The report with the stages a local code scan gives (`ensign flag stale --refs PATH`): each flag
 * the scan counted gets its references, and its stage is decided again with them.
 */
export function withCodeReferences(
  report: LifecycleReport,
  scan: Pick<CodeReferenceSummary, 'flags' | 'missing' | 'scannedAt' | 'source' | 'revision'>,
): LifecycleReport {
  const flags = report.flags
    .map((flag) => {
      const references = count(scan.flags, flag.flagKey);
      if (references === undefined) return flag;
      const reasons: LifecycleReason[] = flag.reasons.filter(
        (r) => r.code !== 'referenced' && r.code !== 'unreferenced',
      );
      reasons.push(
        references === 0
          ? { code: 'unreferenced', message: 'no reference in code (latest scan)' }
          : {
              code: 'referenced',
              message: `${references} reference${references === 1 ? '' : 's'} in code (latest scan)`,
            },
      );
      const stage = stageOf({
        temporary: flag.temporary,
        done: reasons.some((r) => DONE.has(r.code)),
        stale: reasons.some((r) => STALE.has(r.code)),
        references,
      });
      return { ...flag, stage, reasons, codeReferences: references };
    })
    .sort(byUrgency);
  const missing = (key: string) => count(scan.missing, key);
  const unknownFlags = report.unknownFlags.map((u) =>
    missing(u.flagKey) === undefined ? u : { ...u, codeReferences: missing(u.flagKey)! },
  );
  const archived = report.archived.map((a) =>
    missing(a.flagKey) === undefined ? a : { ...a, codeReferences: missing(a.flagKey)! },
  );
  return {
    ...report,
    codeScan: {
      scannedAt: scan.scannedAt,
      ...(scan.source !== undefined && { source: scan.source }),
      ...(scan.revision !== undefined && { revision: scan.revision }),
    },
    summary: summarize(flags, unknownFlags.length, archived.length),
    flags,
    unknownFlags,
    archived,
  };
}
