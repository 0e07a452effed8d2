/**
 * Compiling snapshots incrementally: a write usually touches one flag, and recompiling a
 * thousand unchanged ones for it would cost far more than the round trip that fetched them.
 * Flags whose stored JSON is unchanged keep their compiled program.
 */
import { type CompiledFlagSet, type FlagSetDocument, type FlagSetUpdate, compileFlagSet } from '@ensign/core';

interface RawDocument {
  readonly flags: Map<string, string>;
  readonly evaluators: string;
  readonly metadata: string;
}

let unserializable = 0;

/**
 * The text a flag is compared by. A value too deep for `JSON.stringify` (which recurses) gets a
 * text of its own that equals nothing, so it is always recompiled, and the evaluator isolates it:
 * one hostile flag must not stop the whole set from compiling.
 */
function textOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return `\u0000unserializable ${++unserializable}`;
  }
}

function rawOf(document: FlagSetDocument): RawDocument {
  const flags = new Map<string, string>();
  for (const [key, flag] of Object.entries(document.flags ?? {})) flags.set(key, textOf(flag));
  return {
    flags,
    evaluators: textOf(document.$evaluators ?? null),
    metadata: textOf(document.metadata ?? null),
  };
}

/** Compiles successive versions of one set, each from the previous one where it can. */
export class IncrementalCompiler {
  private raw: RawDocument | undefined;
  private compiled: CompiledFlagSet | undefined;

  constructor(private readonly flagSet: string) {}

  /**
   * The compiled set for `document` (invalid flags isolated), with `flagSetId` and, for a store
   * version (`>= 0`), `version` in its metadata. Becomes the base of the next call.
   * @throws {FlagSetValidationError} when the document is not a flag set at all.
   */
  compile(document: FlagSetDocument, version: number): CompiledFlagSet {
    const overlay = { flagSetId: this.flagSet, ...(version >= 0 ? { version } : {}) };
    const raw = rawOf(document);
    let next: CompiledFlagSet | undefined;
    if (this.compiled && this.raw && this.raw.evaluators === raw.evaluators) {
      next = this.update(this.compiled, this.raw, raw, document, overlay);
    }
    next ??= compileFlagSet(document, { invalidFlags: 'isolate', metadata: overlay });
    this.raw = raw;
    this.compiled = next;
    return next;
  }

  /**
   * Applies changed flags (`null`: removed) on top of the last compiled set: a single-flag entry
   * of the change feed. Requires a previous {@link compile}.
   */
  patch(flags: Readonly<Record<string, unknown>>, version: number): CompiledFlagSet {
    if (!this.compiled || !this.raw) throw new Error('IncrementalCompiler.patch before compile');
    const changed: Record<string, unknown> = {};
    for (const [key, flag] of Object.entries(flags)) {
      const text = flag === null || flag === undefined ? undefined : textOf(flag);
      if (this.raw.flags.get(key) === text) continue;
      if (text === undefined) this.raw.flags.delete(key);
      else this.raw.flags.set(key, text);
      changed[key] = flag ?? null;
    }
    this.compiled = this.compiled.update({
      flags: changed,
      overlay: { flagSetId: this.flagSet, version },
    });
    return this.compiled;
  }

  private update(
    base: CompiledFlagSet,
    before: RawDocument,
    after: RawDocument,
    document: FlagSetDocument,
    overlay: Record<string, string | number>,
  ): CompiledFlagSet | undefined {
    const flags: Record<string, unknown> = {};
    for (const [key, text] of after.flags)
      if (before.flags.get(key) !== text) flags[key] = document.flags[key];
    for (const key of before.flags.keys()) if (!after.flags.has(key)) flags[key] = null;
    const change: FlagSetUpdate = { flags, overlay };
    if (before.metadata !== after.metadata) change.metadata = document.metadata ?? {};
    try {
      return base.update(change);
    } catch {
      // Invalid set metadata: let a full compile report it.
      return undefined;
    }
  }
}
