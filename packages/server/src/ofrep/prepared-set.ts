/**
 * A compiled flag set prepared for OFREP, once per version (a new compiled set is a new
 * `PreparedSet`; the old one is collected with it). What does not depend on the context is done
 * here, not per request: the flag lists each kind of principal sees, sorted by key (stable
 * across instances, whatever order a store returns); the serialised set metadata; the serialised
 * results of flags without targeting, evaluated once; and, for every prepared result the
 * evaluator hands back (core returns the same frozen object for every evaluation that lands on
 * the same variant), its JSON text and digest, made on first use. A bulk answer is then a
 * lookup per flag and one string concatenation.
 */
import type { CompiledFlag, CompiledFlagSet, EvaluationContext, FlagResolution } from '@ensign/core';
import { type Digest, chainETag, digestOf } from './digest.js';

/** One prepared piece of an answer: its exact JSON text and the digest of that text. */
export interface Piece extends Digest {
  readonly json: string;
}

/** The flags one kind of principal sees in a set, sorted by key. */
export interface FlagList {
  readonly flags: readonly CompiledFlag[];
  /** When no flag in the list depends on the context: the pieces, evaluated once. */
  readonly fixed: readonly Piece[] | undefined;
}

/** Most distinct widget flag lists kept per set version (a widget payload shape each). */
const MAX_WIDGET_LISTS = 1_024;

/** The OFREP JSON of one result: an `evaluationSuccess` or an `evaluationFailure`. */
export function resultJson(resolution: FlagResolution): string {
  if (resolution.errorCode !== undefined) {
    return JSON.stringify({
      key: resolution.flagKey,
      errorCode: resolution.errorCode,
      errorDetails: resolution.errorMessage ?? resolution.errorCode,
      metadata: resolution.flagMetadata,
    });
  }
  // No `value` means "use the code default" (OFREP's codeDefaultFlag): DISABLED, or no default variant.
  return JSON.stringify({
    key: resolution.flagKey,
    value: resolution.value,
    reason: resolution.reason,
    variant: resolution.variant,
    metadata: resolution.flagMetadata,
  });
}

/** A piece for `json`, with its digest. */
export function pieceOf(json: string): Piece {
  const digest = digestOf(json);
  return { json, hi: digest.hi, lo: digest.lo };
}

/** Does the flag answer the same whatever the context (no rules, disabled, or invalid)? */
function isFixed(flag: CompiledFlag): boolean {
  const program = flag.program;
  return program.issues.length > 0 || program.state === 'DISABLED' || program.targeting === undefined;
}

/** Is the flag marked client-side on itself (never by a set-level default)? */
function isClientSideFlag(flag: CompiledFlag | undefined): boolean {
  return flag?.program.flagMetadata.clientSide === true;
}

/** A compiled set, prepared for OFREP answers. */
export class PreparedSet {
  /** Every flag (server tokens). */
  readonly all: FlagList;
  /** The flags marked `clientSide` on themselves (client tokens). */
  readonly client: FlagList;
  /** The set metadata, as the bulk answer's `metadata`. */
  readonly metadata: Piece;
  private readonly pieces = new WeakMap<FlagResolution, Piece>();
  private readonly widgetLists = new Map<string, FlagList>();

  constructor(
    readonly compiled: CompiledFlagSet,
    /** The store version this set is at. */
    readonly version: number,
  ) {
    const flags = compiled
      .keys()
      .sort()
      .map((key) => compiled.get(key)!);
    this.all = this.list(flags);
    this.client = this.list(flags.filter(isClientSideFlag));
    this.metadata = pieceOf(JSON.stringify(compiled.metadata));
  }

  /** Is `key` a flag of this set marked client-side on itself? */
  isClientSide(key: string): boolean {
    return isClientSideFlag(this.compiled.get(key));
  }

  /** The list of a widget token: its flags that exist here and are client-side, sorted. */
  widgetList(keys: readonly string[]): FlagList {
    const id = keys.join('\n');
    let list = this.widgetLists.get(id);
    if (list === undefined) {
      const wanted = [...new Set(keys)].filter((key) => this.isClientSide(key)).sort();
      list = this.list(wanted.map((key) => this.compiled.get(key)!));
      // Payload shapes are few; a flood of distinct ones only resets this cache.
      if (this.widgetLists.size >= MAX_WIDGET_LISTS) this.widgetLists.clear();
      this.widgetLists.set(id, list);
    }
    return list;
  }

  /** The piece of one result (prepared results are serialised once, errors every time). */
  piece(resolution: FlagResolution): Piece {
    let piece = this.pieces.get(resolution);
    if (piece === undefined) {
      piece = pieceOf(resultJson(resolution));
      // Error results are new objects on every evaluation: caching them would only churn.
      if (resolution.errorCode === undefined) this.pieces.set(resolution, piece);
    }
    return piece;
  }

  /** The pieces of every flag of `list` for `context`, in list order. */
  evaluate(list: FlagList, context: EvaluationContext): readonly Piece[] {
    if (list.fixed !== undefined) return list.fixed;
    const flags = list.flags;
    const out = new Array<Piece>(flags.length);
    for (let i = 0; i < flags.length; i++) out[i] = this.piece(flags[i]!.resolve(context));
    return out;
  }

  private list(flags: readonly CompiledFlag[]): FlagList {
    const fixed = flags.every(isFixed) ? flags.map((flag) => this.piece(flag.resolve({}))) : undefined;
    return { flags, fixed };
  }
}

/**
 * The ETag of a bulk answer made of `pieces`, this set's metadata and `streams` (the
 * `eventStreams` text): the chain of their digests, in body order.
 */
export function bulkETag(pieces: readonly Piece[], metadata: Piece, streams: Piece): string {
  return chainETag(pieces, [metadata, streams]);
}

/** The body of a bulk answer (`bulkEvaluationSuccess`). */
export function bulkBody(pieces: readonly Piece[], metadata: Piece, streams: Piece): string {
  let flags = '';
  for (let i = 0; i < pieces.length; i++) flags += i === 0 ? pieces[i]!.json : `,${pieces[i]!.json}`;
  return `{"flags":[${flags}],"metadata":${metadata.json},"eventStreams":${streams.json}}`;
}
