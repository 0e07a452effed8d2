/**
 * Flag kinds, as the `kind` metadata names them, and what each implies for a flag's life: release
 * and experiment flags are temporary (they are debt once their outcome is settled), ops (kill
 * switch) and permission flags are meant to stay.
 */
import type { MetadataValue } from '@ensign/core';

/** The kinds the lifecycle knows, in the order reports list them. */
export const FLAG_KINDS = ['release', 'experiment', 'ops', 'kill-switch', 'permission'] as const;

/** A flag kind. */
export type FlagKind = (typeof FLAG_KINDS)[number];

/** Spellings teams use for a kind, mapped to the kind (compared without case). */
const ALIASES: Readonly<Record<string, FlagKind>> = {
  release: 'release',
  experiment: 'experiment',
  experimentation: 'experiment',
  ops: 'ops',
  operational: 'ops',
  'kill-switch': 'kill-switch',
  kill_switch: 'kill-switch',
  killswitch: 'kill-switch',
  permission: 'permission',
};

/** What a flag's metadata says about its kind. */
export interface DeclaredKind {
  /** The kind, when the metadata names a known one (or an alias of one). */
  readonly kind?: FlagKind;
  /** The value written, when there is one (also when it names no known kind). */
  readonly declared?: string;
}

/**
 * The kind a flag's metadata declares.
 * @example
 * declaredKind({ kind: 'Kill_Switch' }) // → { kind: 'kill-switch', declared: 'Kill_Switch' }
 */
export function declaredKind(metadata: Readonly<Record<string, MetadataValue>> | undefined): DeclaredKind {
  const value = metadata !== undefined && Object.hasOwn(metadata, 'kind') ? metadata.kind : undefined;
  if (typeof value !== 'string' || value.trim() === '') return {};
  const kind = Object.hasOwn(ALIASES, value.trim().toLowerCase())
    ? ALIASES[value.trim().toLowerCase()]
    : undefined;
  return kind === undefined ? { declared: value } : { kind, declared: value };
}

/** A string metadata value, trimmed; `undefined` when absent, empty or not a string. */
export function textOf(
  metadata: Readonly<Record<string, MetadataValue>> | undefined,
  key: string,
): string | undefined {
  const value = metadata !== undefined && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
