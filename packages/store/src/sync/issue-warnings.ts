/** Logging the problems a compiled flag set reports, once per broken definition. */
import type { CompiledFlagSet } from '@ensign/core';
import type { Logger } from '@openfeature/server-sdk';
import type { FlagSource } from './sync-options.js';

/** Warns about a set's issues without repeating them on every reload of an unchanged set. @internal */
export class IssueWarnings {
  /** Set-level problems (not tied to a flag) already logged. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly flagSet: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Warns once per broken definition, not on every reload of an unchanged set: a flag's issue is
   * logged when its program differs from the one in `previous`.
   */
  warn(previous: CompiledFlagSet | undefined, compiled: CompiledFlagSet, source: FlagSource): void {
    for (const issue of compiled.issues) {
      const key = issue.flagKey;
      const id = `${issue.path}\u0000${issue.message}`;
      if (
        key === undefined ? this.warned.has(id) : previous?.get(key)?.program === compiled.get(key)?.program
      ) {
        continue;
      }
      if (key === undefined) this.warned.add(id);
      this.logger.warn(
        `flag set "${this.flagSet}" (${source}): ${key === undefined ? '' : `flag "${key}" evaluates to PARSE_ERROR: `}` +
          `${issue.path}: ${issue.message}`,
      );
    }
  }
}
