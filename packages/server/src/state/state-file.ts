/**
 * The file behind `MemoryServerState`'s `file` option. Records are lists of tuples rather than
 * objects keyed by id, so an id such as `__proto__` stays an id. Written atomically and durably (a
 * temporary file beside it, flushed to disk, renamed over it) with owner-only permissions: it holds
 * token hashes and webhook secrets.
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

/** Written into the file so that a foreign JSON file is recognised as such. */
export const STATE_FILE_FORMAT = 'ensign-server-state';
/** Bumped when the layout changes incompatibly. */
export const STATE_FILE_FORMAT_VERSION = 1;

/** What the file holds. */
export interface StateFile {
  documents: [namespace: string, id: string, doc: { value: unknown; version: number; expiresAt?: number }][];
  counters: [namespace: string, id: string, counters: [name: string, value: number][], expiresAt?: number][];
  leases: [name: string, lease: { token: number; owner?: string; expiresAt: number }][];
}

const isInteger = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What is wrong with the parsed file, or `undefined`. */
function problemOf(parsed: Record<string, unknown>): string | undefined {
  const { documents, counters, leases } = parsed;
  if (!Array.isArray(documents) || !Array.isArray(counters) || !Array.isArray(leases))
    return '"documents", "counters" and "leases" must be lists';
  for (const row of documents as unknown[]) {
    const [namespace, id, doc] = Array.isArray(row) ? row : [];
    if (
      !isText(namespace) ||
      !isText(id) ||
      !isObject(doc) ||
      !isInteger(doc.version, 1) ||
      !('value' in doc)
    )
      return `a document is malformed: ${JSON.stringify(row)?.slice(0, 120)}`;
    if (doc.expiresAt !== undefined && !isInteger(doc.expiresAt, 0))
      return `document ${namespace}/${id} has an invalid expiresAt`;
  }
  for (const row of counters as unknown[]) {
    const [namespace, id, values, expiresAt] = Array.isArray(row) ? row : [];
    const valid =
      Array.isArray(values) &&
      values.every(
        (v) => Array.isArray(v) && isText(v[0]) && typeof v[1] === 'number' && Number.isFinite(v[1]),
      );
    if (!isText(namespace) || !isText(id) || !valid || (expiresAt !== undefined && !isInteger(expiresAt, 0)))
      return `a counter record is malformed: ${JSON.stringify(row)?.slice(0, 120)}`;
  }
  for (const row of leases as unknown[]) {
    const [name, lease] = Array.isArray(row) ? row : [];
    if (
      !isText(name) ||
      !isObject(lease) ||
      !isInteger(lease.token, 1) ||
      !isInteger(lease.expiresAt, 0) ||
      (lease.owner !== undefined && !isText(lease.owner))
    )
      return `a lease is malformed: ${JSON.stringify(row)?.slice(0, 120)}`;
  }
  return undefined;
}

/**
 * Reads the state kept in `file`; `undefined` when it does not exist yet.
 * @throws {Error} naming the file and the option when it cannot be read or is not a state file.
 */
export function readStateFile(file: string): StateFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`MemoryServerState: cannot read the file ${file} (option "file")`, { cause: error });
  }
  const corrupt = (why: string, cause?: unknown) =>
    new Error(
      `MemoryServerState: the file ${file} (option "file") is not a server-state file: ${why}. ` +
        'Restore it from a backup, or move it away to start empty (tokens and webhooks are then lost).',
      cause === undefined ? undefined : { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(`it is not valid JSON (${(error as Error).message})`, error);
  }
  if (!isObject(parsed) || parsed.format !== STATE_FILE_FORMAT)
    throw corrupt(`"format" is not "${STATE_FILE_FORMAT}"`);
  if (parsed.formatVersion !== STATE_FILE_FORMAT_VERSION)
    throw corrupt(`format version ${String(parsed.formatVersion)} is not ${STATE_FILE_FORMAT_VERSION}`);
  const problem = problemOf(parsed);
  if (problem) throw corrupt(problem);
  return parsed as unknown as StateFile;
}

/** Replaces `file` with `state`, atomically and durably. */
export function writeStateFile(file: string, state: StateFile): void {
  const text = JSON.stringify({
    format: STATE_FILE_FORMAT,
    formatVersion: STATE_FILE_FORMAT_VERSION,
    ...state,
  });
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
    throw new Error(`MemoryServerState: cannot write the file ${file} (option "file"); nothing was changed`, {
      cause: error,
    });
  }
}
