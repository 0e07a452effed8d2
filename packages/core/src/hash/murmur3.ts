/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of a string, as Go flagd computes it for `fractional`.
 *
 * The bytes are produced on the fly from UTF-16 code units (no `TextEncoder` allocation), so
 * hashing an ASCII key costs one pass over it. Lone surrogates encode as U+FFFD, as `TextEncoder`
 * and Go's JSON decoder do. JavaScript implementations that hash UTF-16 code units instead (such as
 * the `imurmurhash` package used by `@openfeature/flagd-core`) disagree with flagd for non-ASCII keys.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Intermediate hash state: running hash, pending tail bytes, their count and the total length. */
export interface Murmur3State {
  readonly h: number;
  readonly k: number;
  readonly n: number;
  readonly length: number;
}

const EMPTY: Murmur3State = { h: 0, k: 0, n: 0, length: 0 };

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, k: number, n: number, length: number): number {
  if (n > 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Feeds the UTF-8 bytes of `text` into a hash state. Returns the state packed in a fresh object
 * only when asked (`update`); `murmur3` and `murmur3From` finish in place without allocating.
 */
function run(state: Murmur3State, text: string, done: true): number;
function run(state: Murmur3State, text: string, done: false): Murmur3State;
function run(state: Murmur3State, text: string, done: boolean): number | Murmur3State {
  let { h, k, n, length } = state;
  const len = text.length;
  let i = 0;
  // Fast path: whole 4-byte blocks of ASCII when aligned.
  if (n === 0) {
    while (i + 3 < len) {
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) >= 0x80) break;
      h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
      i += 4;
      length += 4;
    }
  }
  for (; i < len; i++) {
    let c = text.charCodeAt(i);
    let bytes: number;
    let count: number;
    if (c < 0x80) {
      bytes = c;
      count = 1;
    } else if (c < 0x800) {
      bytes = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        bytes =
          0xf0 |
          (c >> 18) |
          ((0x80 | ((c >> 12) & 0x3f)) << 8) |
          ((0x80 | ((c >> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
        count = 4;
      } else {
        bytes = 0xef | (0xbf << 8) | (0xbd << 16); // U+FFFD
        count = 3;
      }
    } else {
      bytes = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
      count = 3;
    }
    for (let b = 0; b < count; b++) {
      k |= ((bytes >>> (8 * b)) & 0xff) << (8 * n);
      length++;
      if (++n === 4) {
        h = mixBlock(h, k);
        k = 0;
        n = 0;
      }
    }
  }
  return done ? finish(h, k, n, length) : { h, k, n, length };
}

/** MurmurHash3 x86_32, seed 0, of the UTF-8 bytes of `text`, as an unsigned 32-bit integer. */
export function murmur3(text: string): number {
  return run(EMPTY, text, true);
}

/** The state after hashing `prefix`, to continue with {@link murmur3From} without concatenating. */
export function murmur3Prefix(prefix: string): Murmur3State {
  return run(EMPTY, prefix, false);
}

/** `murmur3(prefix + text)` where `state = murmur3Prefix(prefix)`. */
export function murmur3From(state: Murmur3State, text: string): number {
  // The hot path of `fractional`: an ASCII targeting key after a flag key of any length, one byte
  // per code unit and no encoding branch. Anything else takes the general path from the start.
  let { h, k, n } = state;
  const len = text.length;
  let i = 0;
  // Four ASCII characters at a time: one 32-bit word, spliced onto the `n` pending bytes.
  const shift = 8 * n;
  for (; i + 3 < len; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return run(state, text, true);
    const word = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    if (shift === 0) {
      h = mixBlock(h, word);
    } else {
      h = mixBlock(h, k | (word << shift));
      k = word >>> (32 - shift);
    }
  }
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return run(state, text, true);
    k |= c << (8 * n);
    if (++n === 4) {
      h = mixBlock(h, k);
      k = 0;
      n = 0;
    }
  }
  return finish(h, k, n, state.length + len);
}

/**
 * flagd's bucket for a hash: `(hash * totalWeight) >> 32`, exact for any total weight up to
 * 2^31 - 1 without BigInt (the product is split so no intermediate exceeds 2^53).
 */
export function bucketOf(hash: number, totalWeight: number): number {
  // With hash < 2^32 and totalWeight <= 2^21 the product stays below 2^53: exact as one double.
  if (totalWeight <= 0x200000) return Math.floor((hash * totalWeight) / 4294967296);
  const hi = hash >>> 16;
  const lo = hash & 0xffff;
  const a = hi * totalWeight; // < 2^47
  const b = lo * totalWeight; // < 2^47
  const aHigh = Math.floor(a / 65536);
  const aLow = a - aHigh * 65536;
  return aHigh + Math.floor((aLow * 65536 + b) / 4294967296);
}
