/**
 * Firestore documents to and from the store's values. Flags, set metadata, `$evaluators` and an
 * entry's before and after are stored as JSON text: Firestore refuses nested arrays, which flagd's
 * `fractional` rules hold, and text keeps a flag exactly as written. A stored flag that does not
 * decode stays the raw text it is (the evaluator isolates it as `PARSE_ERROR`); a corrupt
 * `version` is refused outright, because every reader compares versions.
 */
import type { FlagDefinition, FlagSetDocument, JsonValue, MetadataValue } from '@ensign/core';
import {
  type AuditEntry,
  FlagStoreError,
  type WriteOperation,
  decodeFlag,
  setOwn,
  tooDeep,
} from '@ensign/store';
import type { DocumentSnapshot, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { FIELDS, fromDocumentId, positionOf } from './layout.js';

const OPERATIONS: ReadonlySet<string> = new Set<WriteOperation>([
  'put',
  'delete',
  'patch',
  'replace',
  'revert',
]);

/** The stored text of a set document, as read. */
export interface RawSetDoc {
  /** 0 when the document does not exist. */
  readonly version: number;
  readonly metadata: string | undefined;
  readonly evaluators: string | undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads a set document; refuses a `version` that is not a non-negative integer. */
export function readSetDoc(flagSet: string, doc: DocumentSnapshot): RawSetDoc {
  if (!doc.exists) return { version: 0, metadata: undefined, evaluators: undefined };
  const version: unknown = doc.get(FIELDS.version);
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new FlagStoreError(
      flagSet,
      `field "version" of ${doc.ref.path} is not a non-negative integer (${JSON.stringify(version)?.slice(0, 40)}): ` +
        'it was changed by hand; set it back to the version of the newest log entry',
    );
  }
  return {
    version,
    metadata: text(doc.get(FIELDS.metadata)),
    evaluators: text(doc.get(FIELDS.evaluators)),
  };
}

/** One stored flag: its key and text (non-text values become text, and fail to decode as flags). */
export function readFlagDoc(doc: QueryDocumentSnapshot | DocumentSnapshot): { key: string; text: string } {
  const key = text(doc.get(FIELDS.key)) ?? fromDocumentId(doc.id) ?? doc.id;
  const value: unknown = doc.get(FIELDS.flag);
  return { key, text: typeof value === 'string' ? value : `(not JSON text: ${typeof value})` };
}

function decodeObjectField(name: string, value: string | undefined, problems: string[]): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    problems.push(`field "${name}" is not valid JSON (${(error as Error).message}); ignored`);
    return undefined;
  }
}

/** A document from the set's stored text; `problems` lists what did not decode. */
export function decodeDocument(
  set: RawSetDoc,
  flags: Iterable<{ key: string; text: string }>,
  problems: string[],
): FlagSetDocument {
  const document: FlagSetDocument = { flags: {} };
  for (const { key, text: stored } of flags) {
    const decoded = decodeFlag(stored);
    setOwn(document.flags, key, (decoded.ok ? decoded.flag : decoded.raw) as FlagDefinition);
    if (!decoded.ok) problems.push(`flag "${key}" cannot be read (${decoded.problem})`);
  }
  const metadata = decodeObjectField(FIELDS.metadata, set.metadata, problems);
  if (metadata !== undefined) document.metadata = metadata as Record<string, MetadataValue>;
  const evaluators = decodeObjectField(FIELDS.evaluators, set.evaluators, problems);
  if (evaluators !== undefined) document.$evaluators = evaluators as Record<string, JsonValue>;
  return document;
}

/** An audit entry's fields as written, but `version` and `at` (the commit adds those). */
export type EntryFields = Record<string, string>;

/** The fields of a log document, but `version` and `at`. */
export function encodeEntry(
  entry: Pick<AuditEntry, 'operation' | 'flagKey' | 'actor' | 'reason' | 'before' | 'after'>,
  writeId: string,
): EntryFields {
  const fields: EntryFields = {
    [FIELDS.operation]: entry.operation,
    [FIELDS.actor]: entry.actor,
    [FIELDS.before]: JSON.stringify(entry.before),
    [FIELDS.after]: JSON.stringify(entry.after),
    [FIELDS.writeId]: writeId,
  };
  if (entry.flagKey !== undefined) fields[FIELDS.flagKey] = entry.flagKey;
  if (entry.reason !== undefined) fields[FIELDS.reason] = entry.reason;
  return fields;
}

function parseState(value: unknown): AuditEntry['before'] {
  if (typeof value !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // An entry edited by hand with a broken value: show the text rather than lose the entry.
    return value as unknown as AuditEntry['before'];
  }
  // A flag nested beyond any valid one (whole-set entries hold it two levels down) stays text.
  return (tooDeep(parsed, 2) ? value : parsed) as AuditEntry['before'];
}

function isoTime(doc: QueryDocumentSnapshot): string {
  const at: unknown = doc.get(FIELDS.at);
  if (at !== null && typeof at === 'object' && 'toDate' in at && typeof at.toDate === 'function') {
    return (at.toDate() as Date).toISOString();
  }
  return doc.createTime.toDate().toISOString();
}

/** Decodes one log document; `undefined` if it is not an audit entry this package wrote. */
export function decodeEntry(flagSet: string, doc: QueryDocumentSnapshot): AuditEntry | undefined {
  const version: unknown = doc.get(FIELDS.version);
  const operation: unknown = doc.get(FIELDS.operation);
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) return undefined;
  if (typeof operation !== 'string' || !OPERATIONS.has(operation)) return undefined;
  const flagKey = text(doc.get(FIELDS.flagKey));
  const reason = text(doc.get(FIELDS.reason));
  return {
    id: positionOf(version),
    flagSet,
    version,
    operation: operation as WriteOperation,
    ...(flagKey !== undefined && { flagKey }),
    actor: text(doc.get(FIELDS.actor)) ?? 'unknown',
    ...(reason !== undefined && { reason }),
    at: isoTime(doc),
    before: parseState(doc.get(FIELDS.before)),
    after: parseState(doc.get(FIELDS.after)),
  };
}
