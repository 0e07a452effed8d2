/**
 * A flag's type and the default its generated accessor passes (the value code gets when the flag
 * cannot be evaluated): the flag's off variant when it declares one (a kill switch fails safe),
 * else its default variant, else the empty value of its type.
 */
import type { FlagDefinition, JsonValue } from '@ensign/core';
import { offVariantOf } from '@ensign/store';

/** The OpenFeature type of a flag's variants. */
export type FlagType = 'boolean' | 'string' | 'number' | 'object';

function typeOfValue(value: JsonValue): FlagType | undefined {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : undefined;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? 'object' : undefined;
}

/** The one type of a flag's variants; `undefined` when they have none or several. */
export function flagTypeOf(flag: FlagDefinition): FlagType | undefined {
  const types = new Set(Object.values(flag.variants ?? {}).map(typeOfValue));
  if (types.size !== 1 || types.has(undefined)) return undefined;
  return [...types][0];
}

const EMPTY: Readonly<Record<FlagType, JsonValue>> = { boolean: false, string: '', number: 0, object: {} };

/** The default an accessor passes for `flag` (see the module comment). */
export function codeDefaultOf(flag: FlagDefinition, type: FlagType): JsonValue {
  const variants = flag.variants ?? {};
  const off = offVariantOf(flag).variant;
  if (off !== undefined) return variants[off]!;
  if (typeof flag.defaultVariant === 'string' && Object.hasOwn(variants, flag.defaultVariant))
    return variants[flag.defaultVariant]!;
  return EMPTY[type];
}

/** Whether every number variant is an integer (the manifest's `integer` rather than `float`). */
export function integerValued(flag: FlagDefinition): boolean {
  return Object.values(flag.variants ?? {}).every((v) => typeof v === 'number' && Number.isInteger(v));
}
