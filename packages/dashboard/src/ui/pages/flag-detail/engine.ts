/**
 * `@ensign/core` in the page, loaded on first use (a chunk of its own, so the flags page does not
 * wait for it): the same validator the server runs before every write, and the same evaluator the
 * providers run, so "validate as you type" and "test a context" say what the server and the apps
 * will. Compiled without code generation: the strict CSP forbids `eval`, and the interpreter
 * gives the same answers.
 */
import type {
  EvaluationContext,
  FlagDefinition,
  FlagResolution,
  FlagSetDocument,
  JsonValue,
} from '@ensign/core';

type Core = typeof import('@ensign/core');
let core: Promise<Core> | undefined;

/** Loads the engine (once). */
export function loadEngine(): Promise<Core> {
  core ??= import('@ensign/core');
  return core;
}

/** One problem of a flag, with its pointer relative to the flag's targeting when it is inside it. */
export interface RuleIssue {
  /** JSON Pointer into the set's document, as the validator reports it. */
  readonly path: string;
  /** The pointer inside the targeting rule (`''`: the rule itself); `undefined` when elsewhere. */
  readonly inRule: string | undefined;
  readonly message: string;
}

const escapeSegment = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The pointer of `path` inside the targeting of `flagKey`, if it is inside. */
export function pointerInRule(path: string, flagKey: string): string | undefined {
  const prefix = `/flags/${escapeSegment(flagKey)}/targeting`;
  if (path === prefix) return '';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

/** The set's document with `flag` as the definition of `flagKey`. */
export function withFlag(document: FlagSetDocument, flagKey: string, flag: FlagDefinition): FlagSetDocument {
  return { ...document, flags: { ...document.flags, [flagKey]: flag } };
}

/** The validator's problems of `flagKey` when the set holds `flag`. */
export async function validateFlag(
  document: FlagSetDocument,
  flagKey: string,
  flag: FlagDefinition,
): Promise<RuleIssue[]> {
  const { compileFlagSet } = await loadEngine();
  let issues: readonly { path: string; flagKey?: string; message: string }[];
  try {
    issues = compileFlagSet(withFlag(document, flagKey, flag), {
      invalidFlags: 'isolate',
      codegen: false,
    }).issues;
  } catch (error) {
    issues = (error as { issues?: { path: string; message: string }[] }).issues ?? [
      { path: '', message: String(error) },
    ];
  }
  return issues
    .filter((issue) => issue.flagKey === undefined || issue.flagKey === flagKey)
    .map((issue) => ({
      path: issue.path,
      inRule: pointerInRule(issue.path, flagKey),
      message: issue.message,
    }));
}

/** Evaluates `flagKey` for `context` as a provider would. */
export async function evaluateFlag(
  document: FlagSetDocument,
  flagKey: string,
  context: EvaluationContext,
): Promise<FlagResolution> {
  const { compileFlagSet } = await loadEngine();
  const compiled = compileFlagSet(document, { invalidFlags: 'isolate', codegen: false });
  const flag = compiled.get(flagKey);
  if (!flag) throw new Error(`flag ${flagKey} is not in the set`);
  return flag.resolve(context);
}

/** Whether `condition` holds for `context` (evaluated by the engine as a one-off rule). */
export async function conditionHolds(
  document: FlagSetDocument,
  flagKey: string,
  condition: JsonValue,
  context: EvaluationContext,
): Promise<boolean | undefined> {
  const probe: FlagDefinition = {
    state: 'ENABLED',
    variants: { yes: true, no: false },
    defaultVariant: 'no',
    targeting: { if: [condition, 'yes', 'no'] },
  };
  // The probe takes the flag's key, so `$flagd.flagKey` reads as it does in the flag.
  const result = await evaluateFlag(withFlag(document, flagKey, probe), flagKey, context);
  return result.errorCode === undefined ? result.variant === 'yes' : undefined;
}
