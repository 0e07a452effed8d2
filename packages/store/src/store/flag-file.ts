/**
 * The file behind `MemoryFlagStore`'s `file` option: every set with its version and audit log, so
 * a single-machine server without Redis keeps its flags, their history and its change-feed
 * positions across a restart. Written whole, atomically (a temporary file, flushed to disk, then
 * renamed over the old one), so a crash leaves either the old file or the new one, never half.
 */
import type { FlagSetDocument } from '@ensign/core';
import type { AuditEntry } from '../flag-store.js';
import { type VersionedFileKind, readVersionedFile, writeVersionedFile } from './versioned-file.js';

/** Written into the file so that a foreign JSON file is recognised as such. */
export const FLAG_FILE_FORMAT = 'ensign-memory-flag-store';
/** Bumped when the file's layout changes incompatibly. */
export const FLAG_FILE_FORMAT_VERSION = 1;

const FLAG_FILE: VersionedFileKind = {
  owner: 'MemoryFlagStore',
  kind: 'a flag-store file',
  format: FLAG_FILE_FORMAT,
  formatVersion: FLAG_FILE_FORMAT_VERSION,
  advice: 'Restore it from a backup, or move it away to start empty.',
};

/** One set as the file holds it. */
export interface FileFlagSet {
  readonly flagSet: string;
  readonly version: number;
  readonly document: FlagSetDocument;
  /** Oldest first. */
  readonly log: readonly AuditEntry[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const isVersion = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** What is wrong with one set of a parsed file, or `undefined`. */
function problemOf(set: unknown, index: number): string | undefined {
  if (!isObject(set)) return `sets[${index}] is not an object`;
  if (typeof set.flagSet !== 'string' || set.flagSet === '' || /[{}]/.test(set.flagSet))
    return `sets[${index}].flagSet is not a set id`;
  const where = `set "${set.flagSet}"`;
  if (!isVersion(set.version)) return `${where}: version is not a non-negative integer`;
  if (!isObject(set.document) || !isObject(set.document.flags))
    return `${where}: document.flags is not an object`;
  if (!Array.isArray(set.log)) return `${where}: log is not a list`;
  let previous = 0;
  for (const entry of set.log as unknown[]) {
    if (
      !isObject(entry) ||
      typeof entry.id !== 'string' ||
      !/^\d+-\d+$/.test(entry.id) ||
      !isVersion(entry.version)
    )
      return `${where}: a log entry lacks its id or version`;
    if (entry.version <= previous || entry.version > set.version)
      return `${where}: log versions are not increasing up to the set's version`;
    previous = entry.version;
  }
  return undefined;
}

/**
 * Reads the sets from `file`; `undefined` when it does not exist yet.
 * @throws {Error} naming the file and the option when it cannot be read or is not a store file.
 */
export function readFlagFile(file: string): FileFlagSet[] | undefined {
  const read = readVersionedFile(file, FLAG_FILE);
  if (read === undefined) return undefined;
  const { fields: parsed, corrupt } = read;
  if (!Array.isArray(parsed.sets)) throw corrupt('"sets" is not a list');
  const seen = new Set<string>();
  for (const [index, set] of (parsed.sets as unknown[]).entries()) {
    const problem = problemOf(set, index);
    if (problem) throw corrupt(problem);
    const id = (set as FileFlagSet).flagSet;
    if (seen.has(id)) throw corrupt(`set "${id}" appears twice`);
    seen.add(id);
  }
  return parsed.sets as FileFlagSet[];
}

/**
 * Replaces `file` with `sets`, atomically and durably: written to a temporary file beside it,
 * flushed to disk, then renamed over it. Owner-only permissions: targeting rules may hold user ids.
 */
export function writeFlagFile(file: string, sets: Iterable<FileFlagSet>): void {
  // Sets as a list: a set id such as `__proto__` must not become a prototype.
  writeVersionedFile(file, FLAG_FILE, { sets: [...sets] });
}
