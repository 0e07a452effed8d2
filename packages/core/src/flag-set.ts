/**
 * A flag set compiled for evaluation: immutable, so a provider swaps in a new one atomically when
 * the definitions change, and compares the two to announce exactly which flags changed.
 */
import { ErrorCode, StandardResolutionReasons } from '@openfeature/core';
import { FlagSetValidationError } from './errors.js';
import { CompiledFlag, type FlagProgram, compileFlagProgram } from './flag/compile-flag.js';
import { checkDocument, checkMetadata } from './format/check-document.js';
import { isPlainObject } from './format/json.js';
import { compileNode } from './logic/compile.js';
import { pointerSegment } from './logic/nodes.js';
import type {
  EvaluationContext,
  FlagResolution,
  FlagSetChanges,
  FlagSetDocument,
  FlagValue,
  FlagValueType,
  JsonValue,
  MetadataValue,
  ResolutionDetails,
  ValidationIssue,
} from './types.js';

/** Options of {@link compileFlagSet}. */
export interface CompileOptions {
  /**
   * What to do with a flag that is invalid: `'reject'` refuses the whole document (for writes:
   * nothing invalid is stored); `'isolate'` loads the rest and makes that flag evaluate to
   * `PARSE_ERROR` (for reads: one bad flag never takes down the set).
   * @default 'reject'
   */
  invalidFlags?: 'reject' | 'isolate';
  /**
   * Generate JavaScript for targeting rules (`new Function`), which runs common rules about twice as
   * fast as the closure tree. Ignored where the runtime forbids dynamic code (a widget's
   * Content-Security-Policy without `unsafe-eval`, some edge runtimes): closures are used there.
   * Both paths have the same semantics and pass the same conformance suite.
   * @default true
   */
  codegen?: boolean;
  /**
   * Set metadata laid over the document's own `metadata`, e.g. `{ flagSetId, version }` from a store.
   */
  metadata?: Readonly<Record<string, MetadataValue>>;
}

/** How a set compiles its flags, kept for `update()`. */
interface CompileSettings {
  readonly mode: 'reject' | 'isolate';
  readonly codegen: boolean;
}

/** A change to apply to a compiled set with {@link CompiledFlagSet.update}. */
export interface FlagSetUpdate {
  /** Flags to add or replace (a definition) or remove (`null`). */
  flags?: Readonly<Record<string, unknown>>;
  /** New `$evaluators` (replaces all; every flag is recompiled). */
  evaluators?: Readonly<Record<string, JsonValue>>;
  /** New set metadata (replaces the document's; `CompileOptions.metadata` is laid over it). */
  metadata?: Readonly<Record<string, MetadataValue>>;
  /** New overlay metadata, e.g. a new `version`. */
  overlay?: Readonly<Record<string, MetadataValue>>;
}

const hasOwn = Object.prototype.hasOwnProperty;

function evaluatorIssues(evaluators: Readonly<Record<string, JsonValue>>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [name, rule] of Object.entries(evaluators)) {
    compileNode(rule, {
      flagKey: '',
      evaluators,
      path: `/$evaluators/${pointerSegment(name)}`,
      depth: 0,
      inElementScope: false,
      refStack: [name],
      counter: { nodes: 0 },
      refs: new Set(),
      issues,
    });
  }
  return issues;
}

/**
 * Compiles a flagd flag-definition document.
 * @throws {FlagSetValidationError} listing every problem by JSON Pointer and flag key, when the
 * document is not a flag set, or when a flag is invalid and `invalidFlags` is `'reject'`.
 * @example
 * const flags = compileFlagSet(JSON.parse(text), { invalidFlags: 'isolate' });
 * flags.evaluate('new-checkout', 'boolean', false, { targetingKey: 'user-1' });
 */
export function compileFlagSet(document: unknown, options: CompileOptions = {}): CompiledFlagSet {
  const settings: CompileSettings = {
    mode: options.invalidFlags ?? 'reject',
    codegen: options.codegen ?? true,
  };
  const issues: ValidationIssue[] = [];
  if (!checkDocument(document, issues)) throw new FlagSetValidationError(issues);
  const doc = document as unknown as FlagSetDocument;
  const evaluators = isPlainObject(doc.$evaluators) ? doc.$evaluators : {};
  issues.push(...evaluatorIssues(evaluators));
  const setMetadata = isPlainObject(doc.metadata) ? doc.metadata : {};
  const programs = new Map<string, FlagProgram>();
  for (const [key, definition] of Object.entries(doc.flags)) {
    const program = compileFlagProgram(key, definition, evaluators, settings);
    issues.push(...program.issues);
    programs.set(key, program);
  }
  if (settings.mode === 'reject' && issues.length > 0) throw new FlagSetValidationError(issues);
  return CompiledFlagSet.create(programs, evaluators, setMetadata, options.metadata ?? {}, issues, settings);
}

