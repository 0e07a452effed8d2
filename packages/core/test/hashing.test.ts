import fc from 'fast-check';
import MurmurHash3 from 'imurmurhash';
import { describe, expect, it } from 'vitest';
import { murmur3From, murmur3Prefix } from '../src/hash/murmur3.js';
import { bucketOf, murmur3 } from '../src/index.js';

/** Reference MurmurHash3 x86_32, seed 0, over bytes: the textbook algorithm, byte by byte. */
function referenceMurmur3(bytes: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const blocks = bytes.length >> 2;
  for (let i = 0; i < blocks; i++) {
    let k = bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let i = rest - 1; i >= 0; i--) k = (k << 8) | bytes[tail + i]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const utf8 = new TextEncoder();
const ascii = fc.string({
  unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
/** Any UTF-16 code units, so lone surrogates and valid pairs both occur. */
const codeUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const codePoints = fc.string({ unit: 'binary', maxLength: 40 });

describe(murmur3.name, () => {
  it('matches known MurmurHash3 x86_32 vectors (seed 0, UTF-8)', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('a')).toBe(0x3c2569b2);
    expect(murmur3('hello')).toBe(613153351);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    expect(murmur3('café')).toBe(605818632);
  });

  it('hashes the UTF-8 bytes of non-ASCII text, as Go flagd does', () => {
    for (const text of ['café', 'ñandú', '日本語のキー', '👩‍💻 user', 'a😀b', '\u{10ffff}']) {
      expect(murmur3(text)).toBe(referenceMurmur3(utf8.encode(text)));
    }
    // JavaScript's flagd-core hashes UTF-16 code units instead, so it disagrees here.
    expect(new MurmurHash3('café').result()).not.toBe(605818632);
  });

  it('encodes a lone surrogate as U+FFFD, as TextEncoder does', () => {
    expect(murmur3('a\ud800b')).toBe(murmur3('a\ufffdb'));
    expect(murmur3('\udc00')).toBe(referenceMurmur3(new Uint8Array([0xef, 0xbf, 0xbd])));
    expect(murmur3('x\ud83d')).toBe(referenceMurmur3(utf8.encode('x\ud83d')));
  });

  it('equals the reference over the UTF-8 bytes for any string (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(codeUnits, codePoints),
        (text) => murmur3(text) === referenceMurmur3(utf8.encode(text)),
      ),
      { numRuns: 500 },
    );
  });

  it('equals imurmurhash (used by flagd-core) for ASCII keys (property)', () => {
    fc.assert(
      fc.property(ascii, (text) => murmur3(text) === new MurmurHash3(text).result()),
      { numRuns: 500 },
    );
  });

  it('continues from a prefix state exactly as if the strings were joined (property)', () => {
    fc.assert(
      fc.property(codePoints, codePoints, (prefix, text) => {
        const state = murmur3Prefix(prefix);
        const first = murmur3From(state, text);
        // Reusing the state gives the same answer: hashing never mutates it.
        return first === murmur3(prefix + text) && murmur3From(state, text) === first;
      }),
      { numRuns: 300 },
    );
  });
});

describe(bucketOf.name, () => {
  const exact = (hash: number, weight: number) => Number((BigInt(hash) * BigInt(weight)) >> 32n);

  it('is exact at the edges', () => {
    const max = 2 ** 31 - 1;
    for (const [hash, weight] of [
      [0, 0],
      [0xffffffff, 0],
      [0xffffffff, 1],
      [0xffffffff, 100],
      [0xffffffff, max],
      [0x80000000, max],
      [0x7fffffff, max],
      [1, max],
      [0xffff, 0x10000],
      [0x10000, 0xffff],
    ] as const) {
      expect(bucketOf(hash, weight)).toBe(exact(hash, weight));
    }
    expect(bucketOf(0xffffffff, 100)).toBe(99);
  });

  it('equals (hash * totalWeight) >> 32 computed with BigInt (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (hash, weight) => bucketOf(hash, weight) === exact(hash, weight),
      ),
      { numRuns: 2000 },
    );
  });
});
