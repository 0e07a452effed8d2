/**
 * 64-bit digests for OFREP ETags. A bulk answer is a sequence of prepared pieces (one serialised
 * result per flag, then the set metadata and the event-stream link); each piece's digest is
 * computed once, when it is prepared, from its exact text, and an answer's ETag chains those
 * digests in order. The ETag is therefore a hash of the body's content: the same for the same
 * body on every instance and after restarts, different whenever any byte of the body would be,
 * and computed without building or hashing the body (a 304 never builds it).
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

/**
 * An order-sensitive chain of digests (each step mixes the previous state into the next), kept
 * as two 32-bit halves so that the hot path allocates nothing.
 */
export class DigestChain {
  private hi = 0x9e3779b9;
  private lo = 0x7f4a7c15;
  private count = 0;

  add(digest: Digest): this {
    this.hi = fmix((this.hi ^ digest.hi) + Math.imul(this.lo, 0x27d4eb2f) + this.count);
    this.lo = fmix((this.lo ^ digest.lo) + Math.imul(this.hi, 0x165667b1));
    this.count++;
    return this;
  }

  /** A strong ETag (`"…"`, 13 base-36 digits per half). */
  toETag(): string {
    return `"${this.hi.toString(36).padStart(7, '0')}${this.lo.toString(36).padStart(7, '0')}"`;
  }
}
