import type {
  EvaluationContext,
  JsonValue,
  Logger,
  Provider,
  ResolutionDetails,
} from '@openfeature/server-sdk';

/**
 * A provider like a third party's (e.g. flagd's): it evaluates through `inner` and returns the
 * same merged set + flag metadata, but cannot tell a flag's own metadata from its set's.
 */
class ForeignProvider implements Provider {
  readonly metadata = { name: 'foreign' } as const;
  readonly runsOn = 'server' as const;

  constructor(private readonly inner: Provider) {}

  resolveBooleanEvaluation(key: string, fallback: boolean, context: EvaluationContext, logger: Logger) {
    return this.inner.resolveBooleanEvaluation(key, fallback, context, logger);
  }
  resolveStringEvaluation(key: string, fallback: string, context: EvaluationContext, logger: Logger) {
    return this.inner.resolveStringEvaluation(key, fallback, context, logger);
  }
  resolveNumberEvaluation(key: string, fallback: number, context: EvaluationContext, logger: Logger) {
    return this.inner.resolveNumberEvaluation(key, fallback, context, logger);
  }
  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    fallback: T,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<T>> {
    return this.inner.resolveObjectEvaluation(key, fallback, context, logger);
  }
}

/** `inner` behind a provider that exposes nothing but evaluation (no `ownFlagMetadata`). */
export const withoutOwnMetadata = (inner: Provider): Provider => new ForeignProvider(inner);
