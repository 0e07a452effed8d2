/**
 * One flag, compiled: its targeting as closures and every result it can return prepared in advance,
 * so a typical evaluation allocates nothing but what the rule itself computes.
 */
import { ErrorCode, StandardResolutionReasons } from '@openfeature/core';
import { type VariantType, checkFlag } from '../format/check-document.js';
import { deepFreeze, describeValue, isPlainObject, shapeExceeds, stableStringify } from '../format/json.js';
import { MAX_RULE_DEPTH, MAX_RULE_NODES } from '../format/limits.js';
import { murmur3 } from '../hash/murmur3.js';
import { VariantRef, generateTargeting } from '../logic/codegen.js';
import { compileNode } from '../logic/compile.js';
import { pointerSegment } from '../logic/nodes.js';
import type { Compiled } from '../logic/types.js';
import type {
  EvaluationContext,
  FlagDefinition,
  FlagMetadata,
  FlagResolution,
  JsonValue,
  MetadataValue,
  ValidationIssue,
} from '../types.js';

const EMPTY_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({});
/** Deeper than any valid flag (rule nodes are at most two JSON levels each, plus the wrappers). */
const MAX_FINGERPRINT_DEPTH = MAX_RULE_DEPTH * 2 + 8;

/**
 * What compiling a flag produces before set metadata is known: reusable across set changes that
 * do not touch this flag.
 */
export interface FlagProgram {
  readonly key: string;
  /** The definition as given (frozen). */
  readonly definition: Readonly<FlagDefinition> | undefined;
  /** Equal fingerprints mean equal behaviour (definition plus the `$evaluators` it uses). */
  readonly fingerprint: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly valueType: VariantType | undefined;
  readonly variants: ReadonlyMap<string, JsonValue>;
  readonly defaultVariant: string | undefined;
  readonly targeting: Compiled | undefined;
  readonly flagMetadata: Readonly<Record<string, MetadataValue>>;
  /** Problems that make this flag evaluate to `PARSE_ERROR`; empty when it is valid. */
  readonly issues: readonly ValidationIssue[];
}

/**
 * A digest of a canonical text (two MurmurHash3 passes and the length), kept instead of the text so
 * each compiled flag does not hold a copy of its JSON. It is only compared with the same flag's
 * previous digest, so a missed change needs an edit of equal length with colliding hashes.
 */
function digest(text: string): string {
  return `${murmur3(text).toString(36)}.${murmur3(`${text}\u0000`).toString(36)}.${text.length}`;
}

/** Compiles one flag; problems are returned in `issues` (and pushed onto `sink`). */
export function compileFlagProgram(
  key: string,
  definition: unknown,
  evaluators: Readonly<Record<string, JsonValue>>,
  options: { codegen?: boolean } = {},
): FlagProgram {
  const issues: ValidationIssue[] = [];
  const valueType = checkFlag(key, definition, issues);
  const def = isPlainObject(definition) ? (definition as unknown as FlagDefinition) : undefined;
  const refs = new Set<string>();
  const targetingPath = `/flags/${pointerSegment(key)}/targeting`;
  let targeting: Compiled | undefined;
  let shape: 'depth' | 'size' | undefined;
  if (def && isPlainObject(def.targeting) && Object.keys(def.targeting).length > 0) {
    // A cheap iterative guard before the recursive compiler: each rule level or rule node is at most
    // two JSON levels or values, so this never refuses what the compiler would accept.
    shape = shapeExceeds(def.targeting, MAX_RULE_DEPTH * 2 + 4, MAX_RULE_NODES * 2 + 2);
    if (shape) {
      issues.push({
        path: targetingPath,
        flagKey: key,
        message:
          shape === 'depth'
            ? `rule is nested too deeply (more than ${MAX_RULE_DEPTH} levels)`
            : `rule is too large (more than ${MAX_RULE_NODES} nodes)`,
      });
    } else {
      const scope = {
        flagKey: key,
        evaluators,
        path: targetingPath,
        depth: 0,
        inElementScope: false,
        refStack: [],
        counter: { nodes: 0 },
        issues,
        refs,
      };
      targeting = compileNode(def.targeting as JsonValue, scope);
      if (issues.length === 0 && options.codegen !== false) {
        const names = isPlainObject(def.variants) ? Object.keys(def.variants) : [];
        targeting = generateTargeting(def.targeting as JsonValue, scope, names) ?? targeting;
      }
    }
  }
  const variants = new Map<string, JsonValue>();
  if (def && isPlainObject(def.variants)) {
    for (const [name, value] of Object.entries(def.variants)) variants.set(name, deepFreeze(value));
  }
  const behaviour = { definition, evaluators: [...refs].sort().map((name) => [name, evaluators[name]]) };
  // Only an invalid flag can be this deep (serializing it could overflow the stack); an invalid one
  // may also be huge (a refused rule). Its issues then stand for its behaviour: PARSE_ERROR.
  const sizeBound = issues.length > 0 ? MAX_RULE_NODES * 4 : Number.POSITIVE_INFINITY;
  const fingerprint = digest(
    shape !== undefined || shapeExceeds(behaviour, MAX_FINGERPRINT_DEPTH, sizeBound) !== undefined
      ? `invalid:${issues.map((i) => i.path + i.message).join(';')}`
      : stableStringify(behaviour),
  );
  const metadata = def && isPlainObject(def.metadata) ? def.metadata : {};
  return {
    key,
    definition: def,
    fingerprint,
    state: def?.state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    valueType,
    variants,
    defaultVariant: typeof def?.defaultVariant === 'string' ? def.defaultVariant : undefined,
    targeting,
    flagMetadata: metadata as Record<string, MetadataValue>,
    issues,
  };
}

