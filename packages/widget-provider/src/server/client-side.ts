import type { EvaluationDetails, FlagMetadata, FlagValue } from '@openfeature/core';
import { type Client, OpenFeature } from '@openfeature/server-sdk';
import type { RefusalReason } from './errors.js';

/** The flag metadata that marks a flag as safe to hand to a widget, when set on the flag itself. */
export const CLIENT_SIDE_METADATA_KEY = 'clientSide';

/**
 * What a provider implements so that `evaluateWidgetFlags` can read a flag's **own**
 * metadata. The metadata in an evaluation result is the set's merged with the flag's, so a
 * `clientSide: true` there may have been written once for the whole set; only the flag's own
 * marking counts. Any provider may implement it; over `@ensign/core` it is
 * `compiledFlagSet.get(flagKey)?.program.flagMetadata`.
 */
export interface OwnFlagMetadataSource {
  /**
   * The metadata written on the flag itself, without anything inherited from its set.
   * @returns `undefined` when the provider does not have the flag (or has not loaded its flags).
   */
  ownFlagMetadata(flagKey: string): Readonly<FlagMetadata> | undefined;
}

const hasOwnMetadata = (provider: unknown): provider is OwnFlagMetadataSource =>
  typeof (provider as Partial<OwnFlagMetadataSource> | null)?.ownFlagMetadata === 'function';

/**
 * The provider `client` evaluates with, if it is an {@link OwnFlagMetadataSource}. Found through
 * the OpenFeature API by the client's domain, and used only if it is the very provider whose
 * metadata the client reports (not one from another API instance, or set after the client's).
 */
export function ownMetadataSourceOf(client: Pick<Client, 'metadata'>): OwnFlagMetadataSource | undefined {
  const { domain, providerMetadata } = client.metadata;
  const provider = OpenFeature.getProvider(domain);
  return provider.metadata === providerMetadata && hasOwnMetadata(provider) ? provider : undefined;
}

// Errors that say nothing about a flag: it is not there, or the provider could not look.
const NO_FLAG_ERRORS: ReadonlySet<string> = new Set([
  'FLAG_NOT_FOUND',
  'PROVIDER_NOT_READY',
  'PROVIDER_FATAL',
]);

/** What {@link clientSideVerdict} decides for one evaluated flag. */
export type ClientSideVerdict = 'hand-over' | 'no-flag' | RefusalReason;

/**
 * Whether one evaluated flag may be handed to the widget. With an own-metadata source, the flag
 * must be marked on itself and (if the app gave one) be in the allowlist; without one, only the
 * allowlist can say so. A flag the source does not know is `no-flag` when its evaluation says so
 * too; any other disagreement is a refusal.
 */
export function clientSideVerdict(
  flagKey: string,
  details: EvaluationDetails<FlagValue>,
  source: OwnFlagMetadataSource | undefined,
  allowlist: ReadonlySet<string> | undefined,
): ClientSideVerdict {
  if (allowlist && !allowlist.has(flagKey)) return 'not-allowlisted';
  if (!source) return allowlist ? 'hand-over' : 'no-metadata-source';
  const own = source.ownFlagMetadata(flagKey);
  if (own === undefined && details.errorCode !== undefined && NO_FLAG_ERRORS.has(details.errorCode))
    return 'no-flag';
  return own?.[CLIENT_SIDE_METADATA_KEY] === true ? 'hand-over' : 'not-marked';
}
