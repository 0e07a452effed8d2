/**
 * Reading what the user hands the CLI: flag-set files (JSON, checked with `@ensign/core`'s
 * validator so every problem is reported with its flag key and JSON Pointer) and plan files
 * (checked against their own hash, so an edited plan is refused).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type FlagSetDocument, validateFlagSet } from '@ensign/core';
import { CliError, type Problem } from '../errors.js';
import { planHashOf, sha256 } from './hash.js';
import { PLAN_FORMAT, type Plan } from './types.js';

/** A flag-set file, read and validated. */
export interface FlagFile {
  readonly path: string;
  /** SHA-256 of the file's bytes. */
  readonly sha256: string;
  /** The document without `$schema` (stores do not keep it). */
  readonly document: FlagSetDocument;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new CliError('failed', `cannot read ${what} ${path}: ${why}`, { cause: error });
  }
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/** Parses JSON; a syntax error becomes a problem naming the line and column. */
export function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const where = position ? ` (${lineColumn(text, Number(position[1]))})` : '';
    throw new CliError('invalid', `${path} is not valid JSON${where}: ${message}`, {
      problems: [{ file: path, pointer: '', message: `not valid JSON${where}: ${message}` }],
      cause: error,
    });
  }
}

/** Every validation problem of a document, as CLI problems. */
export function documentProblems(document: unknown, path: string): Problem[] {
  return validateFlagSet(document).map((issue) => ({
    file: path,
    ...(issue.flagKey !== undefined && { flagKey: issue.flagKey }),
    pointer: issue.path,
    message: issue.message,
  }));
}

/** The problems of one file (syntax or validation); empty when it is valid. */
export function fileProblems(path: string): Problem[] {
  const text = readText(path, 'flag file');
  try {
    return documentProblems(parseJson(text, path), path);
  } catch (error) {
    if (error instanceof CliError && error.kind === 'invalid') return [...error.problems];
    throw error;
  }
}

/**
 * Reads and validates a flag-set file.
 * @throws {CliError} `invalid` with every problem, `failed` when it cannot be read.
 */
export function readFlagFile(path: string): FlagFile {
  const text = readText(path, 'flag file');
  const parsed = parseJson(text, path);
  const problems = documentProblems(parsed, path);
  if (problems.length > 0) {
    throw new CliError(
      'invalid',
      `${path}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}; nothing was planned`,
      {
        problems,
      },
    );
  }
  const { $schema: _schema, ...document } = parsed as FlagSetDocument;
  return { path, sha256: sha256(text), document };
}

/** Does this text look like a plan file (rather than a flag-set file)? */
export function isPlanText(text: string): boolean {
  return /"format"\s*:\s*"ensign-plan\//.test(text.slice(0, 200));
}

/**
 * Reads a plan file and checks its hash.
 * @throws {CliError} `failed` when it is not a plan of this format or was edited.
 */
export function readPlanFile(path: string, text = readText(path, 'plan file')): Plan {
  const parsed = parseJson(text, path) as Partial<Plan>;
  if (parsed?.format !== PLAN_FORMAT) {
    throw new CliError(
      'failed',
      `${path} is not a plan in format ${PLAN_FORMAT} (write one with ensign plan --out)`,
    );
  }
  if (typeof parsed.planHash !== 'string' || planHashOf(parsed as Plan) !== parsed.planHash) {
    throw new CliError(
      'failed',
      `${path}: the plan does not match its hash (it was edited after ensign plan wrote it); make a new plan`,
    );
  }
  return parsed as Plan;
}

/** Reads a file that is either a plan or a flag-set file. */
export function readPlanOrFlagFile(path: string): { plan: Plan } | { file: FlagFile } {
  const text = readText(path, 'file');
  if (isPlanText(text)) return { plan: readPlanFile(path, text) };
  return { file: readFlagFile(path) };
}

/** Writes a plan file (pretty JSON, owner-only: rules may name users). */
export function writePlanFile(path: string, plan: Plan): void {
  try {
    writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw new CliError(
      'failed',
      `cannot write the plan to ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        cause: error,
      },
    );
  }
}
