/**
 * The file behind `MemoryFlagStore`'s `file` option: every set with its version and audit log, so
 * a single-machine server without Redis keeps its flags, their history and its change-feed
 * positions across a restart. Written whole, atomically (a temporary file, flushed to disk, then
 * renamed over the old one), so a crash leaves either the old file or the new one, never half.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { FlagSetDocument } from '@ensign/core';
import type { AuditEntry } from '../flag-store.js';

/** Written into the file so that a foreign JSON file is recognised as such. */
export const FLAG_FILE_FORMAT = 'ensign-memory-flag-store';
/** Bumped when the file's layout changes incompatibly. */
export const FLAG_FILE_FORMAT_VERSION = 1;

/** One set as the file holds it. */
export interface FileFlagSet {
  readonly flagSet: string;
  readonly version: number;
  readonly document: FlagSetDocument;
  /** Oldest first. */
  readonly log: readonly AuditEntry[];
}

/** What the file holds (sets as a list: a set id such as `__proto__` must not become a prototype). */
interface FlagFile {
  format: typeof FLAG_FILE_FORMAT;
  formatVersion: number;
  sets: FileFlagSet[];
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`MemoryFlagStore: cannot read the file ${file} (option "file")`, { cause: error });
  }
  const corrupt = (why: string, cause?: unknown) =>
    new Error(
      `MemoryFlagStore: the file ${file} (option "file") is not a flag-store file: ${why}. ` +
        'Restore it from a backup, or move it away to start empty.',
      cause === undefined ? undefined : { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(`it is not valid JSON (${(error as Error).message})`, error);
  }
  if (!isObject(parsed) || parsed.format !== FLAG_FILE_FORMAT)
    throw corrupt(`"format" is not "${FLAG_FILE_FORMAT}"`);
  if (parsed.formatVersion !== FLAG_FILE_FORMAT_VERSION)
    throw corrupt(`format version ${String(parsed.formatVersion)} is not ${FLAG_FILE_FORMAT_VERSION}`);
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
  const content: FlagFile = {
    format: FLAG_FILE_FORMAT,
    formatVersion: FLAG_FILE_FORMAT_VERSION,
    sets: [...sets],
  };
  const text = JSON.stringify(content);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Error(`MemoryFlagStore: cannot write the file ${file} (option "file"); nothing was changed`, {
      cause: error,
    });
  }
}
