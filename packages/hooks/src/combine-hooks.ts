/**
 * One OpenFeature hook that runs several `finally`-only hooks (and their `before` stages, which
 * only note something, such as `MetricsAggregator`'s start time). The SDKs await every stage of
 * every registered hook (before, after, finally) even when a hook does not define it, so each hook
 * costs a few microtask turns per evaluation; combining ours into one pays that once.
 */
import type { EvaluationDetails, FlagValue, HookContext, HookHints } from '@openfeature/core';

/**
 * A hook whose stages are a synchronous `finally`, like `ExposureHook` and `KillSwitchHook`, and
 * optionally a synchronous `before` that returns nothing (it may not change the context).
 */
export interface FinallyHook {
  before?(hookContext: Readonly<HookContext>, hints?: HookHints): void;
  finally?(
    hookContext: Readonly<HookContext>,
    details: EvaluationDetails<FlagValue>,
    hints?: HookHints,
  ): void;
}

/** The combined hook; usable with the server and the web SDK. */
export interface CombinedHook {
  readonly name: string;
  /** Present only when one of the hooks has a `before` stage. */
  before?(hookContext: Readonly<HookContext>, hints?: HookHints): void;
  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>, hints?: HookHints): void;
}

/**
 * Combines `finally`-only hooks into one, called in the order given; one hook's failure never
 * stops the others (nor reaches the evaluation). `before` stages run too, in the same order; they
 * share the combined hook's per-evaluation `hookData` (use namespaced keys).
 * @example OpenFeature.addHooks(combineHooks(exposures, killSwitches));
 */
export function combineHooks(...hooks: readonly FinallyHook[]): CombinedHook {
  const stages = hooks.filter((hook) => typeof hook.finally === 'function');
  const befores = hooks.filter((hook) => typeof hook.before === 'function');
  const combined: CombinedHook = {
    name: 'ensign-combined',
    finally(hookContext, details, hints) {
      for (const hook of stages) {
        try {
          hook.finally!(hookContext, details, hints);
        } catch {
          // Hooks must never break an evaluation; ours count their own failures.
        }
      }
    },
  };
  if (befores.length > 0) {
    combined.before = (hookContext, hints) => {
      for (const hook of befores) {
        try {
          hook.before!(hookContext, hints);
        } catch {
          // As above: a hook's failure stays its own.
        }
      }
    };
  }
  return combined;
}
