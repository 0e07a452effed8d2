import type {
  EvaluationContext,
  EvaluationDetails,
  FlagMetadata,
  FlagValue,
  JsonValue,
} from '@openfeature/core';
import type { Client, FlagEvaluationOptions } from '@openfeature/server-sdk';
import { PAYLOAD_VERSION, type WidgetFlagResult, type WidgetFlagsPayload } from '../shared/payload.js';
import { clientSideVerdict, ownMetadataSourceOf } from './client-side.js';
import { NotClientSideFlagError, type RefusalReason } from './errors.js';

/** The flag metadata forwarded to the widget unless {@link EvaluateWidgetFlagsOptions.metadataKeys} says otherwise. */
export const DEFAULT_FORWARDED_METADATA: readonly string[] = ['flagSetId', 'version', 'kind'];

/**
 * What {@link evaluateWidgetFlags} uses of an OpenFeature server `Client` (any client has it): the
 * typed evaluations, and `metadata` to find the provider the client evaluates with.
 */
export type WidgetFlagsClient = Pick<
  Client,
  'getBooleanDetails' | 'getStringDetails' | 'getNumberDetails' | 'getObjectDetails' | 'metadata'
>;

/**
 * The flags a widget needs, as flag key → default value. The default's type picks the typed
 * evaluation (`getBooleanDetails`, `getStringDetails`, `getNumberDetails`, else `getObjectDetails`),
 * as OpenFeature evaluations are typed. Share one constant between the widget and the tool handler.
 */
export type WidgetFlagDefaults = Readonly<Record<string, FlagValue>>;

/** Options of {@link evaluateWidgetFlags}. */
export interface EvaluateWidgetFlagsOptions {
  /**
   * The flags this app allows to be handed to its widgets, in its own code. With a provider that
   * reports each flag's own metadata (`OwnFlagMetadataSource`, meant for the `@ensign/*` providers) it
   * only narrows: a flag must also be marked `clientSide` on itself. With any other provider (e.g.
   * OpenFeature's `InMemoryProvider`, or one that merges set metadata into flag metadata) it
   * decides alone, and without it every flag is refused.
   * @default undefined: no allowlist
   */
  clientSideFlags?: readonly string[];
  /**
   * Flag metadata keys copied into the payload. Metadata is free-form and may name owners or
   * internal tickets, so only an allowlist is forwarded.
   * @default DEFAULT_FORWARDED_METADATA (`flagSetId`, `version`, `kind`)
   */
  metadataKeys?: readonly string[];
  /** Hooks and hook hints for these evaluations, passed to each `get…Details` call. */
  evaluationOptions?: FlagEvaluationOptions;
  /**
   * The payload's `issuedAt` (ms since the epoch); `false` leaves it out.
   * @default Date.now()
   */
  issuedAt?: number | false;
}

function evaluateOne(
  client: WidgetFlagsClient,
  flagKey: string,
  defaultValue: FlagValue,
  context: EvaluationContext,
  options: FlagEvaluationOptions | undefined,
): Promise<EvaluationDetails<FlagValue>> {
  switch (typeof defaultValue) {
    case 'boolean':
      return client.getBooleanDetails(flagKey, defaultValue, context, options);
    case 'string':
      return client.getStringDetails(flagKey, defaultValue, context, options);
    case 'number':
      return client.getNumberDetails(flagKey, defaultValue, context, options);
    default:
      return client.getObjectDetails(flagKey, defaultValue as JsonValue, context, options);
  }
}

function pickMetadata(metadata: FlagMetadata, keys: readonly string[]): FlagMetadata | undefined {
  const picked: FlagMetadata = {};
  for (const key of keys) {
    const value = metadata[key];
    if (value !== undefined) picked[key] = value;
  }
  return Object.keys(picked).length > 0 ? picked : undefined;
}

