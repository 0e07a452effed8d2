/** Hashes of plans and of set parts, computed the same way on every machine (canonical JSON). */
import { createHash } from 'node:crypto';
import { stableStringify } from '@ensign/core';
import { ABSENT_FLAG_ETAG } from '@ensign/store';
import type { Plan } from './types.js';

/** SHA-256 of text, hex. */
export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The ETag of a set part (`$evaluators`, set metadata), shaped like a flag's ETag: absent parts
 * get `ABSENT_FLAG_ETAG`.
 */
export function partEtag(value: unknown): string {
  if (value === undefined || value === null) return ABSENT_FLAG_ETAG;
  return `"${createHash('sha256').update(stableStringify(value)).digest('base64url').slice(0, 22)}"`;
}

/** The hash of a plan: canonical JSON of every field but `planHash`. */
export function planHashOf(plan: Omit<Plan, 'planHash'> & { planHash?: string }): string {
  const { planHash: _ignored, ...rest } = plan;
  return sha256(stableStringify(rest));
}

/** The first 12 characters of a plan hash, as printed. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
