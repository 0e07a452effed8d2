/** Hand-built hook inputs and a collecting sink, shared by the exposure tests. */
import type { EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import { type AnalyticsEvent, CallbackSink } from '../../src/index.js';

/** The hook context the SDK would pass for one evaluation of `flagKey` for `targetingKey`. */
export function hookContext(targetingKey: string | undefined, flagKey = 'flag'): HookContext {
  return {
    flagKey,
    defaultValue: false,
    flagValueType: 'boolean',
    context: targetingKey === undefined ? {} : { targetingKey },
    clientMetadata: { providerMetadata: { name: 'p' } },
    providerMetadata: { name: 'p' },
    logger: console,
    hookData: new Map(),
  } as unknown as HookContext;
}

/** Evaluation details serving `variant` of `flagKey`. */
export function details(
  flagKey: string,
  variant: string | undefined,
  extra: Partial<EvaluationDetails<FlagValue>> = {},
): EvaluationDetails<FlagValue> {
  return { flagKey, value: variant === 'on', variant, reason: 'TARGETING_MATCH', flagMetadata: {}, ...extra };
}

/** A sink that keeps every event it receives. */
export function collectingSink(): { events: AnalyticsEvent[]; sink: CallbackSink } {
  const events: AnalyticsEvent[] = [];
  return { events, sink: new CallbackSink({ onBatch: (batch) => void events.push(...batch) }) };
}
