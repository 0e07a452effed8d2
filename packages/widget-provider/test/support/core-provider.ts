import { type CompiledFlagSet, type FlagSetDocument, compileFlagSet } from '@ensign/core';
import type { EvaluationContext, JsonValue, Provider, ResolutionDetails } from '@openfeature/server-sdk';

/**
 * A minimal OpenFeature server provider over `@ensign/core`, so the hand-off is tested against
 * the real evaluator (flagd targeting, fractional, metadata with `clientSide`) rather than a stub.
 */
export class CoreFlagSetProvider implements Provider {
  readonly metadata = { name: 'core-flag-set' } as const;
  readonly runsOn = 'server' as const;
  private readonly flags: CompiledFlagSet;

  constructor(document: FlagSetDocument, setMetadata: Record<string, string | number | boolean> = {}) {
    this.flags = compileFlagSet(document, { metadata: setMetadata });
  }

  resolveBooleanEvaluation(
    key: string,
    fallback: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.flags.evaluate(key, 'boolean', fallback, context));
  }
  resolveStringEvaluation(
    key: string,
    fallback: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.flags.evaluate(key, 'string', fallback, context));
  }
  resolveNumberEvaluation(
    key: string,
    fallback: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.flags.evaluate(key, 'number', fallback, context));
  }
  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    fallback: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.flags.evaluate(key, 'object', fallback, context));
  }
}
