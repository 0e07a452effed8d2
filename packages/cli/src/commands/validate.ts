/** `ensign validate FILE…`: every problem of every file, with its flag key and JSON Pointer. */
import type { CommandContext } from '../context.js';
import { CliError, type Problem, describeProblem } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { fileProblems } from '../plan/files.js';
import { plural } from '../render/text.js';

/** The result of `validate` (`--json`: schemas/validate.schema.json). */
export interface ValidateResult {
  valid: boolean;
  files: { path: string; valid: boolean; problems: Problem[] }[];
}

function human(result: ValidateResult): string {
  const lines: string[] = [];
  for (const file of result.files) {
    if (file.valid) {
      lines.push(`${file.path}: valid`);
      continue;
    }
    lines.push(`${file.path}: ${plural(file.problems.length, 'problem')}`);
    for (const problem of file.problems) lines.push(`  ${describeProblem({ ...problem, file: undefined })}`);
  }
  return lines.join('\n');
}

/** Validates the files; exit 1 when any has a problem. */
export async function validate(
  files: readonly string[],
  _options: { json?: boolean },
  context: CommandContext,
): Promise<ExitCode> {
  const result: ValidateResult = { valid: true, files: [] };
  for (const path of files) {
    let problems: Problem[];
    try {
      problems = fileProblems(path).map(({ file: _file, ...problem }) => problem);
    } catch (error) {
      // A file that cannot be read is one more problem; the other files are still checked.
      if (!(error instanceof CliError)) throw error;
      problems = [{ pointer: '', message: error.message }];
    }
    result.files.push({ path, valid: problems.length === 0, problems });
    if (problems.length > 0) result.valid = false;
  }
  context.output.result(result, human);
  return result.valid ? EXIT.ok : EXIT.failure;
}
