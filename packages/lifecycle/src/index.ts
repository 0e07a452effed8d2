/**
 * `@ensign/lifecycle`: flags are debt the day they reach 100%. This package derives each flag's
 * status (new, active, launched, inactive, expired) and stage (live, stale, ready for code
 * removal, ready to archive, permanent) from its kind, age, expiry, changes and evaluations;
 * builds the stale-flag report; archives and restores flags; scans code for references; writes
 * typed accessors and OpenFeature CLI manifests; and checks a team's conventions. The rules are
 * pure functions; the I/O (a `FlagStore`, the server's state) is at the edges.
 * @packageDocumentation
 */
export {
  type ArchiveOptions,
  type ArchiveRecord,
  type ArchiveResult,
  archiveFlag,
  listArchived,
  type UnarchiveResult,
  unarchiveFlag,
} from './archive/archive.js';
export {
  type CodeReferenceSummary,
  loadCodeReferences,
  saveCodeReferences,
} from './code-references.js';
export { LifecycleError, type LifecycleErrorCode } from './errors.js';
export {
  type GenerateOptions,
  type GeneratedAccessor,
  type GeneratedFile,
  GENERATED_MARKER,
  generateAccessors,
} from './generate/accessors.js';
export { codeDefaultOf, type FlagType, flagTypeOf } from './generate/flag-type.js';
export {
  MANIFEST_FILE_SCHEMA,
  type ManifestEnvelope,
  type ManifestFlag,
  type ManifestFlagType,
  manifestEnvelopeOf,
  manifestFileOf,
  manifestFlagsOf,
} from './generate/manifest.js';
export {
  DEFAULT_PREFIXES,
  LINT_RULES,
  type LintConventions,
  type LintConventionsInput,
  type LintRule,
  type LintSeverity,
  RECOMMENDED_RULES,
  resolveConventions,
} from './lint/conventions.js';
export { type LintIssue, lintFlagSet } from './lint/lint.js';
export { accessorName, CASES, inCase, type KeyCase, wordsOf } from './names.js';
export {
  type CodeReference,
  type CodeReferenceOptions,
  type CodeReferenceScan,
  type MissingReference,
  scanCodeReferences,
} from './refs/scan.js';
export { type MatcherOptions, ReferenceMatcher, type ReferenceKind, type TextHit } from './refs/matcher.js';
export { type IgnoreRule, isIgnored, parseIgnore } from './refs/gitignore.js';
export {
  buildLifecycleReport,
  type LifecycleReportInput,
  summarize,
  withCodeReferences,
} from './report/build.js';
export { DEFAULT_REPORT_HISTORY, type LifecycleReportOptions, lifecycleReportOf } from './report/collect.js';
export {
  ACTION_STAGES,
  lifecycleSlackText,
  lifecycleText,
  type ReportTextOptions,
  slackEscape,
} from './report/text.js';
export type {
  ArchivedFlag,
  LifecycleReport,
  LifecycleSummary,
  UnknownFlag,
} from './report/types.js';
export {
  CODE_REFERENCES_ID,
  type LifecycleState,
  type StateDocumentLike,
  archiveNamespace,
  lifecycleNamespace,
} from './state.js';
export { deriveFlagLifecycle, type FlagFacts, type StageFacts, stageOf } from './status/derive.js';
export { type ChangeFacts, changeFactsOf, type FlagChangeTimes } from './status/history-facts.js';
export { DAY_MS, instantOf } from './status/instants.js';
export { type DeclaredKind, declaredKind, FLAG_KINDS, type FlagKind } from './status/kinds.js';
export { staticOutcomeOf } from './status/outcome.js';
export {
  DEFAULT_LIFECYCLE_POLICY,
  type LifecyclePolicy,
  type LifecyclePolicyOptions,
  resolvePolicy,
} from './status/policy.js';
export {
  FLAG_STATUSES,
  type FlagLifecycle,
  type FlagStatus,
  LIFECYCLE_STAGES,
  type LifecycleReason,
  type LifecycleStage,
} from './status/types.js';
export { type FlagUsage, readFlagUsage } from './usage.js';
