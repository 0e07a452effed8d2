/**
 * The flags a sync serves and how they are made: compiled from a snapshot or a bootstrap
 * document, or patched by one entry of the log, then swapped in whole. {@link FlagSetSync} builds
 * on this to keep them in step with the store; nothing here talks to the store.
 */
import { type CompiledFlagSet, type FlagSetChanges, type FlagSetDocument, diffFlagSets } from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type { AuditEntry } from '../flag-store.js';
import { IncrementalCompiler } from './compile.js';
import { NO_CHANGES, changeCount } from './flag-changes.js';
import { IssueWarnings } from './issue-warnings.js';
import type { FlagSource } from './sync-options.js';

function isDocument(value: unknown): value is FlagSetDocument {
  const flags = (value as { flags?: unknown } | null)?.flags;
  return typeof flags === 'object' && flags !== null && !Array.isArray(flags);
}

/**
 * One compiled flag set being served: the part of {@link FlagSetSync} that holds and swaps its
 * flags. `flags` is swapped atomically, so a reader always sees one whole version. (Not marked
 * internal: the declarations of `FlagSetSync` name it as their base class.)
 */
export class ServedFlags {
  /** The flags being served; `undefined` until a snapshot or a bootstrap document is in. */
  flags: CompiledFlagSet | undefined;
  /** The store version of `flags`; -1 while serving a bootstrap document. */
  version = -1;
  /** Where `flags` came from. */
  source: FlagSource | undefined;

  /** When the served flags last changed (ms since the epoch). */
  protected lastChangeAt: number | undefined;
  /** The audit time of the last applied entry per flag, for how long a switch has been off. */
  private readonly changedAt = new Map<string, string>();
  private readonly compiler: IncrementalCompiler;
  private readonly issues: IssueWarnings;

  constructor(flagSet: string, logger: Logger) {
    this.compiler = new IncrementalCompiler(flagSet);
    this.issues = new IssueWarnings(flagSet, logger);
  }

  /** The audit time (ISO-8601) of the last entry this sync applied to `flagKey`, if it applied one. */
  changedAtOf(flagKey: string): string | undefined {
    return this.changedAt.get(flagKey);
  }

  /** Compiles a whole document (reusing unchanged flags' programs), warning about new issues. */
  protected compile(document: FlagSetDocument, version: number, source: FlagSource): CompiledFlagSet {
    const previous = this.flags;
    const compiled = this.compiler.compile(document, version);
    this.issues.warn(previous, compiled, source);
    return compiled;
  }

  /**
   * The flags one entry of the log leads to: a flag's entry is patched in, a set's entry compiled
   * whole. Throws when the entry cannot be applied. Not yet served: see {@link installEntry}.
   */
  protected compileEntry(entry: AuditEntry): CompiledFlagSet {
    if (entry.flagKey !== undefined) {
      return this.compiler.patch({ [entry.flagKey]: entry.after }, entry.version);
    }
    if (isDocument(entry.after)) return this.compile(entry.after, entry.version, 'store');
    throw new Error(`entry ${entry.id} holds no flag-set document`);
  }

  /** Serves what {@link compileEntry} made of `entry`, and remembers when its flag changed. */
  protected installEntry(entry: AuditEntry, next: CompiledFlagSet): void {
    this.issues.warn(this.flags, next, 'store');
    this.install(next, entry.version, 'store');
    if (entry.flagKey !== undefined) this.changedAt.set(entry.flagKey, entry.at);
  }

  /** Swaps `next` in; returns what changed relative to the flags served before. */
  protected install(next: CompiledFlagSet, version: number, source: FlagSource): FlagSetChanges {
    const changes = this.flags ? diffFlagSets(this.flags, next) : NO_CHANGES;
    if (this.flags === undefined || version !== this.version || changeCount(changes) > 0)
      this.lastChangeAt = Date.now();
    this.flags = next;
    this.version = version;
    this.source = source;
    return changes;
  }
}
