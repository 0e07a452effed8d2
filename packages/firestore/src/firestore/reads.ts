/**
 * Consistent reads of a set without locks: the set document and its flags at one read time,
 * what a write depends on (the base of its compare-and-set), and whether a write id was applied.
 */
import type { FlagSetSnapshot } from '@ensign/store';
import type { DocumentSnapshot, Firestore, Timestamp, Transaction } from '@google-cloud/firestore';
import { type RawSetDoc, decodeDocument, readFlagDoc, readSetDoc } from './codec.js';
import { FIELDS, type SetRefs, positionOf } from './layout.js';

/** What a commit depends on, as read at one point in time. */
export interface BaseRead {
  /** The set document's update time (the compare-and-set); `undefined` when it does not exist. */
  readonly updateTime: Timestamp | undefined;
  readonly set: RawSetDoc;
  /** Single-flag writes: the flag's stored text (`undefined`: absent). */
  readonly flagText?: string | undefined;
  /** Whole-set writes: every stored flag by document id. */
  readonly flags?: ReadonlyMap<string, { key: string; text: string }>;
}

/** A whole set read at one point in time: the snapshot, what it was decoded from, what failed. */
export interface WholeRead {
  readonly snapshot: FlagSetSnapshot;
  readonly base: BaseRead;
  readonly problems: string[];
}

/**
 * Reads the set document, then every flag (and whether `writeId` was applied) at the same read
 * time: one consistent snapshot without a transaction's locks.
 */
export async function readWhole(
  firestore: Firestore,
  refs: SetRefs,
  flagSet: string,
  writeId?: string,
): Promise<WholeRead & { applied: number | undefined }> {
  const setDoc = await refs.set.get();
  const set = readSetDoc(flagSet, setDoc);
  const [flagDocs, applied] = await atReadTime(firestore, setDoc.readTime, (tx) =>
    Promise.all([tx.get(refs.flags), appliedVersion(tx, refs, writeId)]),
  );
  const flags = new Map<string, { key: string; text: string }>();
  for (const doc of flagDocs.docs) flags.set(doc.id, readFlagDoc(doc));
  const problems: string[] = [];
  const document = decodeDocument(set, flags.values(), problems);
  return {
    snapshot: { flagSet, version: set.version, document, position: positionOf(set.version) },
    base: { updateTime: setDoc.exists ? setDoc.updateTime : undefined, set, flags },
    problems,
    applied,
  };
}

/** Reads the set document and one flag (one batch read: one point in time), and whether `writeId` was applied. */
export async function readOne(
  firestore: Firestore,
  refs: SetRefs,
  flagSet: string,
  flagKey: string,
  writeId?: string,
): Promise<{ snapshot: FlagSetSnapshot; base: BaseRead; applied: number | undefined }> {
  const [setDoc, flagDoc] = (await firestore.getAll(refs.set, refs.flag(flagKey))) as [
    DocumentSnapshot,
    DocumentSnapshot,
  ];
  const set = readSetDoc(flagSet, setDoc);
  const flagText = flagDoc.exists ? readFlagDoc(flagDoc).text : undefined;
  const document = decodeDocument(set, flagText === undefined ? [] : [{ key: flagKey, text: flagText }], []);
  const applied =
    writeId === undefined
      ? undefined
      : await atReadTime(firestore, setDoc.readTime, (tx) => appliedVersion(tx, refs, writeId));
  return {
    snapshot: { flagSet, version: set.version, document, position: positionOf(set.version) },
    base: { updateTime: setDoc.exists ? setDoc.updateTime : undefined, set, flagText },
    applied,
  };
}

/**
 * Runs reads at a past read time. (A read-only transaction without one would start lazily, and
 * the client leaves that start unhandled when its first read fails: an unhandled rejection.)
 */
function atReadTime<T>(
  firestore: Firestore,
  readTime: Timestamp,
  reads: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return firestore.runTransaction(reads, { readOnly: true, readTime });
}

/** The version at which a write with this id was applied, if its log entry is still kept. */
async function appliedVersion(tx: Transaction, refs: SetRefs, writeId?: string): Promise<number | undefined> {
  if (writeId === undefined) return undefined;
  const found = await tx.get(refs.log.where(FIELDS.writeId, '==', writeId).limit(1));
  const version: unknown = found.docs[0]?.get(FIELDS.version);
  return typeof version === 'number' ? version : undefined;
}
