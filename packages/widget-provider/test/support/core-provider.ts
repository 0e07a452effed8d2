import { type CompiledFlagSet, type FlagSetDocument, compileFlagSet } from '@ensign/core';
import type {
  EvaluationContext,
  FlagMetadata,
  JsonValue,
  Provider,
  ResolutionDetails,
} from '@openfeature/server-sdk';
import type { OwnFlagMetadataSource } from '../../src/server/index.js';

/**
 * A minimal OpenFeature server provider over `@ensign/core`, so the hand-off is tested against
 * the real evaluator (flagd targeting, fractional, metadata with `clientSide`) rather than a stub.
 * It tells a flag's own metadata apart from its set's (`OwnFlagMetadataSource`), which is what
 * makes a provider one of "ours" to `evaluateWidgetFlags`.
 */
export class CoreFlagSetProvider implements Provider, OwnFlagMetadataSource {
  readonly metadata = { name: 'core-flag-set' } as const;
  readonly runsOn = 'server' as const;
  private readonly flags: CompiledFlagSet;

  constructor(document: FlagSetDocument, setMetadata: Record<string, string | number | boolean> = {}) {
    this.flags = compileFlagSet(document, { metadata: setMetadata });
  }

  /** The metadata written on the flag itself: the program's, before set metadata is merged in. */
  ownFlagMetadata(flagKey: string): Readonly<FlagMetadata> | undefined {
    return this.flags.get(flagKey)?.program.flagMetadata;
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
