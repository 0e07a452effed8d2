/**
 * Every write of the admin API says what it was based on, in HTTP's own terms: `If-Match` with
 * the ETag read (a flag's ETag on flag routes, `"v<version>"` on whole-set routes), `If-Match: *`
 * to act on whatever is there now (it must exist), `If-None-Match: *` to create only. A write
 * without any is refused with 428, so a client cannot forget compare-and-set by accident.
 */
import { ABSENT_FLAG_ETAG } from '@ensign/store';
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problem.js';

/** The precondition of a write to one flag. */
export type FlagPrecondition =
  | { kind: 'etag'; etag: string }
  /** `If-Match: *`: the flag must exist; no compare-and-set. */
  | { kind: 'exists' }
  /** `If-None-Match: *`: the flag must not exist. */
  | { kind: 'absent' };

/** The precondition of a whole-set write: a version, `undefined` for `If-Match: *`. */
export type SetPrecondition = { expectedVersion: number | undefined };

const STRONG_ETAG = /^"[\x21\x23-\x7e]{1,200}"$/;
const SET_ETAG = /^"v(0|[1-9][0-9]{0,15})"$/;

/** The `ETag` of a set at `version`. */
export function setEtag(version: number): string {
  return `"v${version}"`;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

function missing(what: string): HttpProblem {
  return new HttpProblem(
    428,
    'precondition-required',
    'This write needs a precondition',
    `send If-Match with the ${what} ETag you read (GET it first), If-Match: * to write whatever is there now${what === 'flag' ? ', or If-None-Match: * to create only' : ''}`,
  );
}

function malformed(name: string, detail: string): HttpProblem {
  return new HttpProblem(400, 'invalid-precondition', `The ${name} header is invalid`, detail, {
    errors: [{ pointer: `/${name.toLowerCase()}`, field: name, message: detail }],
  });
}

/**
 * Reads the precondition of a write to one flag.
 * @param create whether the route may create the flag (`If-None-Match: *` allowed).
 */
export function flagPrecondition(request: FastifyRequest, create = false): FlagPrecondition {
  const ifMatch = header(request, 'if-match');
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw malformed('If-None-Match', 'send either If-Match or If-None-Match, not both');
  }
  if (ifNoneMatch !== undefined) {
    if (!create) throw malformed('If-None-Match', 'only PUT can create a flag; this write needs If-Match');
    if (ifNoneMatch !== '*') throw malformed('If-None-Match', 'only "*" (create only) is accepted on writes');
    return { kind: 'absent' };
  }
  if (ifMatch === undefined) throw missing('flag');
  if (ifMatch === '*') return { kind: 'exists' };
  if (ifMatch.startsWith('W/'))
    throw malformed('If-Match', 'a weak ETag cannot guard a write; send the ETag as read');
  if (!STRONG_ETAG.test(ifMatch)) throw malformed('If-Match', 'must be one quoted ETag, as read, or *');
  return { kind: 'etag', etag: ifMatch };
}

/** The store's `ifMatch` for a flag precondition (`undefined`: no compare-and-set). */
export function storeIfMatch(precondition: FlagPrecondition): string | undefined {
  if (precondition.kind === 'etag') return precondition.etag;
  return precondition.kind === 'absent' ? ABSENT_FLAG_ETAG : undefined;
}

/**
 * Reads the precondition of a whole-set write (`If-Match: "v<version>"`).
 * @param create whether `If-None-Match: *` (the set was never written: version 0) is allowed.
 */
export function setPrecondition(request: FastifyRequest, create = false): SetPrecondition {
  const ifMatch = header(request, 'if-match');
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw malformed('If-None-Match', 'send either If-Match or If-None-Match, not both');
  }
  if (ifNoneMatch !== undefined) {
    if (!create || ifNoneMatch !== '*') {
      throw malformed(
        'If-None-Match',
        create ? 'only "*" (create only) is accepted' : 'this write needs If-Match',
      );
    }
    return { expectedVersion: 0 };
  }
  if (ifMatch === undefined) throw missing('flag set');
  if (ifMatch === '*') return { expectedVersion: undefined };
  if (ifMatch.startsWith('W/'))
    throw malformed('If-Match', 'a weak ETag cannot guard a write; send the ETag as read');
  const match = SET_ETAG.exec(ifMatch);
  if (!match) {
    if (STRONG_ETAG.test(ifMatch)) {
      // A flag's ETag sent to a set route can never match the set.
      throw new HttpProblem(
        412,
        'version-conflict',
        'The flag set changed since it was read',
        `If-Match ${ifMatch} is not a flag-set ETag ("v<version>"), so it cannot match the set`,
      );
    }
    throw malformed('If-Match', 'must be the set\'s ETag ("v<version>") as read, or *');
  }
  return { expectedVersion: Number(match[1]) };
}
