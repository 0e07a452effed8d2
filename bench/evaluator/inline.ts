/**
 * The hand-written baseline: the same decisions as the benchmark's flags, written as plain
 * TypeScript with no rule engine, returning results prepared in advance. It is the physical limit
 * an evaluator can approach, not something a user could configure at run time.
 */
import { murmur3 } from '@ensign/core';
import type { FlagResolution } from '@ensign/core';
import { ROLLOUT_FLAG_KEY, STATIC_FLAG_KEY } from './fixtures.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Hash state after the bytes of a prefix: running hash, pending tail bytes and their count. */
interface PrefixState {
  readonly h: number;
  readonly k: number;
  readonly n: number;
  readonly length: number;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hashes the flag key once, so each evaluation only hashes the targeting key (ASCII flag keys). */
function prefixState(prefix: string): PrefixState {
  let h = 0;
  let k = 0;
  let n = 0;
  for (let i = 0; i < prefix.length; i++) {
    k |= prefix.charCodeAt(i) << (8 * n);
    if (++n === 4) {
      h = mix(h, k);
      k = 0;
      n = 0;
    }
  }
  return { h, k, n, length: prefix.length };
}

/**
 * MurmurHash3 x86_32, seed 0, of `prefix + text` for an ASCII `text`, continuing from the prefix's
 * state. Non-ASCII input falls back to `@ensign/core`'s UTF-8 implementation so results stay exact.
 */
function murmur3Ascii(state: PrefixState, prefix: string, text: string): number {
  let { h, k, n } = state;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return murmur3(prefix + text);
    k |= c << (8 * n);
    if (++n === 4) {
      h = mix(h, k);
      k = 0;
      n = 0;
    }
  }
  if (n > 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= state.length + len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const ROLLOUT_PREFIX = prefixState(ROLLOUT_FLAG_KEY);

/**
 * flagd's bucket `(hash * total) >> 32`. Exact here because `hash * 100 < 2^39` is an exact double
 * and dividing by 2^32 only moves the exponent.
 */
function bucket100(hash: number): number {
  return Math.floor((hash * 100) / 4294967296);
}

function prepared(flagKey: string, value: boolean | string, variant: string, reason: string): FlagResolution {
  return Object.freeze({ flagKey, value, variant, reason, flagMetadata: Object.freeze({}) });
}

const STATIC_ON = prepared(STATIC_FLAG_KEY, true, 'on', 'STATIC');
const ROLLOUT_A = prepared(ROLLOUT_FLAG_KEY, 'classic', 'A', 'TARGETING_MATCH');
const ROLLOUT_B = prepared(ROLLOUT_FLAG_KEY, 'one-click', 'B', 'TARGETING_MATCH');
const ROLLOUT_C = prepared(ROLLOUT_FLAG_KEY, 'redesign', 'C', 'TARGETING_MATCH');

/** Context fields the inline rules read. */
export interface InlineContext {
  readonly targetingKey: string;
  readonly tier: string;
  readonly country: string;
}

/** Case (a), by hand. */
export function inlineStatic(_context: InlineContext): FlagResolution {
  return STATIC_ON;
}

/** Case (b), by hand: `tier in [pro, business] and country == US → B`, else 25/75 between A and C. */
export function inlineRollout(context: InlineContext): FlagResolution {
  const tier = context.tier;
  if ((tier === 'pro' || tier === 'business') && context.country === 'US') return ROLLOUT_B;
  return bucket100(murmur3Ascii(ROLLOUT_PREFIX, ROLLOUT_FLAG_KEY, context.targetingKey)) < 25
    ? ROLLOUT_A
    : ROLLOUT_C;
}

type InlineFlag = (context: InlineContext) => FlagResolution;

/** The inline flags by key: a baseline also pays for finding the flag. */
export const INLINE_FLAGS: ReadonlyMap<string, InlineFlag> = new Map<string, InlineFlag>([
  [STATIC_FLAG_KEY, inlineStatic],
  [ROLLOUT_FLAG_KEY, inlineRollout],
]);
