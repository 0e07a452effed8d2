/** Rebuilding an earlier version of a set by undoing audit entries, newest first. */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { HistoryUnavailableError } from '../errors.js';
import type { AuditEntry, FlagSetSnapshot } from '../flag-store.js';
import { clone, emptyDocument, setOwn } from './document.js';

/**
 * The document as it was at `version`, from a snapshot and the log entries after `version`
 * (newest first; entries newer than the snapshot are ignored).
 * @throws {HistoryUnavailableError} when `version` is out of range or the log no longer reaches it.
 */
export function rebuildVersion(
  snapshot: FlagSetSnapshot,
  newestFirst: readonly AuditEntry[],
  version: number,
): FlagSetDocument {
  const { flagSet } = snapshot;
  if (!Number.isInteger(version) || version < 0 || version > snapshot.version) {
    throw new HistoryUnavailableError(
      flagSet,
      version,
      `cannot revert flag set "${flagSet}" to version ${version}: it must be an integer from 0 to the current version ${snapshot.version}`,
    );
  }
  let document = clone(snapshot.document);
  let expected = snapshot.version;
  for (const entry of newestFirst) {
    if (entry.version > snapshot.version) continue;
    if (expected === version) break;
    if (entry.version !== expected) break;
    if (entry.flagKey !== undefined) {
      const flags = { ...document.flags };
      if (entry.before === null) delete flags[entry.flagKey];
      else setOwn(flags, entry.flagKey, clone(entry.before as FlagDefinition));
      document = { ...document, flags };
    } else {
      document = entry.before === null ? emptyDocument() : clone(entry.before as FlagSetDocument);
    }
    expected--;
  }
  if (expected !== version) {
    throw new HistoryUnavailableError(
      flagSet,
      version,
      `cannot revert flag set "${flagSet}" to version ${version}: the audit log no longer holds the write that made version ${expected} (it was trimmed; raise maxLogLength to keep more history)`,
    );
  }
  return document;
}
