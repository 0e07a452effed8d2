/**
 * The file behind `MemoryServerState`'s `file` option. Records are lists of tuples rather than
 * objects keyed by id, so an id such as `__proto__` stays an id. Written atomically and durably (a
 * temporary file beside it, flushed to disk, renamed over it) with owner-only permissions: it holds
 * token hashes and webhook secrets.
 */
import { type VersionedFileKind, readVersionedFile, writeVersionedFile } from '@ensign/store';

/** Written into the file so that a foreign JSON file is recognised as such. */
export const STATE_FILE_FORMAT = 'ensign-server-state';
/** Bumped when the layout changes incompatibly. */
export const STATE_FILE_FORMAT_VERSION = 1;

const STATE_FILE: VersionedFileKind = {
  owner: 'MemoryServerState',
  kind: 'a server-state file',
  format: STATE_FILE_FORMAT,
  formatVersion: STATE_FILE_FORMAT_VERSION,
  advice: 'Restore it from a backup, or move it away to start empty (tokens and webhooks are then lost).',
};

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
  const read = readVersionedFile(file, STATE_FILE);
  if (read === undefined) return undefined;
  const { fields: parsed, corrupt } = read;
  const problem = problemOf(parsed);
  if (problem) throw corrupt(problem);
  return parsed as unknown as StateFile;
}

/** Replaces `file` with `state`, atomically and durably (owner-only: it holds token hashes). */
export function writeStateFile(file: string, state: StateFile): void {
  writeVersionedFile(file, STATE_FILE, { ...state });
}