/**
 * Evaluates the flags a widget needs for the calling user, through the OpenFeature client (so
 * hooks such as exposure tracking run), and returns the results as a payload to put under
 * `_meta[FLAGS_META_KEY]` of the tool result (see {@link attachWidgetFlags}).
 *
 * Only results leave the server: value, variant, reason, error code and an allowlist of metadata,
 * and only for client-side flags. A flag is client-side when the provider the client evaluates
 * with reports the flag's **own** metadata (`OwnFlagMetadataSource`) with
 * `clientSide: true` (set metadata does not count) and, if given, it is in
 * {@link EvaluateWidgetFlagsOptions.clientSideFlags}; with other providers, when it is in
 * `clientSideFlags`. Asking for any other flag throws, whether its evaluation succeeded or not:
 * the check runs after the evaluations and before anything is returned. A flag that does not
 * exist (`FLAG_NOT_FOUND`, or the provider is not ready) is passed on as an error without a value,
 * so the widget falls back to its own default.
 *
 * @param client an OpenFeature server client (`OpenFeature.getClient()`).
 * @param flags flag key → default value; see {@link WidgetFlagDefaults}.
 * @param context the evaluation context, e.g. from {@link contextFromMcpRequest}.
 * @throws {NotClientSideFlagError} naming every requested flag that is not client-side, and why.
 * @example
 * ```ts
 * const payload = await evaluateWidgetFlags(OpenFeature.getClient(), { 'booking-layout': 'list' }, contextFromMcpRequest(extra));
 * return attachWidgetFlags({ content, structuredContent }, payload);
 * ```
 */
export async function evaluateWidgetFlags(
  client: WidgetFlagsClient,
  flags: WidgetFlagDefaults,
  context: EvaluationContext = {},
  options: EvaluateWidgetFlagsOptions = {},
): Promise<WidgetFlagsPayload> {
  const keys = Object.keys(flags);
  const metadataKeys = options.metadataKeys ?? DEFAULT_FORWARDED_METADATA;
  const allowlist = options.clientSideFlags && new Set(options.clientSideFlags);
  const details = await Promise.all(
    keys.map((key) => evaluateOne(client, key, flags[key] as FlagValue, context, options.evaluationOptions)),
  );
  // After the evaluations: the provider the client evaluated with, not one set before them.
  const source = ownMetadataSourceOf(client);
  const results: [string, WidgetFlagResult][] = [];
  const refused = new Map<string, RefusalReason>();
  details.forEach((detail, i) => {
    const key = keys[i] as string;
    const verdict = clientSideVerdict(key, detail, source, allowlist);
    if (verdict === 'hand-over' || verdict === 'no-flag') results.push([key, toResult(detail, metadataKeys)]);
    else refused.set(key, verdict);
  });
  if (refused.size > 0) throw new NotClientSideFlagError(refused);
  // fromEntries defines own properties, so a flag named `__proto__` stays a flag.
  const payload: WidgetFlagsPayload = { v: PAYLOAD_VERSION, flags: Object.fromEntries(results) };
  if (options.issuedAt !== false) payload.issuedAt = options.issuedAt ?? Date.now();
  return payload;
}

/** One flag's result for the widget: what the evaluation says, never the server's default. */
function toResult(detail: EvaluationDetails<FlagValue>, metadataKeys: readonly string[]): WidgetFlagResult {
  // No value to leak: the widget gets the error and uses its own default.
  if (detail.errorCode !== undefined)
    return { reason: detail.reason ?? 'ERROR', errorCode: detail.errorCode };
  const result: WidgetFlagResult = { reason: detail.reason ?? 'UNKNOWN' };
  // A disabled flag means "use the caller's default": the widget's own default, not the server's.
  if (detail.reason !== 'DISABLED') result.value = detail.value as JsonValue;
  if (detail.variant !== undefined) result.variant = detail.variant;
  const metadata = pickMetadata(detail.flagMetadata, metadataKeys);
  if (metadata) result.flagMetadata = metadata;
  return result;
}
