/** Checking a flag set against a team's conventions (`ensign lint`). */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { pointerSegment } from '@ensign/core';
import { instantOf } from '../status/instants.js';
import { declaredKind, textOf } from '../status/kinds.js';
import type { LintConventions, LintRule } from './conventions.js';

/** One convention a flag breaks. */
export interface LintIssue {
  readonly flagKey: string;
  readonly rule: LintRule;
  readonly severity: 'warn' | 'error';
  /** JSON Pointer of what to fix (`/flags/<key>/metadata/owner`). */
  readonly pointer: string;
  readonly message: string;
}

/**
 * Every convention the flags of `document` break, by flag key then rule order. `now` decides
 * what has expired.
 * @example
 * const issues = lintFlagSet(document, resolveConventions({ preset: 'recommended' }));
 * if (issues.some((i) => i.severity === 'error')) process.exitCode = 1;
 */
export function lintFlagSet(
  document: FlagSetDocument,
  conventions: LintConventions,
  now: number = Date.now(),
): LintIssue[] {
  const issues: LintIssue[] = [];
  for (const flagKey of Object.keys(document.flags).sort()) {
    const flag = document.flags[flagKey] as unknown;
    if (typeof flag !== 'object' || flag === null || Array.isArray(flag)) continue;
    const { metadata } = flag as FlagDefinition;
    const base = `/flags/${pointerSegment(flagKey)}`;
    const at = (field: string) => `${base}/metadata/${pointerSegment(field)}`;
    const report = (rule: LintRule, pointer: string, message: string) => {
      const severity = conventions.rules[rule];
      if (severity !== 'off') issues.push({ flagKey, rule, severity, pointer, message });
    };
    if (textOf(metadata, 'owner') === undefined)
      report(
        'owner',
        at('owner'),
        'no owner: add metadata "owner" (a team or a person) so someone is asked to clean it up',
      );
    const kind = declaredKind(metadata);
    if (kind.kind === undefined)
      report(
        'kind',
        at('kind'),
        kind.declared === undefined
          ? 'no kind: add metadata "kind" (release, experiment, ops, kill-switch or permission)'
          : `kind "${kind.declared}" is not one of release, experiment, ops, kill-switch, permission`,
      );
    const rawExpiry = metadata?.expiresAt;
    const expiresAt = instantOf(rawExpiry);
    if (rawExpiry !== undefined && expiresAt === undefined)
      report(
        'expiresAt',
        at('expiresAt'),
        `expiresAt ${JSON.stringify(rawExpiry)} is not an ISO-8601 date or epoch seconds`,
      );
    else if (
      rawExpiry === undefined &&
      kind.kind !== undefined &&
      conventions.temporaryKinds.includes(kind.kind)
    )
      report(
        'expiresAt',
        at('expiresAt'),
        `${kind.kind} flags are temporary: add metadata "expiresAt" (the date it should be gone)`,
      );
    if (expiresAt !== undefined && expiresAt <= now)
      report(
        'expired',
        at('expiresAt'),
        `expired on ${new Date(expiresAt).toISOString().slice(0, 10)}: remove it, or move the date`,
      );
    if (kind.kind !== undefined) {
      const prefixes = conventions.prefixes[kind.kind];
      if (!prefixes.some((prefix) => flagKey.startsWith(prefix)))
        report(
          'prefix',
          base,
          `${kind.kind} flag keys start with ${prefixes.map((p) => `"${p}"`).join(' or ')}`,
        );
    }
    if (textOf(metadata, 'description') === undefined)
      report(
        'description',
        at('description'),
        'no description: add metadata "description" (what it gates, and why)',
      );
  }
  return issues;
}
