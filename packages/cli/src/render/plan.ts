/**
 * A plan as a reviewer reads it (in a terminal or a pull-request comment): one block per changed
 * flag with what changes inside it, then drift and skipped flags, then the totals.
 */
import type { FlagSetDocument } from '@ensign/core';
import { own } from '@ensign/store';
import { shortHash } from '../plan/hash.js';
import type { DriftItem, LastChange, Plan, PlanChange } from '../plan/types.js';
import { evaluatorChanges, flagChanges, flagSummaryLines, keyedChanges } from './flag-diff.js';
import { plural } from './text.js';

const SIGN = { add: '+', change: '~', remove: '-' } as const;
const INDENT = '      ';

function sourceText(plan: Plan): string {
  return plan.source.kind === 'file'
    ? plan.source.path
    : `flag set "${plan.source.flagSet}" version ${plan.source.version}`;
}

function changeBlock(change: PlanChange): string[] {
  if (change.kind === 'flag') {
    const head = `  ${SIGN[change.action]} ${change.flagKey}${change.overwritesDrift ? '  (overwrites drift)' : ''}`;
    const body =
      change.action === 'add'
        ? flagSummaryLines(change.after!)
        : change.action === 'remove'
          ? []
          : flagChanges(change.before, change.after);
    return [head, ...body.map((line) => INDENT + line)];
  }
  const body =
    change.kind === 'evaluators'
      ? evaluatorChanges(change.before, change.after)
      : keyedChanges('metadata', change.before ?? undefined, change.after ?? undefined);
  const name = change.kind === 'evaluators' ? '$evaluators (shared rules)' : 'set metadata';
  return [`  ${SIGN[change.action]} ${name}`, ...body.map((l) => INDENT + l)];
}

/** `killed at version 9 by oncall (patch: INC-1)`. */
export function lastChangeText(why: DriftItem['why'] | undefined, last: LastChange | undefined): string {
  const what = why === 'killed' ? 'killed' : 'changed live';
  if (!last) return what;
  const reason = last.reason ? `: ${last.reason}` : '';
  const at = last.at.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, 'Z');
  return `${what}; last written at version ${last.version} by ${last.actor} (${last.operation}${reason}, ${at})`;
}

/** Optional context for richer output: the documents the plan was computed from. */
export interface PlanContext {
  readonly live?: FlagSetDocument;
  readonly desired?: FlagSetDocument;
}

function driftBlock(item: DriftItem, context: PlanContext): string[] {
  const lines = [`  ! ${item.flagKey}: ${lastChangeText(item.why, item.lastChange)}`];
  if (context.live && context.desired) {
    const before = own(context.live.flags, item.flagKey) ?? null;
    const after = own(context.desired.flags, item.flagKey) ?? null;
    // A kill's own marks and effects are what drift means here; list what else would change.
    const killMarks = /^metadata\.(killedAt|killedBy|killReason|killMode):/;
    const detail =
      item.action === 'add'
        ? ['the file adds it back (it was removed live)']
        : item.action === 'remove'
          ? ['the file removes it']
          : [
              ...(item.why === 'killed' ? ['applying the file would undo the kill'] : []),
              ...flagChanges(before, after)
                .filter((l) => !killMarks.test(l))
                .map((l) => `the file: ${l}`),
            ];
    lines.push(...detail.map((l) => INDENT + l));
  }
  lines.push(
    item.overwrite
      ? `${INDENT}--overwrite-drift given: apply changes it as the file says`
      : `${INDENT}kept as it is; to apply the file: --overwrite-drift ${item.flagKey}`,
  );
  return lines;
}

/** The totals line: `Plan: 1 to add, 2 to change, 0 to remove.` */
export function summaryLine(plan: Plan): string {
  const { add, change, remove, drift, skipped } = plan.summary;
  const parts = [`Plan: ${add} to add, ${change} to change, ${remove} to remove.`];
  const setParts = plan.changes.filter((c) => c.kind !== 'flag').length;
  if (setParts > 0) parts.push(`${plural(setParts, 'set-level change')}.`);
  if (drift > 0) parts.push(`${plural(drift, 'drifted flag')} left alone.`);
  if (skipped > 0) parts.push(`${plural(skipped, 'flag')} owned by rollouts skipped.`);
  return parts.join(' ');
}

/** The whole plan, for people. */
export function renderPlan(plan: Plan, context: PlanContext = {}): string {
  const out: string[] = [
    `Flag set "${plan.flagSet}" at version ${plan.base.version}, planned from ${sourceText(plan)}`,
    `(plan ${shortHash(plan.planHash)})`,
    '',
  ];
  if (plan.changes.length === 0) {
    out.push(
      plan.drift.length + plan.skipped.length === 0
        ? 'No changes: the live set matches.'
        : 'No changes to apply.',
    );
  } else {
    out.push('Changes:');
    for (const change of plan.changes) out.push(...changeBlock(change));
  }
  if (plan.drift.length > 0) {
    out.push('', 'Drift: changed live since last applied (apply leaves these alone):');
    for (const item of plan.drift) out.push(...driftBlock(item, context));
  }
  if (plan.skipped.length > 0) {
    out.push('', 'Skipped: owned by a running rollout (--include-rollouts to change):');
    for (const item of plan.skipped)
      out.push(`  ${SIGN[item.action]} ${item.flagKey}: rollout ${item.rollout}`);
  }
  out.push('', summaryLine(plan));
  return out.join('\n');
}
