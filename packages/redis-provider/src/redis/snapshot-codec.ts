/**
 * Turning the raw hashes of one set (`defs`, `meta`) into a snapshot, and warning about what does
 * not decode. A flag edited by hand that is not JSON, or nested beyond any valid flag, stays the
 * raw string it is (the evaluator isolates it as `PARSE_ERROR`); a corrupt `version` is refused
 * outright, because every reader compares versions.
 */
import {
  type FlagDefinition,
  type FlagSetDocument,
  type JsonValue,
  type MetadataValue,
  validateFlagSet,
} from '@ensign/core';
import { type FlagSetSnapshot, FlagStoreError, decodeFlag, own, setOwn } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import { META_FIELDS } from './keys.js';

/** The stored text of one set, as read. */
export interface RawSet {
  readonly defs: Record<string, string>;
  readonly meta: Record<string, string>;
}

/** Parses the `version` field of a set's meta hash; refuses anything but a non-negative integer. */
export function parseVersion(flagSet: string, raw: string | null | undefined): number {
  if (raw === null || raw === undefined) return 0;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new FlagStoreError(
      flagSet,
      `field "version" of flag set "${flagSet}" is not an integer (${JSON.stringify(raw.slice(0, 40))}): ` +
        'it was changed by hand; set it back to the version of the newest audit entry',
    );
  }
  return Number(raw);
}

function decodeMetaField(meta: Record<string, string>, field: string, problems: string[]): unknown {
  const text = meta[field];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push(`meta field "${field}" is not valid JSON (${(error as Error).message}); ignored`);
    return undefined;
  }
}

/** A snapshot from the raw hashes, with the problems found while decoding them. */
export function decodeSnapshot(
  flagSet: string,
  raw: RawSet,
): { snapshot: FlagSetSnapshot; problems: string[] } {
  const problems: string[] = [];
  const document: FlagSetDocument = { flags: {} };
  for (const [key, text] of Object.entries(raw.defs)) {
    const decoded = decodeFlag(text);
    // A flag that does not decode stays a raw string: the evaluator isolates it as PARSE_ERROR.
    setOwn(document.flags, key, (decoded.ok ? decoded.flag : decoded.raw) as FlagDefinition);
    if (!decoded.ok) problems.push(`flag "${key}" cannot be read (${decoded.problem})`);
  }
  const metadata = decodeMetaField(raw.meta, META_FIELDS.metadata, problems);
  if (metadata !== undefined) document.metadata = metadata as Record<string, MetadataValue>;
  const evaluators = decodeMetaField(raw.meta, META_FIELDS.evaluators, problems);
  if (evaluators !== undefined) document.$evaluators = evaluators as Record<string, JsonValue>;
  const version = parseVersion(flagSet, raw.meta[META_FIELDS.version]);
  const position = raw.meta[META_FIELDS.position] ?? '';
  return { snapshot: { flagSet, version, document, position }, problems };
}

/**
 * Warns once per problem of a loaded set (a periodic reload does not repeat a warning), and with
 * `validate` also about flags the evaluator will isolate.
 */
export class LoadWarnings {
  private readonly warned = new Map<string, Set<string>>();

  constructor(
    private readonly logger: Logger,
    private readonly validate: boolean,
  ) {}

  report(flagSet: string, document: FlagSetDocument, problems: readonly string[]): void {
    const all = [...problems];
    if (this.validate) {
      for (const issue of validateFlagSet(document)) {
        // Undecodable flags are already listed with their own problem.
        if (issue.flagKey !== undefined && typeof own(document.flags, issue.flagKey) === 'string') continue;
        const what =
          issue.flagKey !== undefined ? `flag "${issue.flagKey}" is invalid` : 'the set is invalid';
        all.push(`${what} at ${issue.path || '(document)'}: ${issue.message}`);
      }
    }
    const before = this.warned.get(flagSet);
    const now = new Set(all);
    this.warned.set(flagSet, now);
    for (const problem of now) {
      if (!before?.has(problem)) {
        this.logger.warn(`flag set "${flagSet}": ${problem}; it evaluates to PARSE_ERROR until fixed`);
      }
    }
  }
}
