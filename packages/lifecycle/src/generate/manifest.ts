/**
 * OpenFeature CLI manifests from a flag set: the sync API's envelope (`GET
 * …/openfeature/v0/manifest`, `{ flags: [{ key, type, defaultValue, description? }] }`), which
 * `openfeature pull --provider-url` reads, and the manifest file `openfeature generate` reads
 * (`{ flags: { key: { flagType, defaultValue, description? } } }`). Types and defaults are those
 * of the typed accessors; numbers are `integer` when every variant is one, else `float` (the file
 * schema has it; the sync API's schema lists no float type yet).
 */
import type { FlagDefinition, FlagSetDocument, JsonValue } from '@ensign/core';
import { textOf } from '../status/kinds.js';
import { codeDefaultOf, flagTypeOf, integerValued } from './flag-type.js';

/** A manifest flag type. */
export type ManifestFlagType = 'boolean' | 'string' | 'integer' | 'float' | 'object';

/** One flag of the sync API's manifest. */
export interface ManifestFlag {
  readonly key: string;
  readonly name?: string;
  readonly type: ManifestFlagType;
  readonly description?: string;
  readonly defaultValue: JsonValue;
}

/** The sync API's manifest envelope. */
export interface ManifestEnvelope {
  readonly flags: readonly ManifestFlag[];
}

/** The JSON Schema of OpenFeature CLI manifest files. */
export const MANIFEST_FILE_SCHEMA =
  'https://raw.githubusercontent.com/open-feature/cli/main/schema/v0/flag-manifest.json';

/** The manifest flags of a set (flags of mixed types are left out), by key. */
export function manifestFlagsOf(document: FlagSetDocument): ManifestFlag[] {
  const out: ManifestFlag[] = [];
  for (const key of Object.keys(document.flags).sort()) {
    const flag = document.flags[key] as unknown;
    if (typeof flag !== 'object' || flag === null || Array.isArray(flag)) continue;
    const definition = flag as FlagDefinition;
    const type = flagTypeOf(definition);
    if (type === undefined) continue;
    const description = textOf(definition.metadata, 'description');
    const name = textOf(definition.metadata, 'name');
    out.push({
      key,
      ...(name !== undefined && { name }),
      type: type === 'number' ? (integerValued(definition) ? 'integer' : 'float') : type,
      ...(description !== undefined && { description }),
      defaultValue: codeDefaultOf(definition, type),
    });
  }
  return out;
}

/** The sync API's answer for a set. */
export function manifestEnvelopeOf(document: FlagSetDocument): ManifestEnvelope {
  return { flags: manifestFlagsOf(document) };
}

/** An OpenFeature CLI manifest file for a set (`openfeature generate --manifest FILE`). */
export function manifestFileOf(document: FlagSetDocument): {
  $schema: string;
  flags: Record<string, { flagType: ManifestFlagType; defaultValue: JsonValue; description?: string }>;
} {
  // fromEntries: a key such as `__proto__` stays a key.
  const flags = Object.fromEntries(
    manifestFlagsOf(document).map((flag) => [
      flag.key,
      {
        flagType: flag.type,
        defaultValue: flag.defaultValue,
        ...(flag.description !== undefined && { description: flag.description }),
      },
    ]),
  );
  return { $schema: MANIFEST_FILE_SCHEMA, flags };
}
