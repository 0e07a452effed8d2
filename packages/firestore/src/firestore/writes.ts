/**
 * The reads a write depends on, and the one atomic commit that applies it. A commit is a single
 * Firestore `Commit` (a write batch: all of it or nothing) whose compare-and-set is a
 * precondition on the set document's update time: every write through the store updates that
 * document (it bumps the version), so "unchanged since read" is exactly "no write since". The
 * reads before it take no locks, so racing writers never wait on each other: the loser's commit
 * fails at once, and it reads again.
 */
import { type CommitRequest, type FlagSetSnapshot, encodeFlag } from '@ensign/store';
import {
  type DocumentSnapshot,
  FieldValue,
  type Firestore,
  type Timestamp,
  type Transaction,
  type WriteBatch,
} from '@google-cloud/firestore';
import { type RawSetDoc, decodeDocument, encodeEntry, readFlagDoc, readSetDoc } from './codec.js';
import { FIELDS, type SetRefs, documentId, positionOf } from './layout.js';

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

/** Does the guard of `request` still hold on `fresh`, given what the snapshot was read from? */
export function guardHolds(request: CommitRequest, original: BaseRead | undefined, fresh: BaseRead): boolean {
  const { guard, plan, snapshot } = request;
  if (guard === 'flag' && plan.flagKey !== undefined && original) {
    return fresh.flagText === original.flagText && fresh.set.evaluators === original.set.evaluators;
  }
  return fresh.set.version === snapshot.version;
}

/** Options of {@link buildCommit}. */
export interface CommitShape {
  readonly firestore: Firestore;
  readonly refs: SetRefs;
  readonly request: CommitRequest;
  readonly base: BaseRead;
  /** Log entries kept: the entry that falls out is deleted in the same commit. */
  readonly maxLogLength: number;
}

/**
 * The batch that applies `request` at version `base + 1`: the set document (compare-and-set on its
 * update time, or created if absent), the flags that changed, the audit entry with the write id
 * and the server's time, and the log entry that falls out of `maxLogLength`.
 */
export function buildCommit({ firestore, refs, request, base, maxLogLength }: CommitShape): {
  batch: WriteBatch;
  version: number;
} {
  const { flagSet, plan, options, writeId } = request;
  const version = base.set.version + 1;
  const batch = firestore.batch();
  const setFields: Record<string, unknown> = { [FIELDS.version]: version };
  if (plan.replaceAll) {
    const { metadata, $evaluators } = plan.document;
    setFields[FIELDS.metadata] = metadata === undefined ? FieldValue.delete() : JSON.stringify(metadata);
    setFields[FIELDS.evaluators] =
      $evaluators === undefined ? FieldValue.delete() : JSON.stringify($evaluators);
  }
  if (base.updateTime !== undefined) {
    batch.update(refs.set, setFields, { lastUpdateTime: base.updateTime });
  } else {
    const created: Record<string, unknown> = { [FIELDS.flagSet]: flagSet };
    for (const [field, value] of Object.entries(setFields)) {
      if (!(value instanceof FieldValue)) created[field] = value;
    }
    batch.create(refs.set, created);
  }
  if (plan.replaceAll) {
    // Only what changed is written: a revert of one flag in a large set stays a small commit.
    const kept = new Set<string>();
    for (const [key, flag] of Object.entries(plan.put)) {
      const id = documentId(key);
      kept.add(id);
      const text = encodeFlag(flag);
      const stored = base.flags?.get(id);
      if (stored?.text !== text || stored.key !== key) {
        batch.set(refs.flags.doc(id), { [FIELDS.key]: key, [FIELDS.flag]: text });
      }
    }
    for (const id of base.flags?.keys() ?? []) if (!kept.has(id)) batch.delete(refs.flags.doc(id));
  } else {
    for (const [key, flag] of Object.entries(plan.put)) {
      batch.set(refs.flag(key), { [FIELDS.key]: key, [FIELDS.flag]: encodeFlag(flag) });
    }
    for (const key of plan.remove) batch.delete(refs.flag(key));
  }
  batch.set(refs.entry(version), {
    [FIELDS.version]: version,
    [FIELDS.at]: FieldValue.serverTimestamp(),
    ...encodeEntry(
      {
        operation: plan.operation,
        ...(plan.flagKey !== undefined && { flagKey: plan.flagKey }),
        actor: options.actor ?? 'unknown',
        ...(options.reason !== undefined && { reason: options.reason }),
        before: plan.before,
        after: plan.after,
      },
      writeId,
    ),
  });
  if (version > maxLogLength) batch.delete(refs.entry(version - maxLogLength));
  return { batch, version };
}
