/**
 * Files that keep state on one machine (`MemoryFlagStore`'s `file`, the server state's): JSON with
 * a `format` name and a `formatVersion`, read with errors that name the file, the option and what
 * is wrong, and written whole, atomically and durably (a temporary file beside it, flushed to disk,
 * then renamed over it, so a crash leaves the old file or the new one, never half of either) with
 * owner-only permissions (flags may hold user ids; the server state holds token hashes and
 * webhook secrets).
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

/** What a kind of file is called, and what its errors say. */
export interface VersionedFileKind {
  /** Who owns the file, in messages: `MemoryFlagStore`. */
  readonly owner: string;
  /** What the file is, in messages: `a flag-store file`. */
  readonly kind: string;
  /** The `format` written into the file, so a foreign JSON file is recognised as such. */
  readonly format: string;
  /** The `formatVersion`, bumped when the layout changes incompatibly. */
  readonly formatVersion: number;
  /** What to do about a corrupt file, appended to its error: `Restore it from a backup, …`. */
  readonly advice: string;
}

/** A file read: its fields, and how to report more that is wrong with them. */
export interface VersionedFileContent {
  readonly fields: Readonly<Record<string, unknown>>;
  /** The error for a file whose content is wrong (`why` names what). */
  corrupt(why: string, cause?: unknown): Error;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Reads `file` of `kind`; `undefined` when it does not exist yet.
 * @throws {Error} naming the file and the option when it cannot be read, is not JSON, or is not of
 * this format and version.
 */
export function readVersionedFile(file: string, kind: VersionedFileKind): VersionedFileContent | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${kind.owner}: cannot read the file ${file} (option "file")`, { cause: error });
  }
  const corrupt = (why: string, cause?: unknown) =>
    new Error(
      `${kind.owner}: the file ${file} (option "file") is not ${kind.kind}: ${why}. ${kind.advice}`,
      cause === undefined ? undefined : { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(`it is not valid JSON (${(error as Error).message})`, error);
  }
  if (!isObject(parsed) || parsed.format !== kind.format) throw corrupt(`"format" is not "${kind.format}"`);
  if (parsed.formatVersion !== kind.formatVersion)
    throw corrupt(`format version ${String(parsed.formatVersion)} is not ${kind.formatVersion}`);
  return { fields: parsed, corrupt };
}

/**
 * Replaces `file` with `fields` (plus the kind's format and version), atomically and durably.
 * @throws {Error} naming the file and the option when it cannot be written; the old file is kept.
 */
export function writeVersionedFile(
  file: string,
  kind: VersionedFileKind,
  fields: Readonly<Record<string, unknown>>,
): void {
  const text = JSON.stringify({ format: kind.format, formatVersion: kind.formatVersion, ...fields });
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
    throw new Error(`${kind.owner}: cannot write the file ${file} (option "file"); nothing was changed`, {
      cause: error,
    });
  }
}
