/**
 * The multi-provider strategy of the override layer: the overrides first, then the real provider,
 * whose answer reaches the app exactly as it gave it.
 */
import {
  ErrorCode,
  type EvaluationContext,
  type FinalResult,
  FirstMatchStrategy,
  type FlagValue,
  type ProviderResolutionResult,
  type StrategyPerProviderContext,
} from '@openfeature/server-sdk';

/**
 * Like the SDK's `FirstMatchStrategy`, with two differences that matter to an app:
 * - only the override layer passes on, and it does so on `FLAG_NOT_FOUND` (not overridden) and
 *   `TYPE_MISMATCH` (overridden, but not as the type asked for): a typed mismatch falls through;
 * - the real provider's answer is final as it is, errors included. `FirstMatchStrategy` turns any
 *   final error into an `AggregateError` with code `GENERAL`, so `FLAG_NOT_FOUND` or
 *   `TYPE_MISMATCH` from the real provider would reach the app as `GENERAL`, without the flag
 *   metadata; that would make an app behave differently with overrides on.
 */
export class OverridesFirstStrategy extends FirstMatchStrategy {
  constructor(private readonly overrideProviderName: string) {
    super();
  }

  override shouldEvaluateNextProvider<T extends FlagValue>(
    strategyContext: StrategyPerProviderContext,
    _context: EvaluationContext,
    result: ProviderResolutionResult<T>,
  ): boolean {
    return (
      strategyContext.providerName === this.overrideProviderName &&
      (this.hasErrorWithCode(result, ErrorCode.FLAG_NOT_FOUND) ||
        this.hasErrorWithCode(result, ErrorCode.TYPE_MISMATCH))
    );
  }

  override determineFinalResult<T extends FlagValue>(
    strategyContext: StrategyPerProviderContext,
    context: EvaluationContext,
    resolutions: ProviderResolutionResult<T>[],
  ): FinalResult<T> {
    const final = resolutions.at(-1);
    // No provider was asked (all skipped as not ready): the multi-provider reports that itself.
    if (final === undefined) return {};
    // A thrown error only happens outside the provider's own answer (the multi-provider catches
    // what a provider throws and makes it an answer); keep the SDK's handling for it.
    if ('thrownError' in final) {
      return super.determineFinalResult(strategyContext, context, resolutions);
    }
    return { details: final.details, provider: final.provider, providerName: final.providerName };
  }
}
