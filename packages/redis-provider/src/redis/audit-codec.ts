/** Audit entries as Redis stream entries: flat field lists of strings. */
import { type AuditEntry, type WriteOperation, tooDeep } from '@ensign/store';

const OPERATIONS: ReadonlySet<string> = new Set<WriteOperation>([
  'put',
  'delete',
  'patch',
  'replace',
  'revert',
]);

/**
 * The stream fields of an entry, except `version` and `at`, which the script adds (the new
 * version, and the time from the server's clock).
 */
export function encodeEntryFields(entry: Omit<AuditEntry, 'id' | 'at' | 'flagSet' | 'version'>): string[] {
  const fields = ['op', entry.operation, 'actor', entry.actor];
  if (entry.flagKey !== undefined) fields.push('flagKey', entry.flagKey);
  if (entry.reason !== undefined) fields.push('reason', entry.reason);
  fields.push('before', JSON.stringify(entry.before), 'after', JSON.stringify(entry.after));
  return fields;
}

function parseJson(text: string | undefined): AuditEntry['before'] {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // An entry added by hand with a broken value: show the text rather than lose the entry.
    return text as unknown as AuditEntry['before'];
  }
  // A flag nested beyond any valid one (whole-set entries hold it two levels down) stays text:
  // whatever serialises it again would overflow the stack.
  return (tooDeep(value, 2) ? text : value) as AuditEntry['before'];
}

/** Parses one stream entry (`[id, [field, value, ...]]`); `undefined` if it is not an audit entry. */
export function decodeEntry(flagSet: string, id: string, raw: string[]): AuditEntry | undefined {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!, raw[i + 1]!);
  const version = Number(fields.get('version'));
  const operation = fields.get('op');
  if (!Number.isInteger(version) || operation === undefined || !OPERATIONS.has(operation)) return undefined;
  const at = Number(fields.get('at'));
  const flagKey = fields.get('flagKey');
  const reason = fields.get('reason');
  return {
    id,
    flagSet,
    version,
    operation: operation as WriteOperation,
    ...(flagKey !== undefined && { flagKey }),
    actor: fields.get('actor') ?? 'unknown',
    ...(reason !== undefined && { reason }),
    at: Number.isFinite(at) ? new Date(at).toISOString() : new Date(Number(id.split('-')[0])).toISOString(),
    before: parseJson(fields.get('before')),
    after: parseJson(fields.get('after')),
  };
}
