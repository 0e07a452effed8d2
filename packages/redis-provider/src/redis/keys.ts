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
  /** Hash: `version`, `logpos` (the log entry of that version), `metadata` (JSON), `$evaluators` (JSON). */
  readonly meta: string;
  /** Stream: the audit log, one entry per write, and the change feed providers follow. */
  readonly log: string;
  /**
   * Pub/sub channel: one notice (JSON) per write, for providers of the previous release, which
   * followed notices instead of the log. Nothing of this release reads it.
   */
  readonly changes: string;
  /** The string key that records one write id (a day), so a re-sent write is not applied twice. */
  write(writeId: string): string;
}

/** Keys of `flagSet` under `prefix`, e.g. `flags:{app}:defs`. */
export function flagSetKeys(prefix: string, flagSet: string): FlagSetKeys {
  const base = `${prefix}{${flagSet}}:`;
  return {
    defs: `${base}defs`,
    meta: `${base}meta`,
    log: `${base}log`,
    changes: `${base}changes`,
    write: (writeId) => `${base}write:${writeId}`,
  };
}

/** Fields of the meta hash. */
export const META_FIELDS = {
  version: 'version',
  /** The stream id of the entry that made `version`: where a reader of a snapshot follows from. */
  position: 'logpos',
  metadata: 'metadata',
  evaluators: '$evaluators',
} as const;
