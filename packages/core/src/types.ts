import type {
  ErrorCode,
  EvaluationContext,
  FlagMetadata,
  FlagValue,
  FlagValueType,
  JsonValue,
  ResolutionDetails,
  ResolutionReason,
} from '@openfeature/core';

export type {
  ErrorCode,
  EvaluationContext,
  FlagMetadata,
  FlagValue,
  FlagValueType,
  JsonValue,
  ResolutionDetails,
  ResolutionReason,
};

/** A flag's `state`: a `DISABLED` flag is the kill switch (the caller's default, reason `DISABLED`). */
export type FlagState = 'ENABLED' | 'DISABLED';

/** A JsonLogic rule as written in a flag definition. */
export type TargetingRule = { [operator: string]: JsonValue } | Record<string, never>;

/** Metadata values allowed by flagd's schema. */
export type MetadataValue = string | number | boolean;

/**
 * One flag in flagd's flag-definition format.
 * @see https://flagd.dev/reference/flag-definitions/
 */
export interface FlagDefinition {
  state: FlagState;
  /** Variant name → value; every value has the same type. */
  variants: Record<string, JsonValue>;
  /** The variant served when targeting is absent or returns null; `null`/absent → the caller's default. */
  defaultVariant?: string | null;
  /** JsonLogic returning a variant name (or null for the default variant). */
  targeting?: TargetingRule;
  /**
   * Lifecycle facts. Conventional keys: `kind` (`release` | `experiment` | `ops` | `kill-switch` |
   * `permission`), `owner`, `expiresAt`, `clientSide` (may be handed to a widget or served over OFREP).
   */
  metadata?: Record<string, MetadataValue>;
}

/** A flagd flag-definition document: a flag set. */
export interface FlagSetDocument {
  $schema?: string;
  flags: Record<string, FlagDefinition>;
  /** Shared rules referenced from targeting with `{"$ref": "name"}`. */
  $evaluators?: Record<string, JsonValue>;
  /** Set metadata (e.g. `flagSetId`, `version`); merged under each flag's own metadata. */
  metadata?: Record<string, MetadataValue>;
}

/** One problem found in a flag-definition document. */
export interface ValidationIssue {
  /** JSON Pointer into the document, e.g. `/flags/new-checkout/defaultVariant`. */
  path: string;
  /** The flag the problem belongs to, when it belongs to one. */
  flagKey?: string;
  /** What is wrong, written for the person who edits the document. */
  message: string;
}

/**
 * The outcome of evaluating one flag without a caller default: `value` is absent when the
 * caller's default applies (disabled flag, no default variant, errors).
 */
export interface FlagResolution {
  readonly flagKey: string;
  readonly value?: JsonValue;
  readonly variant?: string;
  readonly reason: ResolutionReason;
  readonly errorCode?: ErrorCode;
  readonly errorMessage?: string;
  readonly flagMetadata: FlagMetadata;
}

/** What changed between two compiled flag sets; feeds `PROVIDER_CONFIGURATION_CHANGED`. */
export interface FlagSetChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Minimal logger (console-compatible, like OpenFeature's `Logger`). */
export interface CoreLogger {
  warn(...args: unknown[]): void;
  debug?(...args: unknown[]): void;
}

/** A typed evaluation result, exactly OpenFeature's `ResolutionDetails`. */
export type EvaluationResult<T extends FlagValue> = ResolutionDetails<T>;
