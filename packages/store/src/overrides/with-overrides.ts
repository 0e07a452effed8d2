/// <reference types="node" />
/**
 * Local overrides for development and QA, through OpenFeature's multi-provider: values from
 * `FEATURE_FLAGS_OVERRIDE` / `FEATURE_FLAGS_OVERRIDE_FILE` win over the real provider, which
 * answers (and emits its events) for everything else. See packages/store/docs/overrides.md.
 */
import type { MetadataValue } from '@ensign/core';
import {
  type EvaluationContext,
  type Logger,
  MultiProvider,
  type Provider,
  ProviderEvents,
} from '@openfeature/server-sdk';
import { OVERRIDE_PROVIDER_NAME, OverrideProvider } from './override-provider.js';
import {
  type FlagOverride,
  FlagOverrideError,
  OVERRIDE_ENV,
  OVERRIDE_FILE_ENV,
  type OverrideSet,
  parseOverrideVariable,
  readOverrideFile,
} from './parse.js';
import { OverridesFirstStrategy } from './strategy.js';

/** Environment variables by name, as in `process.env`. */
type Env = Readonly<Record<string, string | undefined>>;

/** Options of {@link withOverrides}. */
export interface WithOverridesOptions {
  /**
   * Where `FEATURE_FLAGS_OVERRIDE`, `FEATURE_FLAGS_OVERRIDE_FILE` and `NODE_ENV` are read.
   * @default process.env
   */
  env?: Env;
  /** A JSON file of flag key → value; takes the place of `FEATURE_FLAGS_OVERRIDE_FILE`. */
  file?: string;
  /** What a relative file path is resolved against. @default process.cwd() */
  cwd?: string;
  /** Where the start-up line and type mismatches are logged (warn level). @default console */
  logger?: Logger;
  /**
   * Overrides are refused (`withOverrides` throws) when `NODE_ENV` is `production`, so a stray
   * variable cannot change what real users get. `true` allows them there, e.g. for a staging
   * deployment that runs a production build: `allowInProduction: process.env.APP_ENV === 'staging'`.
   * @default false
   */
  allowInProduction?: boolean;
}

/** The provider's own flag metadata, as `@ensign/widget-provider`'s hand-off reads it. */
type OwnFlagMetadata = (flagKey: string) => Readonly<Record<string, MetadataValue>> | undefined;

/** Unwraps the multi-provider's `AggregateError` of one failure, so its code (e.g. FATAL) survives. */
function firstCause(error: unknown): unknown {
  const originals = (error as { originalErrors?: { error: unknown }[] } | null)?.originalErrors;
  return originals?.length === 1 ? originals[0]?.error : error;
}

/**
 * A `MultiProvider` of the override layer and the real provider, with {@link OverridesFirstStrategy}.
 * Events of the real provider reach the app (configuration changes with their `flagsChanged`,
 * stale, ready), `track()` goes to it, and so does the widget hand-off's question of a flag's own
 * metadata (when the real provider answers it), so client-side flags stay client-side.
 */
export class OverridingProvider extends MultiProvider {
  /** The provider the overrides sit on. */
  readonly fallback: Provider;
  /** The override layer. */
  readonly overrideLayer: OverrideProvider;
  /**
   * Present when the real provider has it (`StoreProvider` does): the flag's own metadata from
   * the real provider, so that `evaluateWidgetFlags` still recognises client-side flags.
   */
  readonly ownFlagMetadata?: OwnFlagMetadata;

  constructor(fallback: Provider, overrides: OverrideSet, logger: Logger = console) {
    const layer = new OverrideProvider(overrides, {
      logger,
      fallbackName: `provider "${fallback.metadata.name}"`,
    });
    super(
      [
        { provider: layer, name: OVERRIDE_PROVIDER_NAME },
        { provider: fallback, name: fallback.metadata.name },
      ],
      new OverridesFirstStrategy(OVERRIDE_PROVIDER_NAME),
      logger,
    );
    this.fallback = fallback;
    this.overrideLayer = layer;
    // Says what is behind it in telemetry and exposure events, instead of "MultiProvider".
    this.metadata = { ...this.metadata, name: `${fallback.metadata.name}+overrides` };
    const own = (fallback as { ownFlagMetadata?: unknown }).ownFlagMetadata;
    if (typeof own === 'function') {
      this.ownFlagMetadata = (flagKey) => (own as OwnFlagMetadata).call(fallback, flagKey);
    }
  }

  /**
   * Initializes both; rejects with the real provider's own error. After a failed start the SDK's
   * status tracker inside the multi-provider never learned the real provider failed, so its later
   * `PROVIDER_READY` would change nothing there and be swallowed: it is forwarded here instead.
   */
  override async initialize(context?: EvaluationContext, domain?: string): Promise<void> {
    try {
      await super.initialize(context, domain);
    } catch (error) {
      const events = this.fallback.events;
      if (events) {
        const ready = () => {
          events.removeHandler(ProviderEvents.Ready, ready);
          this.events.emit(ProviderEvents.Ready, { message: `${this.fallback.metadata.name} is ready` });
        };
        events.addHandler(ProviderEvents.Ready, ready);
      }
      throw firstCause(error);
    }
  }
}