/**
 * Validates a document without keeping it: every problem, by JSON Pointer and flag key.
 * An empty list means {@link compileFlagSet} accepts it.
 */
export function validateFlagSet(document: unknown): ValidationIssue[] {
  try {
    return [...compileFlagSet(document, { invalidFlags: 'isolate' }).issues];
  } catch (error) {
    if (error instanceof FlagSetValidationError) return [...error.issues];
    throw error;
  }
}

/** Flags added, removed and changed from `before` to `after` (by behaviour, not by version). */
export function diffFlagSets(before: CompiledFlagSet | undefined, after: CompiledFlagSet): FlagSetChanges {
  const changes: FlagSetChanges = { added: [], removed: [], changed: [] };
  for (const [key, program] of after.programs) {
    const old = before?.programs.get(key);
    if (!old) changes.added.push(key);
    else if (old.fingerprint !== program.fingerprint) changes.changed.push(key);
  }
  if (before)
    for (const key of before.programs.keys()) if (!after.programs.has(key)) changes.removed.push(key);
  return changes;
}

/** A compiled, immutable flag set. Evaluation is synchronous and never throws. */
export class CompiledFlagSet {
  /**
   * Flags bound to this set's metadata, created on first use: a change that bumps the version
   * then costs nothing per untouched flag until it is evaluated.
   */
  private readonly flags = new Map<string, CompiledFlag>();
  private list: CompiledFlag[] | undefined;
  /** Set metadata as returned with `FLAG_NOT_FOUND` (document metadata under the overlay). */
  readonly metadata: Readonly<Record<string, MetadataValue>>;

  /**
   * Private, so that `new CompiledFlagSet()` does not type-check in a consumer's code (the
   * published `.d.ts` keeps the constructor as `private`): use {@link compileFlagSet}.
   */
  private constructor(
    /** @internal Compiled programs by flag key (shared with sets derived by `update`). */
    readonly programs: ReadonlyMap<string, FlagProgram>,
    /** The shared rules of the set. */
    readonly evaluators: Readonly<Record<string, JsonValue>>,
    private readonly documentMetadata: Readonly<Record<string, MetadataValue>>,
    private readonly overlay: Readonly<Record<string, MetadataValue>>,
    /** Problems found; with `invalidFlags: 'isolate'` the flags they name evaluate to `PARSE_ERROR`. */
    readonly issues: readonly ValidationIssue[],
    private readonly settings: CompileSettings,
  ) {
    this.metadata = Object.freeze({ ...documentMetadata, ...overlay });
  }

  /** @internal The factory behind {@link compileFlagSet} and `update`. */
  static create(
    programs: ReadonlyMap<string, FlagProgram>,
    evaluators: Readonly<Record<string, JsonValue>>,
    documentMetadata: Readonly<Record<string, MetadataValue>>,
    overlay: Readonly<Record<string, MetadataValue>>,
    issues: readonly ValidationIssue[],
    settings: CompileSettings,
  ): CompiledFlagSet {
    return new CompiledFlagSet(programs, evaluators, documentMetadata, overlay, issues, settings);
  }

  /** Number of flags. */
  get size(): number {
    return this.programs.size;
  }

  /** Flag keys, in document order. */
  keys(): string[] {
    return [...this.programs.keys()];
  }

  /** The compiled flag for a key. */
  get(flagKey: string): CompiledFlag | undefined {
    let flag = this.flags.get(flagKey);
    if (flag === undefined) {
      const program = this.programs.get(flagKey);
      if (program === undefined) return undefined;
      flag = new CompiledFlag(program, this.metadata);
      this.flags.set(flagKey, flag);
    }
    return flag;
  }

