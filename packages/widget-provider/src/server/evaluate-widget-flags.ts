import type {
  EvaluationContext,
  EvaluationDetails,
  FlagMetadata,
  FlagValue,
  JsonValue,
} from '@openfeature/core';
import type { Client, FlagEvaluationOptions } from '@openfeature/server-sdk';
import { PAYLOAD_VERSION, type WidgetFlagResult, type WidgetFlagsPayload } from '../shared/payload.js';
import { NotClientSideFlagError } from './errors.js';

/** The flag metadata that marks a flag as safe to hand to a widget. */
export const CLIENT_SIDE_METADATA_KEY = 'clientSide';

/** The flag metadata forwarded to the widget unless {@link EvaluateWidgetFlagsOptions.metadataKeys} says otherwise. */
export const DEFAULT_FORWARDED_METADATA: readonly string[] = ['flagSetId', 'version', 'kind'];

/** The evaluation methods {@link evaluateWidgetFlags} uses: any OpenFeature server `Client` has them. */
export type WidgetFlagsClient = Pick<
  Client,
  'getBooleanDetails' | 'getStringDetails' | 'getNumberDetails' | 'getObjectDetails'
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
 * Only results leave the server: value, variant, reason, error code and an allowlist of metadata.
 * Flags must carry `metadata.clientSide: true`; the check uses the metadata the provider returns
 * with each evaluation, so a flag that is not client-side is refused after its evaluation and
 * before anything is returned. Failed evaluations (e.g. `FLAG_NOT_FOUND`) carry no value and are
 * passed on as errors, so the widget falls back to its own default.
 *
 * @param client an OpenFeature server client (`OpenFeature.getClient()`).
 * @param flags flag key → default value; see {@link WidgetFlagDefaults}.
 * @param context the evaluation context, e.g. from {@link contextFromMcpRequest}.
 * @throws {NotClientSideFlagError} naming every requested flag not marked client-side.
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
  const details = await Promise.all(
    keys.map((key) => evaluateOne(client, key, flags[key] as FlagValue, context, options.evaluationOptions)),
  );
  const results: Record<string, WidgetFlagResult> = {};
  const refused: string[] = [];
  details.forEach((detail, i) => {
    const key = keys[i] as string;
    if (detail.errorCode !== undefined) {
      // No value to leak: the widget gets the error and uses its own default.
      results[key] = { reason: detail.reason ?? 'ERROR', errorCode: detail.errorCode };
      return;
    }
    if (detail.flagMetadata[CLIENT_SIDE_METADATA_KEY] !== true) {
      refused.push(key);
      return;
    }
    const result: WidgetFlagResult = { reason: detail.reason ?? 'UNKNOWN' };
    // A disabled flag means "use the caller's default": the widget's own default, not the server's.
    if (detail.reason !== 'DISABLED') result.value = detail.value as JsonValue;
    if (detail.variant !== undefined) result.variant = detail.variant;
    const metadata = pickMetadata(detail.flagMetadata, metadataKeys);
    if (metadata) result.flagMetadata = metadata;
    results[key] = result;
  });
  if (refused.length > 0) throw new NotClientSideFlagError(refused);
  const payload: WidgetFlagsPayload = { v: PAYLOAD_VERSION, flags: results };
  if (options.issuedAt !== false) payload.issuedAt = options.issuedAt ?? Date.now();
  return payload;
}
