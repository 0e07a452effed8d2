/**
 * 64-bit digests for OFREP ETags. A bulk answer is a sequence of prepared pieces (one serialised
 * result per flag, then the set metadata and the event-stream link); each piece's digest is
 * computed once, when it is prepared, from its exact text, and an answer's ETag chains those
 * digests in order. The ETag is therefore a hash of the body's content: the same for the same
 * body on every instance and after restarts, different whenever any byte of the body is (but for
 * a 2^-64 chance), and computed without building or hashing the body (a 304 never builds it).
 */
import { createHash } from 'node:crypto';

/** The digest of one piece of an answer: two independent 32-bit halves. */
export interface Digest {
  readonly hi: number;
  readonly lo: number;
}

/** SHA-256 of `text`, truncated to 64 bits: for pieces prepared once (results, metadata). */
export function digestOf(text: string): Digest {
  const hash = createHash('sha256').update(text, 'utf8').digest();
  return { hi: hash.readUInt32BE(0), lo: hash.readUInt32BE(4) };
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One step of the chain: mixes `digest` into the state, across both 32-bit lanes. */
function step(state: { hi: number; lo: number }, digest: Digest, index: number): void {
  state.hi = fmix((state.hi ^ digest.hi) + Math.imul(state.lo, 0x27d4eb2f) + index);
  state.lo = fmix((state.lo ^ digest.lo) + Math.imul(state.hi, 0x165667b1));
}

/**
 * A strong ETag (`"…"`) for a sequence of digests (`head` then `tail`): an order-sensitive chain,
 * each step mixing the previous state into the next. It runs on every bulk request.
 */
export function chainETag(head: readonly Digest[], tail: readonly Digest[]): string {
  const state = { hi: 0x9e3779b9, lo: 0x7f4a7c15 };
  for (let i = 0; i < head.length; i++) step(state, head[i]!, i);
  for (let i = 0; i < tail.length; i++) step(state, tail[i]!, head.length + i);
  return `"${state.hi.toString(36).padStart(7, '0')}${state.lo.toString(36).padStart(7, '0')}"`;
}
