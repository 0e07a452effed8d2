import { ParseError } from '@openfeature/core';
import type { ValidationIssue } from './types.js';

function summarize(issues: readonly ValidationIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path === '' ? '(document)' : issue.path;
    return `  ${where}: ${issue.message}`;
  });
  return `invalid flag set (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/**
 * A flag-definition document was refused. `issues` lists every problem with its JSON Pointer and
 * flag key; the message lists them too. It is OpenFeature's `ParseError` (code `PARSE_ERROR`).
 */
export class FlagSetValidationError extends ParseError {
  /** Every problem found, in document order. */
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(summarize(issues), options);
    Object.setPrototypeOf(this, FlagSetValidationError.prototype);
    this.name = 'FlagSetValidationError';
    this.issues = issues;
  }

  /** Keys of the flags that have problems. */
  get flagKeys(): string[] {
    return [...new Set(this.issues.flatMap((issue) => (issue.flagKey ? [issue.flagKey] : [])))];
  }
}
