/**
 * Bounds that keep a hostile or mistaken document from crashing or stalling a process. Rules past
 * them are refused at validation, so evaluation never meets them.
 */

/** Deepest nesting of a targeting rule (operators inside operators), `$ref` expansions included. */
export const MAX_RULE_DEPTH = 64;

/** Most JsonLogic nodes in one flag's targeting after `$ref` expansion. */
export const MAX_RULE_NODES = 10_000;

/** Deepest nesting of an object variant's value. */
export const MAX_VALUE_DEPTH = 32;

/** Longest flag key. */
export const MAX_FLAG_KEY_LENGTH = 256;
