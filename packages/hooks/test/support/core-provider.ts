/**
 * A minimal OpenFeature server provider over `@ensign/core`'s real evaluator, so the hooks can be
 * tested with real flag metadata (`flagSetId`, `version`, `kind`) and real configuration-change
 * events before the Redis provider exists. Test support only.
 */
import { type CompiledFlagSet, type FlagSetDocument, compileFlagSet, diffFlagSets } from '@ensign/core';
import {
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';

export class CoreProvider implements Provider {
  readonly metadata = { name: 'core-test-provider' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private flags: CompiledFlagSet;
  private version = 1;

  constructor(
    private document: FlagSetDocument,
    private readonly flagSetId = 'test-set',
  ) {
    this.flags = this.compile();
  }

  /** Replaces the set, bumps the version and announces the changed flags. */
  replace(document: FlagSetDocument): void {
    const before = this.flags;
    this.document = document;
    this.version++;
    this.flags = this.compile();
    const diff = diffFlagSets(before, this.flags);
    // As the Redis provider announces a change: the flags and the set's new version.
    this.events.emit(ProviderEvents.ConfigurationChanged, {
      flagsChanged: [...diff.added, ...diff.removed, ...diff.changed],
      metadata: { flagSetId: this.flagSetId, version: this.version },
    });
  }

  private compile(): CompiledFlagSet {
    return compileFlagSet(this.document, {
      metadata: { flagSetId: this.flagSetId, version: this.version }, // a number, as the Redis provider's
    });
  }

  resolveBooleanEvaluation(
    key: string,
    def: boolean,
    ctx: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.flags.evaluate(key, 'boolean', def, ctx));
  }
  resolveStringEvaluation(
    key: string,
    def: string,
    ctx: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.flags.evaluate(key, 'string', def, ctx));
  }
  resolveNumberEvaluation(
    key: string,
    def: number,
    ctx: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.flags.evaluate(key, 'number', def, ctx));
  }
  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    def: T,
    ctx: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.flags.evaluate(key, 'object', def, ctx));
  }
}