/** Where overrides come from, before anything is parsed; blank variables count as unset. */
function configuredSources(env: Env, options: WithOverridesOptions) {
  const variable = env[OVERRIDE_ENV]?.trim() || undefined;
  const filePath = env[OVERRIDE_FILE_ENV]?.trim() || undefined;
  const file =
    options.file !== undefined
      ? { path: options.file, label: 'option file' }
      : filePath !== undefined
        ? { path: filePath, label: OVERRIDE_FILE_ENV }
        : undefined;
  return { variable, file };
}

/** File values first, then the variable's per-flag values over them (the more ad hoc one wins). */
function merge(fromFile: OverrideSet | undefined, fromVariable: OverrideSet | undefined): OverrideSet {
  const flags = new Map<string, FlagOverride>(fromFile?.flags);
  for (const [key, override] of fromVariable?.flags ?? []) flags.set(key, override);
  const enableAll = fromVariable?.enableAll;
  return enableAll ? { enableAll, flags } : { flags };
}

function shownValue(override: FlagOverride): string {
  const text = override.kind === 'text' ? override.text : JSON.stringify(override.value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The start-up line: loud, one line, everything a developer needs to know what is forced. */
export function overrideBanner(overrides: OverrideSet, providerName: string, production: boolean): string {
  const parts: string[] = [];
  if (overrides.enableAll) parts.push(`${overrides.enableAll.source} (every boolean flag is true)`);
  const bySource = new Map<string, string[]>();
  for (const [key, override] of overrides.flags) {
    const entries = bySource.get(override.source) ?? [];
    entries.push(`${key}=${shownValue(override)}`);
    bySource.set(override.source, entries);
  }
  for (const [source, entries] of bySource) parts.push(`${source}: ${entries.join(', ')}`);
  const where = production ? ' IN PRODUCTION (allowInProduction)' : '';
  return (
    `*** FEATURE FLAG OVERRIDES ACTIVE${where} *** ${parts.join('; ')}. ` +
    `These win over provider "${providerName}"; every other flag comes from it.`
  );
}

/**
 * Puts local overrides over `provider` when the environment asks for them, through OpenFeature's
 * `MultiProvider`; otherwise returns `provider` itself, untouched.
 *
 * - `FEATURE_FLAGS_OVERRIDE=enable-all`: every boolean evaluation is `true`.
 * - `FEATURE_FLAGS_OVERRIDE=new-checkout=true,layout=cards`: per-flag values, read as the type the
 *   code asks for (may be combined with `enable-all`, and win over it and over the file).
 * - `FEATURE_FLAGS_OVERRIDE_FILE=./overrides.json` (or option `file`): a JSON object of flag key → value.
 *
 * An overridden evaluation has reason `STATIC`, variant `override` and flag metadata
 * `{ overridden: true, overrideSource }`. An override that is not of the type asked for falls
 * through to `provider` (with one warning). When overrides are active, one warn-level line says
 * so at start. Refused when `NODE_ENV=production` unless `allowInProduction`.
 * @throws {FlagOverrideError} naming the variable and the bad entry, or refusing production.
 * @example
 * const provider = withOverrides(new StoreProvider({ store, flagSet: 'fitness' }));
 * await OpenFeature.setProviderAndWait(provider);
 */
export function withOverrides<P extends Provider>(
  provider: P,
  options: WithOverridesOptions = {},
): P | OverridingProvider {
  const env = options.env ?? process.env;
  const { variable, file } = configuredSources(env, options);
  if (variable === undefined && file === undefined) return provider;
  const production = env.NODE_ENV?.trim() === 'production';
  if (production && options.allowInProduction !== true) {
    const set = [variable !== undefined && OVERRIDE_ENV, file?.label].filter(Boolean).join(' and ');
    throw new FlagOverrideError(
      `${set} set while NODE_ENV=production: flag overrides are for development and QA and are refused in production. ` +
        `Unset ${set}, or pass allowInProduction: true to withOverrides (e.g. for a staging deployment)`,
    );
  }
  const cwd = options.cwd ?? process.cwd();
  const overrides = merge(
    file && readOverrideFile(file.path, file.label, cwd),
    variable === undefined ? undefined : parseOverrideVariable(variable, OVERRIDE_ENV),
  );
  if (!overrides.enableAll && overrides.flags.size === 0) return provider;
  const logger = options.logger ?? console;
  logger.warn(overrideBanner(overrides, provider.metadata.name, production));
  return new OverridingProvider(provider, overrides, logger);
}
