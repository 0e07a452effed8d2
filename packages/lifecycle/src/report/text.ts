/**
 * The report as people read it: plain text for the terminal (`ensign flag stale`) and a Slack
 * message (`mrkdwn`) for the weekly webhook. Both list what needs doing, most urgent first, with
 * owners; flags that are fine are counted, not listed.
 */
import type { FlagLifecycle, LifecycleStage } from '../status/types.js';
import type { LifecycleReport } from './types.js';

const STAGE_TITLES: Readonly<Record<LifecycleStage, string>> = {
  'ready-to-archive': 'ready to archive (no code reference left)',
  'ready-for-code-removal': 'ready for code removal',
  stale: 'stale (past its lifetime or expiry, still undecided)',
  live: 'live',
  permanent: 'permanent',
};

/** Stages that ask someone to act. */
export const ACTION_STAGES: readonly LifecycleStage[] = [
  'ready-to-archive',
  'ready-for-code-removal',
  'stale',
];

const day = (iso: string) => iso.slice(0, 10);
const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function who(flag: { kind?: string; owner?: string }): string {
  return [flag.kind, flag.owner === undefined ? 'no owner' : `owner ${flag.owner}`]
    .filter((part) => part !== undefined)
    .join(', ');
}

/** Why, in one line: the reasons that explain the stage (bookkeeping reasons left out). */
function why(flag: FlagLifecycle): string {
  const quiet = new Set(['no-kind', 'history-trimmed', 'usage-unknown']);
  return flag.reasons
    .filter((r) => !quiet.has(r.code))
    .map((r) => r.message)
    .join('; ');
}

function headline(report: LifecycleReport): string {
  const act = ACTION_STAGES.reduce((n, stage) => n + report.summary.byStage[stage], 0);
  const parts = [`${report.summary.flags} flags`, `${act} to act on`];
  if (report.summary.byStatus.expired > 0) parts.push(`${report.summary.byStatus.expired} expired`);
  if (report.unknownFlags.length > 0)
    parts.push(`${report.unknownFlags.length} unknown flag${report.unknownFlags.length === 1 ? '' : 's'}`);
  if (report.archived.length > 0) parts.push(`${report.archived.length} archived`);
  return parts.join(', ');
}

/** Options of the text renderings. */
export interface ReportTextOptions {
  /** Also list live and permanent flags. @default false */
  all?: boolean;
  /** Most flags listed per section (the rest are counted). @default Infinity (text), 20 (Slack) */
  maxPerSection?: number;
}

/** The report as plain text (the CLI fits it to 80 columns). */
export function lifecycleText(report: LifecycleReport, options: ReportTextOptions = {}): string {
  const max = options.maxPerSection ?? Number.POSITIVE_INFINITY;
  const lines = [`${report.flagSet} v${report.version}: ${headline(report)}`];
  lines.push(
    report.usageSince === undefined
      ? 'usage: no evaluations recorded (statuses from definitions and history alone)'
      : `usage recorded since ${day(report.usageSince)}`,
  );
  if (report.codeScan !== undefined)
    lines.push(
      `code scan ${day(report.codeScan.scannedAt)}${report.codeScan.source === undefined ? '' : ` of ${report.codeScan.source}`}${report.codeScan.revision === undefined ? '' : ` at ${report.codeScan.revision}`}`,
    );
  const stages = options.all ? (Object.keys(STAGE_TITLES) as LifecycleStage[]) : ACTION_STAGES;
  for (const stage of stages) {
    const flags = report.flags.filter((f) => f.stage === stage);
    if (flags.length === 0) continue;
    lines.push('', `${STAGE_TITLES[stage]} (${flags.length})`);
    for (const flag of flags.slice(0, max)) {
      lines.push(`  ${flag.flagKey}  [${flag.status}] ${who(flag)}`);
      const reason = why(flag);
      if (reason !== '') lines.push(`      ${reason}`);
    }
    if (flags.length > max) lines.push(`  …and ${flags.length - max} more`);
  }
  if (report.unknownFlags.length > 0) {
    lines.push('', 'unknown flags (evaluated, defined nowhere: a typo, or a deleted flag still called)');
    for (const flag of report.unknownFlags.slice(0, max))
      lines.push(`  ${flag.flagKey}  last evaluated ${minute(flag.lastEvaluatedAt)}`);
    if (report.unknownFlags.length > max) lines.push(`  …and ${report.unknownFlags.length - max} more`);
  }
  if (report.archived.length > 0) {
    lines.push('', 'archived (restore with: ensign flag unarchive FLAG)');
    for (const flag of report.archived.slice(0, max)) {
      const still =
        flag.lastEvaluatedAt === undefined ? '' : `; still evaluated ${minute(flag.lastEvaluatedAt)}`;
      lines.push(`  ${flag.flagKey}  archived ${day(flag.archivedAt)} by ${flag.archivedBy}${still}`);
    }
  }
  if (lines.length === (report.codeScan === undefined ? 2 : 3)) lines.push('', 'nothing to clean up');
  return lines.join('\n');
}

/**
 * Slack's mrkdwn gives `<`, `>` and `&` meaning (`<!channel>` notifies everyone): escaped as
 * Slack asks, so flag keys, owners and reasons written by anyone cannot ping or forge a link.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The report as one Slack message (what the weekly webhook's `text` holds). */
export function lifecycleSlackText(report: LifecycleReport, options: ReportTextOptions = {}): string {
  const max = options.maxPerSection ?? 20;
  const e = slackEscape;
  const code = (key: string) => `\`${e(key).replace(/`/g, "'")}\``;
  const lines = [`*Flag lifecycle: ${e(report.flagSet)}* (v${report.version}): ${e(headline(report))}`];
  for (const stage of ACTION_STAGES) {
    const flags = report.flags.filter((f) => f.stage === stage);
    if (flags.length === 0) continue;
    lines.push(`*${e(STAGE_TITLES[stage])}*`);
    for (const flag of flags.slice(0, max))
      lines.push(`• ${code(flag.flagKey)} (${e(who(flag))}): ${e(why(flag))}`);
    if (flags.length > max) lines.push(`…and ${flags.length - max} more`);
  }
  if (report.unknownFlags.length > 0)
    lines.push(
      `*Unknown flags* (evaluated, defined nowhere): ${report.unknownFlags
        .slice(0, max)
        .map((f) => code(f.flagKey))
        .join(
          ', ',
        )}${report.unknownFlags.length > max ? ` …and ${report.unknownFlags.length - max} more` : ''}`,
    );
  const called = report.archived.filter((a) => a.lastEvaluatedAt !== undefined);
  if (called.length > 0)
    lines.push(`*Archived but still evaluated*: ${called.map((f) => code(f.flagKey)).join(', ')}`);
  if (lines.length === 1) lines.push('Nothing to clean up.');
  return lines.join('\n');
}