function describe(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.path}: ${issue.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return shown.join('; ');
}

/** A flag ready to evaluate: a program bound to its merged set + flag metadata. */
export class CompiledFlag {
  /** Set metadata overlaid with the flag's own, as returned in every result. */
  readonly flagMetadata: FlagMetadata;
  private readonly fixed: FlagResolution | undefined;
  private readonly onNull: FlagResolution;
  /** Variant name → prepared TARGETING_MATCH result (a null-prototype object: fastest lookup). */
  private readonly matches: Readonly<Record<string, FlagResolution>>;
  /** Prepared TARGETING_MATCH results in variant order, for rules that return a `VariantRef`. */
  private readonly byIndex: readonly FlagResolution[];
  /** The program's targeting, held here so the hot path loads one field, not two. */
  private readonly targeting: Compiled | undefined;

  constructor(
    readonly program: FlagProgram,
    setMetadata: Readonly<Record<string, MetadataValue>>,
  ) {
    const flagKey = program.key;
    const flagMetadata = Object.freeze({ ...setMetadata, ...program.flagMetadata });
    this.flagMetadata = flagMetadata;
    const result = (fields: Omit<FlagResolution, 'flagKey' | 'flagMetadata'>): FlagResolution =>
      Object.freeze({ flagKey, ...fields, flagMetadata });
    const withVariant = (variant: string | undefined, reason: string): FlagResolution =>
      variant === undefined
        ? result({ reason: StandardResolutionReasons.DEFAULT })
        : result({ value: program.variants.get(variant), variant, reason });

    if (program.issues.length > 0) {
      this.fixed = result({
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.PARSE_ERROR,
        errorMessage: `flag "${flagKey}" is invalid: ${describe(program.issues)}`,
      });
    } else if (program.state === 'DISABLED') {
      this.fixed = result({ reason: StandardResolutionReasons.DISABLED });
    } else if (!program.targeting) {
      this.fixed = withVariant(program.defaultVariant, StandardResolutionReasons.STATIC);
    }
    this.onNull = withVariant(program.defaultVariant, StandardResolutionReasons.DEFAULT);
    const matches: Record<string, FlagResolution> = Object.create(null);
    for (const name of program.variants.keys()) {
      matches[name] = withVariant(name, StandardResolutionReasons.TARGETING_MATCH);
    }
    this.matches = matches;
    this.byIndex = [...program.variants.keys()].map((name) => matches[name]!);
    this.targeting = program.targeting;
  }

  get key(): string {
    return this.program.key;
  }

  /** Evaluates the flag for a context; never throws. `value` is absent when the caller's default applies. */
  resolve(context: EvaluationContext | undefined): FlagResolution {
    if (this.fixed) return this.fixed;
    // Rules read the context as an object; anything else (a caller ignoring the types) reads as {}.
    const ctx = (typeof context === 'object' && context !== null ? context : EMPTY_CONTEXT) as Readonly<
      Record<string, unknown>
    >;
    let outcome: unknown;
    try {
      outcome = this.targeting!(ctx, ctx);
    } catch (error) {
      return this.error(ErrorCode.GENERAL, `targeting of flag "${this.key}" failed: ${String(error)}`);
    }
    if (outcome instanceof VariantRef) return this.byIndex[outcome.index]!;
    if (typeof outcome === 'string') {
      const hit = this.matches[outcome];
      if (hit !== undefined) return hit;
    }
    if (outcome === null || outcome === undefined) return this.onNull;
    const type = typeof outcome;
    const name =
      type === 'string'
        ? (outcome as string)
        : type === 'boolean' || type === 'number'
          ? String(outcome)
          : undefined;
    const match = name === undefined ? undefined : this.matches[name];
    if (match) return match;
    return this.error(
      ErrorCode.GENERAL,
      name === undefined
        ? `targeting of flag "${this.key}" returned ${describeValue(outcome)}, not a variant name`
        : `targeting of flag "${this.key}" returned variant "${name}", which is not defined`,
    );
  }

  private error(errorCode: ErrorCode, errorMessage: string): FlagResolution {
    return {
      flagKey: this.key,
      reason: StandardResolutionReasons.ERROR,
      errorCode,
      errorMessage,
      flagMetadata: this.flagMetadata,
    };
  }
}
