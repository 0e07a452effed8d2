import type { OperatorCompiler } from '../types.js';
import { afterOp, beforeOp } from './dates.js';
import { fractionalOp } from './fractional.js';
import { regexOp } from './regex.js';
import { semVerOp } from './sem-ver.js';
import { STANDARD_OPERATORS } from './standard.js';
import { endsWithOp, startsWithOp } from './strings.js';

/** Every operator a targeting rule may use: JsonLogic's, flagd's, and our documented extensions. */
export const OPERATORS: Readonly<Record<string, OperatorCompiler>> = Object.freeze({
  ...STANDARD_OPERATORS,
  fractional: fractionalOp,
  sem_ver: semVerOp,
  starts_with: startsWithOp,
  ends_with: endsWithOp,
  // Extensions (not in flagd): see the README.
  regex: regexOp,
  before: beforeOp,
  after: afterOp,
});

/** Names of the operators that are ours, not flagd's. */
export const EXTENSION_OPERATORS: readonly string[] = ['regex', 'before', 'after'];
