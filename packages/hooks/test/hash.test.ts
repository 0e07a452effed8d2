import { describe, expect, it } from 'vitest';
import { absorb, hash53, hashFrom, initialState } from '../src/internal/hash.js';

describe('hash53 (deduplication and stand-in keys)', () => {
  it('gives 200,000 similar keys 200,000 distinct values, all below 2^53', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      const h = hash53(1, `user-${i}`);
      expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
      seen.add(h);
    }
    expect(seen.size).toBe(200_000);
  });

  it('separates where one string ends and the next begins, and depends on the seed', () => {
    const of = (seed: number, ...parts: string[]) => {
      const state = initialState(seed);
      for (const part of parts.slice(0, -1)) absorb(state, part);
      return hashFrom(state, parts.at(-1)!);
    };
    expect(of(1, 'ab', 'c', 'd')).not.toBe(of(1, 'a', 'bc', 'd'));
    expect(of(1, 'flag', 'on', '')).not.toBe(of(1, 'flag', '', 'on'));
    expect(of(1, 'flag', 'on', 'u')).toBe(of(1, 'flag', 'on', 'u'));
    expect(of(1, 'flag', 'on', 'u')).not.toBe(of(2, 'flag', 'on', 'u'));
    expect(hash53(1, 'é\u{1F600}')).not.toBe(hash53(1, 'e\u{1F600}'));
  });
});
