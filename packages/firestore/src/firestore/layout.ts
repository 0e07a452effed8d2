/**
 * Where a flag set lives in Firestore, and how ids, flag keys and feed positions are spelled:
 *
 * - `<collection>/<set>`: `flagSet` (the id), `version`, `metadata` and `evaluators` (JSON text)
 * - `<collection>/<set>/flags/<key>`: `key` (the flag key) and `flag` (the flag as JSON text)
 * - `<collection>/<set>/log/<version>`: one audit entry per version (the change feed)
 *
 * Document ids are escaped so that any flag key or set id fits (see {@link documentId}).
 */
import { createHash } from 'node:crypto';
import type { CollectionReference, DocumentReference, Firestore } from '@google-cloud/firestore';

/** Default collection holding one document per flag set. */
export const DEFAULT_COLLECTION = 'flagSets';

/** Subcollection of a set's flags. */
export const FLAGS = 'flags';
/** Subcollection of a set's audit log. */
export const LOG = 'log';

/** Field names of the documents this package writes. */
export const FIELDS = {
  flagSet: 'flagSet',
  version: 'version',
  metadata: 'metadata',
  evaluators: 'evaluators',
  key: 'key',
  flag: 'flag',
  operation: 'operation',
  flagKey: 'flagKey',
  actor: 'actor',
  reason: 'reason',
  at: 'at',
  before: 'before',
  after: 'after',
  writeId: 'writeId',
} as const;

/** Digits of a log document id: every safe integer fits, and ids sort like versions. */
const POSITION_DIGITS = 16;

/** Firestore's bound on a document id, in UTF-8 bytes (with room to spare). */
const MAX_ID_BYTES = 1_000;

const VERBATIM = /^[A-Za-z0-9_.-]$/;

/**
 * A Firestore document id for any non-empty string: ASCII letters, digits, `-`, `_` and `.` stay
 * as they are, every other UTF-8 byte (and a leading `_` or `.`) becomes `%XX`. The result never
 * contains `/`, is never `.` or `..`, never matches Firestore's reserved `__.*__`, and maps back
 * one to one. An id longer than Firestore allows becomes `~` and its SHA-256 (the document keeps
 * the original in a field).
 */
export function documentId(text: string): string {
  let id = '';
  let first = true;
  for (const char of text) {
    if (VERBATIM.test(char) && !(first && (char === '_' || char === '.'))) id += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        id += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    first = false;
  }
  if (Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES) return id;
  return `~${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** The string a {@link documentId} stands for; `undefined` for a hashed or foreign id. */
export function fromDocumentId(id: string): string | undefined {
  if (id.startsWith('~')) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/** The feed position of a version: the id of its log document. `''` for version 0. */
export function positionOf(version: number): string {
  return version === 0 ? '' : String(version).padStart(POSITION_DIGITS, '0');
}

/** The version a position stands for (`''`: 0); `undefined` if it is not a position of this store. */
export function versionOfPosition(position: string): number | undefined {
  if (position === '') return 0;
  if (!/^\d{1,16}$/.test(position)) return undefined;
  const version = Number(position);
  return Number.isSafeInteger(version) ? version : undefined;
}

/** The documents of one flag set. */
export interface SetRefs {
  readonly set: DocumentReference;
  readonly flags: CollectionReference;
  readonly log: CollectionReference;
  flag(flagKey: string): DocumentReference;
  entry(version: number): DocumentReference;
}

/** The references of `flagSet` under `collection`. */
export function setRefs(firestore: Firestore, collection: string, flagSet: string): SetRefs {
  const set = firestore.collection(collection).doc(documentId(flagSet));
  const flags = set.collection(FLAGS);
  const log = set.collection(LOG);
  return {
    set,
    flags,
    log,
    flag: (flagKey) => flags.doc(documentId(flagKey)),
    entry: (version) => log.doc(positionOf(version)),
  };
}
