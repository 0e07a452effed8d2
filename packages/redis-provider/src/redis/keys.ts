/**
 * The Redis key layout of one flag set. Every key carries the set id as a hash tag, so all of a
 * set's keys live in one cluster slot and one script or transaction can touch them together.
 */

/** Key prefix used when none is configured. */
export const DEFAULT_KEY_PREFIX = 'flags:';

/** The keys and channel of one flag set. */
export interface FlagSetKeys {
  /** Hash: flag key → flag JSON. */
  readonly defs: string;
  /** Hash: `version`, `metadata` (JSON), `$evaluators` (JSON). */
  readonly meta: string;
  /** Stream: the audit log, one entry per write. */
  readonly log: string;
  /** Pub/sub channel: one `FlagSetChangeNotice` (JSON) per write. */
  readonly changes: string;
}

/** Keys of `flagSet` under `prefix`, e.g. `flags:{app}:defs`. */
export function flagSetKeys(prefix: string, flagSet: string): FlagSetKeys {
  const base = `${prefix}{${flagSet}}:`;
  return { defs: `${base}defs`, meta: `${base}meta`, log: `${base}log`, changes: `${base}changes` };
}

/** Fields of the meta hash. */
export const META_FIELDS = { version: 'version', metadata: 'metadata', evaluators: '$evaluators' } as const;
