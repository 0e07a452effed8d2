/**
 * The OFREP request body parser: JSON with limits a hostile caller cannot get around. The body is
 * at most {@link MAX_OFREP_BODY_BYTES}; it is parsed with `JSON.parse` (iterative in V8: a deep
 * document cannot overflow the stack) and then walked once, iteratively, refusing a context nested
 * deeper than {@link MAX_CONTEXT_DEPTH}, holding more than {@link MAX_CONTEXT_VALUES} values, or
 * carrying a `__proto__` key anywhere (refused rather than silently dropped, so that a client
 * learns its context is not what it meant). The route schema then checks the shape
 * (`context` an object, `targetingKey` a string).
 */
import type { FastifyInstance } from 'fastify';
import { OfrepRequestError } from './errors.js';

/** Largest OFREP request body, in bytes (or the server's `bodyLimit` when smaller). */
export const MAX_OFREP_BODY_BYTES = 262_144;
/** Deepest nesting of an evaluation context (the context object itself is level 1). */
export const MAX_CONTEXT_DEPTH = 32;
/** Most values (scalars, arrays and objects) one evaluation context may hold. */
export const MAX_CONTEXT_VALUES = 10_000;

/** Refuses a body that no evaluation context should look like; returns it unchanged otherwise. */
export function checkRequestBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body; // the schema says why
  // The body object is level 0, so its `context` is level 1.
  const stack: [unknown, number][] = [[body, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++values > MAX_CONTEXT_VALUES)
      throw new OfrepRequestError('INVALID_CONTEXT', `context holds more than ${MAX_CONTEXT_VALUES} values`);
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_CONTEXT_DEPTH)
      throw new OfrepRequestError(
        'INVALID_CONTEXT',
        `context is nested more than ${MAX_CONTEXT_DEPTH} levels deep`,
      );
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__')
        throw new OfrepRequestError('INVALID_CONTEXT', 'context may not hold a "__proto__" key');
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return body;
}

/** Replaces the JSON parser of `scope` (the OFREP routes only) with the checked one. */
export function installOfrepBodyParser(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: Math.min(bodyLimit, MAX_OFREP_BODY_BYTES) },
    (_request, text, done) => {
      let body: unknown;
      try {
        body = JSON.parse(text as string);
      } catch {
        done(new OfrepRequestError('PARSE_ERROR', 'the request body is not valid JSON'), undefined);
        return;
      }
      try {
        done(null, checkRequestBody(body));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
