/**
 * The argument checks every `ServerState` makes before it reads or writes anything, shared so that
 * the memory and Redis implementations refuse exactly the same calls with the same messages.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function text(method: string, argument: string, value: unknown, braces: boolean): void {
  if (typeof value !== 'string' || value.length === 0 || LONE_SURROGATE.test(value))
    throw new TypeError(
      `${method}: ${argument} must be a non-empty string of well-formed Unicode, got ${JSON.stringify(value) ?? String(value)}`,
    );
  // A namespace or lease name becomes a Redis hash tag: a brace would end the tag early.
  if (!braces && /[{}]/.test(value))
    throw new TypeError(`${method}: ${argument} ${JSON.stringify(value)} may not contain "{" or "}"`);
}

/** Refuses a namespace or id that the key layout cannot hold. */
export function checkKey(method: string, namespace: unknown, id: unknown): void {
  text(method, 'namespace', namespace, false);
  text(method, 'id', id, true);
}

/** Refuses a lease name and owner that the key layout cannot hold, and a ttl that is not positive. */
export function checkLease(method: string, name: unknown, owner: unknown, ttlMs?: unknown): void {
  text(method, 'name', name, false);
  text(method, 'owner', owner, true);
  if (ttlMs !== undefined) checkPositive(method, 'ttlMs', ttlMs);
}

/** Refuses anything but a positive safe integer. */
export function checkPositive(method: string, argument: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new TypeError(`${method}: ${argument} must be a positive integer, got ${String(value)}`);
}

/** Refuses unknown or ill-typed `put` options (a typo must not silently drop compare-and-set). */
export function checkPutOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError('put: options must be an object');
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (name === 'expectedVersion') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw new TypeError(
          `put: options.expectedVersion must be a non-negative integer, got ${String(value)}`,
        );
    } else if (name === 'ttlMs') {
      checkPositive('put', 'options.ttlMs', value);
    } else {
      throw new TypeError(`put: unknown option "${name}" (expectedVersion, ttlMs)`);
    }
  }
}

/** Refuses unknown or ill-typed `increment` (or `maximize`) options; resolves the ttl (`undefined` for none). */
export function checkIncrementOptions(options: unknown, method = 'increment'): number | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${method}: options must be an object`);
  let ttlMs: number | undefined;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (name !== 'ttlMs') throw new TypeError(`${method}: unknown option "${name}" (ttlMs)`);
    checkPositive(method, 'options.ttlMs', value);
    ttlMs = value as number;
  }
  return ttlMs;
}

/** The JSON text of a value to store; refuses what JSON cannot hold. */
export function encodeValue(method: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${method}: value cannot be stored as JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (json === undefined)
    throw new TypeError(`${method}: value cannot be stored as JSON (it is ${typeof value})`);
  return json;
}

/** Refuses increments (or `maximize` values) that are not finite numbers, naming the counter. */
export function checkIncrements(counters: unknown, method = 'increment'): [string, number][] {
  if (counters === null || typeof counters !== 'object' || Array.isArray(counters))
    throw new TypeError(`${method}: counters must be an object of counter name → number`);
  const entries = Object.entries(counters as Record<string, unknown>);
  const verb = method === 'increment' ? 'incremented by' : 'raised to';
  for (const [name, by] of entries) {
    if (name === '' || LONE_SURROGATE.test(name))
      throw new TypeError(`${method}: counter name ${JSON.stringify(name)} is not a non-empty string`);
    if (typeof by !== 'number' || !Number.isFinite(by))
      throw new TypeError(`${method}: counter "${name}" must be ${verb} a finite number, got ${String(by)}`);
  }
  return entries as [string, number][];
}

/** A plain record built with own properties only (a key such as `__proto__` stays a key). */
export function ownRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of entries)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Ids in code-unit order: every implementation lists a namespace in the same order. */
export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
