/**
 * A fast, non-cryptographic 53-bit string hash (two 32-bit lanes with MurmurHash3-style mixing,
 * cyrb53's final avalanche), used where the hooks must remember or name client-controlled
 * strings in a fixed number of bytes. 53 bits because that is what a JavaScript number holds
 * exactly, so a hash is a `Map` key without building a string.
 *
 * It reads UTF-16 code units two at a time (no UTF-8 encoding step: code units are an injective
 * encoding too, and skipping the encoder keeps long keys cheap), and mixes in each string's
 * length after it, so `("ab", "c")` and `("a", "bc")` hash apart. The lane state after some
 * strings can be kept and continued ({@link absorb}, {@link hashFrom}), so a caller hashing
 * (flag, variant, targeting key) pays for the flag and variant once, not per evaluation.
 * No Node APIs: runs in browsers.
 * @internal
 */

/** The two lanes after some strings: 64 bits of state. */
export interface HashState {
  h1: number;
  h2: number;
}

/** The state before any string, under `seed`. */
export function initialState(seed: number): HashState {
  return { h1: 0xdeadbeef ^ seed, h2: 0x41c6ce57 ^ seed };
}

/*
 * The mixing step is written out in both loops below (and nowhere else): a shared helper would
 * need module-level or object state, which measured about 1.5× slower on short keys.
 */

/** Feeds `text` into `state` (mutated), to be continued by {@link hashFrom}. */
export function absorb(state: HashState, text: string): void {
  let h1 = state.h1;
  let h2 = state.h2;
  const n = text.length;
  for (let i = 0; i <= n + 1; i += 2) {
    // Two code units per word; then the length as a last word of its own.
    const w =
      i + 1 < n
        ? text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)
        : i < n
          ? text.charCodeAt(i)
          : n ^ 0x9e3779b9;
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h1 ^= Math.imul(k, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    // The second lane sees the word through another multiply-rotate, so the lanes do not
    // collide together on structured inputs.
    let j = Math.imul(w, 0x85ebca6b);
    j = (j << 16) | (j >>> 16);
    h2 ^= Math.imul(j, 0xc2b2ae35);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 9) + 0x38495ab5) | 0;
    if (i >= n) break;
  }
  state.h1 = h1;
  state.h2 = h2;
}

/** The 53-bit hash (an integer in [0, 2^53)) of the strings behind `state` followed by `text`. */
export function hashFrom(state: Readonly<HashState>, text: string): number {
  let h1 = state.h1;
  let h2 = state.h2;
  const n = text.length;
  for (let i = 0; i <= n + 1; i += 2) {
    const w =
      i + 1 < n
        ? text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)
        : i < n
          ? text.charCodeAt(i)
          : n ^ 0x9e3779b9;
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h1 ^= Math.imul(k, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w, 0x85ebca6b);
    j = (j << 16) | (j >>> 16);
    h2 ^= Math.imul(j, 0xc2b2ae35);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 9) + 0x38495ab5) | 0;
    if (i >= n) break;
  }
  const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return 4294967296 * (2097151 & b) + (a >>> 0);
}

/** The 53-bit hash of one string under `seed`. */
export function hash53(seed: number, text: string): number {
  return hashFrom(initialState(seed), text);
}

/** A random 32-bit seed, so nobody can precompute colliding inputs for a running process. */
export function randomSeed(): number {
  return (Math.random() * 4294967296) >>> 0;
}
