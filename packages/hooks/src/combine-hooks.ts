/**
 * One OpenFeature hook that runs several `finally`-only hooks. The SDKs await every stage of every
 * registered hook (before, after, finally) even when a hook does not define it, so each hook costs
 * a few microtask turns per evaluation; combining ours into one pays that once.
 */
import type { EvaluationDetails, FlagValue, HookContext, HookHints } from '@openfeature/core';

/** A hook whose only stage is a synchronous `finally`, like `ExposureHook` and `KillSwitchHook`. */
export interface FinallyHook {
  finally?(
    hookContext: Readonly<HookContext>,
    details: EvaluationDetails<FlagValue>,
    hints?: HookHints,
  ): void;
}

/** The combined hook; usable with the server and the web SDK. */
export interface CombinedHook {
  readonly name: string;
  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>, hints?: HookHints): void;
}

/**
 * Combines `finally`-only hooks into one, called in the order given; one hook's failure never
 * stops the others (nor reaches the evaluation).
 * @example OpenFeature.addHooks(combineHooks(exposures, killSwitches));
 */
export function combineHooks(...hooks: readonly FinallyHook[]): CombinedHook {
  const stages = hooks.filter((hook) => typeof hook.finally === 'function');
  return {
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
}
