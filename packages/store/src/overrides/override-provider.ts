/**
 * The override layer as an OpenFeature provider of its own: it answers only for the flags it
 * overrides, and says `FLAG_NOT_FOUND` (not overridden) or `TYPE_MISMATCH` (overridden, but not
 * as this type) otherwise, so that the multi-provider strategy asks the real provider next.
 */
import {
  ErrorCode,
  type EvaluationContext,
  type FlagValue,
  type FlagValueType,
  type JsonValue,
  type Logger,
  type Provider,
  type ResolutionDetails,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { type FlagOverride, type OverrideSet, overrideAs } from './parse.js';

/** The variant of every overridden evaluation. */
export const OVERRIDE_VARIANT = 'override';
/** The override layer's provider name (in the multi-provider's metadata). */
export const OVERRIDE_PROVIDER_NAME = 'ensign-overrides';

/**
 * What an overridden evaluation carries as flag metadata: `overridden: true` and
 * `overrideSource`, the variable that set it (`FEATURE_FLAGS_OVERRIDE`,
 * `FEATURE_FLAGS_OVERRIDE=enable-all`, `FEATURE_FLAGS_OVERRIDE_FILE` or `option file`).
 */
export interface OverrideFlagMetadata {
  readonly overridden: true;
  readonly overrideSource: string;
  readonly [key: string]: string | number | boolean;
}

/** Options of {@link OverrideProvider}. */
export interface OverrideProviderOptions {
  /** Where a type mismatch is reported (once per flag and type). @default console */
  logger?: Logger;
  /** The real provider's name, for that report. */
  fallbackName?: string;
}

function shown(override: FlagOverride): string {
  return override.kind === 'text' ? JSON.stringify(override.text) : JSON.stringify(override.value);
}

/**
 * Serves local overrides (see `withOverrides`). Overridden evaluations are successful, with reason
 * `STATIC`, variant `override` and {@link OverrideFlagMetadata}; all others are errors
 * (`FLAG_NOT_FOUND`, `TYPE_MISMATCH`) that tell the strategy to ask the real provider.
 */
export class OverrideProvider implements Provider {
  readonly metadata = { name: OVERRIDE_PROVIDER_NAME } as const;
  readonly runsOn = 'server' as const;
  private readonly logger: Logger;
  private readonly fallbackName: string;
  private readonly warned = new Set<string>();

  constructor(
    private readonly overrides: OverrideSet,
    options: OverrideProviderOptions = {},
  ) {
    this.logger = options.logger ?? console;
    this.fallbackName = options.fallbackName ?? 'the real provider';
  }

  /** The keys of the per-flag overrides, in order (not the flags `enable-all` turns on). */
  get flagKeys(): string[] {
    return [...this.overrides.flags.keys()];
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    _context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(flagKey, 'boolean', defaultValue));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    _context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(flagKey, 'string', defaultValue));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    _context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(flagKey, 'number', defaultValue));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    _context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(flagKey, 'object', defaultValue));
  }

  /**
   * Errors are returned, not thrown: the multi-provider turns either into the same resolution,
   * and a returned one costs no stack trace on every evaluation of a flag that is not overridden.
   */
  private resolve<T extends FlagValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
  ): ResolutionDetails<T> {
    const override = this.overrides.flags.get(flagKey);
    if (override !== undefined) {
      const value = overrideAs(override, type);
      if (value !== undefined) return this.served(value as T, override.source);
      this.warnMismatch(flagKey, type, override);
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `${override.source} sets flag "${flagKey}" to ${shown(override)}, which is not a ${type}`,
      };
    }
    if (type === 'boolean' && this.overrides.enableAll) {
      return this.served(true as T, this.overrides.enableAll.source);
    }
    return {
      value: defaultValue,
      reason: StandardResolutionReasons.ERROR,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
      errorMessage: `flag "${flagKey}" is not overridden`,
    };
  }

  private served<T extends FlagValue>(value: T, source: string): ResolutionDetails<T> {
    const flagMetadata: OverrideFlagMetadata = { overridden: true, overrideSource: source };
    return { value, variant: OVERRIDE_VARIANT, reason: StandardResolutionReasons.STATIC, flagMetadata };
  }

  /** Once per flag and type: the developer meant to override it, and would otherwise not notice. */
  private warnMismatch(flagKey: string, type: FlagValueType, override: FlagOverride): void {
    const key = `${type}\u0000${flagKey}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(
      `${override.source} sets flag "${flagKey}" to ${shown(override)}, which is not a ${type}: ` +
        `the code asks for a ${type}, so ${this.fallbackName} answers for "${flagKey}"`,
    );
  }
}
