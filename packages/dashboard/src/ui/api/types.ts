/**
 * The shapes the dashboard reads from the admin API, as its OpenAPI document
 * (`/api/v1/openapi.json`) describes them; only the fields the pages use.
 */
import type { FlagDefinition, JsonValue } from '@ensign/core';

export type { FlagDefinition, JsonValue };

/** `GET /api/v1/session`. */
export interface Session {
  readonly tokenId: string;
  readonly name: string;
  readonly role: 'admin' | 'editor' | 'viewer';
  readonly flagSets: readonly string[];
  readonly csrfToken: string | null;
  readonly expiresAt: string | null;
}

/** `GET /api/v1/flag-sets`. */
export interface FlagSetList {
  readonly flagSets: readonly { readonly flagSet: string; readonly version: number }[];
}

/** One flag of `GET …/flags`. */
export interface FlagEntry {
  readonly key: string;
  readonly etag: string;
  readonly flag: FlagDefinition;
}

/** `GET …/flags`. */
export interface FlagList {
  readonly flagSet: string;
  readonly version: number;
  readonly flags: readonly FlagEntry[];
}

/** One change of a history entry (RFC 6902 names, pointers into the set's document). */
export interface JsonChange {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly before?: JsonValue;
  readonly after?: JsonValue;
}

/** One audited write. */
export interface HistoryEntry {
  readonly version: number;
  readonly operation: 'put' | 'delete' | 'patch' | 'replace' | 'revert';
  readonly flagKey?: string;
  readonly actor: string;
  readonly reason?: string;
  readonly at: string;
  readonly changes: readonly JsonChange[];
}

/** `GET …/history`. */
export interface History {
  readonly flagSet: string;
  readonly entries: readonly HistoryEntry[];
}

/** What a flag write answers. */
export interface FlagWrite {
  readonly changed: boolean;
  readonly version: number;
  readonly etag: string;
  readonly flag: FlagDefinition | null;
}

/** One flag of the lifecycle report (`GET …/lifecycle`). */
export interface FlagLifecycle {
  readonly flagKey: string;
  readonly kind: string;
  readonly owner?: string;
  readonly status: 'new' | 'active' | 'launched' | 'inactive' | 'expired';
  readonly stage: 'live' | 'stale' | 'ready-for-code-removal' | 'ready-to-archive' | 'permanent';
  readonly lastEvaluatedAt?: string;
  readonly recentVariants: readonly string[];
  readonly ageDays?: number;
  readonly expiresAt?: string;
  readonly reasons: readonly { readonly code: string; readonly message: string }[];
  readonly codeReferences?: number;
}

/** `GET …/lifecycle`. */
export interface LifecycleReport {
  readonly flagSet: string;
  readonly generatedAt: string;
  readonly usageSince?: string;
  readonly flags: readonly FlagLifecycle[];
  readonly unknownFlags: readonly { readonly flagKey: string; readonly lastEvaluatedAt: string }[];
}

/** `GET …/flags/{key}/evaluations`. */
export interface EvaluationWindows {
  readonly windowMs: number;
  readonly windows: readonly {
    readonly start: number;
    readonly variants: Readonly<Record<string, number>>;
    readonly errors: number;
  }[];
}

/** The figures of one guardrail at one look. */
export interface GuardrailReport {
  readonly metric: string;
  readonly kind: string;
  readonly direction: string;
  readonly release: { readonly n: number; readonly value: number | null };
  readonly replace: { readonly n: number; readonly value: number | null };
  readonly effect: number | null;
  readonly interval: { readonly low: number; readonly high: number } | null;
  readonly pValue: number;
  readonly fixedHorizonP: number | null;
  readonly verdict: string;
}

/** A stored rollout. */
export interface Rollout {
  readonly flagSet: string;
  readonly spec: {
    readonly id: string;
    readonly flagKey: string;
    readonly release: string;
    readonly replace: string;
    readonly stages: readonly { readonly percent: number; readonly minDurationMs: number }[];
    readonly guardrails: readonly {
      readonly metric: string;
      readonly tolerance: number;
      readonly threshold?: number;
    }[];
    readonly onHarm: string;
  };
  readonly status: 'running' | 'paused' | 'completed' | 'rolled-back' | 'aborted';
  readonly stage: number;
  readonly stageStartedAt?: number;
  readonly reason?: string;
  readonly lastReport?: { readonly at: number; readonly guardrails: readonly GuardrailReport[] };
  readonly events: readonly {
    readonly at: number;
    readonly actor: string;
    readonly action: string;
    readonly detail: string;
  }[];
  readonly createdAt: number;
}

/** `GET …/rollouts/{plan}`. */
export interface RolloutView {
  readonly rollout: Rollout;
  readonly version: number;
  readonly live: { readonly releasedPercent: number | null; readonly asPlanned: boolean } | null;
}

/** One point of a guardrail series. */
export interface GuardrailPoint {
  readonly cohort: string;
  readonly stage: number;
  readonly percent: number;
  readonly startedAt: number;
  readonly effect: number | null;
  readonly interval: { readonly low: number; readonly high: number } | null;
  readonly verdict: string;
}

/** `GET …/rollouts/{plan}/guardrails`. */
export interface GuardrailSeries {
  readonly guardrails: readonly {
    readonly metric: string;
    readonly kind: string;
    readonly direction: string;
    readonly tolerance: number;
    readonly threshold?: number;
    readonly points: readonly GuardrailPoint[];
  }[];
}

/** One variant of experiment results. */
export interface VariantResult {
  readonly variant: string;
  readonly exposedUsers: number;
  readonly convertedUsers: number;
  readonly conversionRate: number;
  readonly ci95: { readonly low: number; readonly high: number };
  readonly liftVsControl: number | null;
  readonly differenceVsControl: number | null;
  readonly pValue: number | null;
  readonly alwaysValid: {
    readonly pValue: number;
    readonly differenceInterval: { readonly low: number; readonly high: number };
  } | null;
  readonly observedShare: number;
  readonly expectedShare: number | null;
}

/** `GET …/flags/{key}/experiment`. */
export interface ExperimentResults {
  readonly flagKey: string;
  readonly metric: string;
  readonly control: string;
  readonly cohort: string;
  readonly users: number;
  readonly variants: readonly VariantResult[];
  readonly sampleRatio: {
    readonly pValue: number;
    readonly alwaysValidPValue: number;
    readonly mismatch: boolean;
    readonly unexpectedVariants: readonly string[];
  } | null;
  readonly warnings: readonly string[];
}

/** A token record (`GET /api/v1/tokens`). */
export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly flagSets: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly hint: string;
}

/** A webhook subscription (`GET /api/v1/webhooks`). */
export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly flagSets: readonly string[];
  readonly events: readonly string[];
  readonly description?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly stats: { readonly delivered: number; readonly failed: number; readonly attempts: number };
}