  /** The document this set was compiled from (definitions as given). */
  toDocument(): FlagSetDocument {
    // fromEntries defines own properties, so a flag named `__proto__` stays a flag.
    const flags: FlagSetDocument['flags'] = Object.fromEntries(
      [...this.programs]
        .filter(([, program]) => program.definition !== undefined)
        .map(([key, program]) => [key, program.definition as FlagSetDocument['flags'][string]]),
    );
    const doc: FlagSetDocument = { flags };
    if (Object.keys(this.evaluators).length > 0) doc.$evaluators = { ...this.evaluators };
    if (Object.keys(this.documentMetadata).length > 0) doc.metadata = { ...this.documentMetadata };
    return doc;
  }

  /**
   * Evaluates one flag for the caller's type and default, per flagd's reason table: `STATIC`,
   * `TARGETING_MATCH`, `DEFAULT`, `DISABLED` (caller's default), or `ERROR` with `FLAG_NOT_FOUND`,
   * `PARSE_ERROR`, `TYPE_MISMATCH` or `GENERAL` (caller's default).
   */
  evaluate<T extends FlagValue>(
    flagKey: string,
    type: FlagValueType,
    defaultValue: T,
    context?: EvaluationContext,
  ): ResolutionDetails<T> {
    const flag = this.flags.get(flagKey) ?? this.get(flagKey);
    if (flag === undefined) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: `flag "${flagKey}" not found`,
        flagMetadata: this.metadata,
      };
    }
    const resolution = flag.resolve(context);
    if (resolution.value === undefined) return { ...resolution, value: defaultValue };
    if (flag.program.valueType !== type) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `flag "${flagKey}" is a ${flag.program.valueType} flag, not ${type}`,
        flagMetadata: flag.flagMetadata,
      };
    }
    return resolution as unknown as ResolutionDetails<T>;
  }

  /**
   * Evaluates every flag for one context (widgets, OFREP bulk evaluation). Disabled flags are
   * included with reason `DISABLED`; where `value` is absent the caller's default applies.
   */
  evaluateAll(context?: EvaluationContext): FlagResolution[] {
    if (this.list === undefined) this.list = [...this.programs.keys()].map((key) => this.get(key)!);
    const list = this.list;
    const out = new Array<FlagResolution>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = list[i]!.resolve(context);
    return out;
  }

  /**
   * A new set with a change applied; flags the change does not touch are not recompiled.
   * @throws {FlagSetValidationError} when a changed flag is invalid and the set rejects invalid flags.
   */
  update(change: FlagSetUpdate): CompiledFlagSet {
    const evaluatorsChanged = change.evaluators !== undefined;
    const evaluators = change.evaluators ?? this.evaluators;
    const programs = new Map<string, FlagProgram>();
    const issues: ValidationIssue[] = evaluatorsChanged ? evaluatorIssues(evaluators) : [];
    const touched = change.flags ?? {};
    // Keep document order: replaced flags stay where they were, new ones go last.
    for (const [key, program] of this.programs) {
      if (hasOwn.call(touched, key)) {
        const definition = touched[key];
        if (definition !== null && definition !== undefined) {
          programs.set(key, compileFlagProgram(key, definition, evaluators, this.settings));
        }
      } else {
        programs.set(
          key,
          evaluatorsChanged
            ? compileFlagProgram(key, program.definition, evaluators, this.settings)
            : program,
        );
      }
    }
    for (const [key, definition] of Object.entries(touched)) {
      if (definition === null || definition === undefined || this.programs.has(key)) continue;
      programs.set(key, compileFlagProgram(key, definition, evaluators, this.settings));
    }
    if (!evaluatorsChanged) {
      // Problems of the rules themselves; the flags' own are recomputed below.
      issues.push(
        ...this.issues.filter(
          (issue) => issue.flagKey === undefined && issue.path.startsWith('/$evaluators'),
        ),
      );
    }
    for (const program of programs.values()) issues.push(...program.issues);
    if (this.settings.mode === 'reject' && issues.length > 0) throw new FlagSetValidationError(issues);
    if (change.metadata) {
      const metadataIssues: ValidationIssue[] = [];
      checkMetadata(change.metadata, '/metadata', undefined, metadataIssues);
      if (metadataIssues.length > 0) throw new FlagSetValidationError(metadataIssues);
    }
    return new CompiledFlagSet(
      programs,
      evaluators,
      change.metadata ?? this.documentMetadata,
      change.overlay ?? this.overlay,
      issues,
      this.settings,
    );
  }
}
