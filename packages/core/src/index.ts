/**
 * `@ensign/core`: flagd flag definitions — validation, compilation and synchronous evaluation with
 * flagd's operators and reason table. No Node APIs and no I/O: it runs anywhere.
 * @packageDocumentation
 */
export { FlagSetValidationError } from './errors.js';
export { CompiledFlag, type FlagProgram } from './flag/compile-flag.js';
export {
  type CompileOptions,
  CompiledFlagSet,
  compileFlagSet,
  diffFlagSets,
  type FlagSetUpdate,
  validateFlagSet,
} from './flag-set.js';
export { MAX_FLAG_KEY_LENGTH, MAX_RULE_DEPTH, MAX_RULE_NODES, MAX_VALUE_DEPTH } from './format/limits.js';
export { shapeExceeds, stableStringify } from './format/json.js';
export { bucketOf, murmur3 } from './hash/murmur3.js';
export { EXTENSION_OPERATORS } from './logic/operators/index.js';
export { pointerSegment } from './logic/nodes.js';
export { compareSemVer, parseSemVer, type SemVer } from './logic/operators/sem-ver.js';
export type * from './types.js';
